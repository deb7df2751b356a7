"""A register province is hosted because a provider's catalogue lists it: `register generate` and
`new-province --from-register` write it with `hosting:`, and stop when the provider drops it."""

import re
from pathlib import Path

import yaml

from conftest import ROOT, run_provcloud
from plan_helpers import project_copy
from provcloud.catalogue import load_province


def test_laichau_is_generated_hosted_by_the_provider_that_lists_it() -> None:
    province = load_province(ROOT / "provinces" / "laichau.yml")
    assert province.hosting is not None and province.hosting.provider == "qtsc"
    assert "laichau" in yaml.safe_load((ROOT / "providers" / "qtsc.yml").read_text(encoding="utf-8"))["provinces"]
    assert province.platform.ingress_domain == "laichau.apps.qtsc.provcloud.test", "the provider's cluster"


def test_from_register_writes_the_hosted_catalogue_and_stack_file(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    written = [root / "provinces" / "laichau.yml", root / "stacks" / "platform" / "Pulumi.laichau.yaml"]
    for file in written:
        file.unlink()
    (root / "inventories" / "laichau" / "provcloud.yml").unlink()
    (root / "inventories" / "laichau" / "group_vars" / "all.yml").unlink()
    result = run_provcloud("new-province", "--from-register", "12", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    for file in written:
        assert file.read_bytes() == (ROOT / file.relative_to(root)).read_bytes(), f"{file.name} differs"


def test_a_province_the_provider_drops_is_generated_with_its_own_platform(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    provider = root / "providers" / "qtsc.yml"
    text, dropped = re.subn(r"\n  laichau:\n.*?\]\}\n", "\n", provider.read_text(encoding="utf-8"), flags=re.S)
    assert dropped == 1, "laichau's allotment was not found in providers/qtsc.yml"
    provider.write_text(text, encoding="utf-8")
    check = run_provcloud("register", "generate", "--check", "12", cwd=root)
    assert check.returncode == 1 and "provinces/laichau.yml is not what the register gives" in check.stderr
    assert run_provcloud("register", "generate", "12", cwd=root).returncode == 0
    province = load_province(root / "provinces" / "laichau.yml")
    assert province.hosting is None and province.platform.ingress_domain == "apps.laichau.gov.vn"


def test_a_province_listed_by_two_providers_is_refused_naming_both(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    qtsc = (root / "providers" / "qtsc.yml").read_text(encoding="utf-8")
    other = qtsc.replace("slug: qtsc", "slug: other").replace("\n  rented-alpha:", "\n  other-alpha:")
    other = re.sub(r"\n  rented-beta:\n.*?\]\}\n", "\n", other, flags=re.S)
    (root / "providers" / "other.yml").write_text(other, encoding="utf-8")
    result = run_provcloud("register", "generate", "--check", "12", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.search(
        r"providers/qtsc\.yml:\d+:\d+: provinces\.laichau: province 'laichau' is hosted twice: "
        r"also by other \(.*providers/other\.yml:\d+:\d+\)",
        result.stderr,
    ), result.stderr
