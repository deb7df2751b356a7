"""The hosting benchmark's generated project (bench/hosted_scaling.py) is one the loader and the
provider's plan accept: a refused catalogue would make `make bench` measure nothing."""

import importlib.util
from pathlib import Path
from types import ModuleType

from conftest import ROOT
from provcloud.catalogue import load_province
from provcloud.catalogue.hosted import load_provider
from provcloud.plan.run import make_plan, make_provider_plan
from provcloud.plan.stack_config import find_provider_stack, find_stack
from provcloud.provider.hosted import hosted_provinces


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hosted_scaling", ROOT / "bench" / "hosted_scaling.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_provider_hosts_register_provinces_within_their_own_needs(tmp_path: Path) -> None:
    hosted_scaling = bench()
    # danang's own cluster has other sizes than the generated ones: the provider offers one set.
    project = hosted_scaling.hosted_project(tmp_path, ["danang", "hue"])
    source = load_provider(project / "providers" / f"{hosted_scaling.PROVIDER}.yml")
    for entry in hosted_provinces(source):
        assert entry.province.hosting is not None
        assert entry.allotment.namespaces == len(entry.namespaces)
    provider_plan = make_provider_plan(find_provider_stack(project, hosted_scaling.PROVIDER), project / "policies")
    assert not provider_plan.failed
    file = project / "provinces" / "hue.yml"
    plan = make_plan(load_province(file), find_stack(project, "hue", file), project / "policies")
    assert not plan.failed, (plan.schema_errors[:3], plan.violations[:3])


def test_the_five_are_nearest_the_median() -> None:
    counts = [("a", 10), ("b", 50), ("c", 52), ("d", 48), ("e", 100), ("f", 51), ("g", 49)]
    assert bench().nearest_median(counts, 3) == ["b", "f", "g"]
