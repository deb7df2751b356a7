"""A hosted province's namespace allotment counts every namespace its stack declares: its tenants'
and its platform namespaces (`hosted-min-platform-lgsp`, ...), not its agencies alone."""

import re
import shutil
from pathlib import Path

import pytest

from provcloud.catalogue import CatalogueError, load_province
from provcloud.platform.platform_namespace import stack_namespaces

FIXTURES = Path(__file__).parent / "fixtures"


def hosted_min_with_allotment(root: Path, namespaces: int) -> Path:
    """hosted-min (2 agencies, machines in 2 platform namespaces) on hostco, allotted `namespaces`."""
    (root / "providers").mkdir()
    (root / "provinces").mkdir()
    provider = (FIXTURES / "providers" / "hostco.yml").read_text(encoding="utf-8")
    edited, found = re.subn(r"(hosted-min:\n.*?namespaces: )10", rf"\g<1>{namespaces}", provider, count=1, flags=re.S)
    assert found, "the fixture's allotment of hosted-min was not found"
    (root / "providers" / "hostco.yml").write_text(edited, encoding="utf-8")
    return Path(shutil.copy(FIXTURES / "valid" / "hosted-min.yml", root / "provinces" / "hosted-min.yml"))


def test_the_stack_declares_tenant_and_platform_namespaces(tmp_path: Path) -> None:
    province = load_province(hosted_min_with_allotment(tmp_path, 10))
    assert stack_namespaces(province) == [
        "hosted-min-platform-docsystem",
        "hosted-min-platform-lgsp",
        "hosted-min-so-tp",
        "hosted-min-vp-ubnd",
    ]


def test_an_allotment_of_exactly_every_namespace_loads(tmp_path: Path) -> None:
    load_province(hosted_min_with_allotment(tmp_path, 4))


def test_an_allotment_one_short_names_the_count_and_the_provider_line(tmp_path: Path) -> None:
    # 2 agencies fit in 3 namespaces: only counting the platform namespaces too refuses this.
    file = hosted_min_with_allotment(tmp_path, 3)
    with pytest.raises(CatalogueError) as caught:
        load_province(file)
    [problem] = caught.value.problems
    assert str(problem) == (
        f"{file}:29:1: agencies: the province's stack declares 4 namespaces (2 agencies' tenants and "
        f"2 platform namespaces); the allotment is 3 ({tmp_path}/providers/hostco.yml:22:54)"
    )
