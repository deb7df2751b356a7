"""Province results as the country run keeps them, built from the catalogues without planning (the
report and the picture read only the profile): the whole country in a test costs seconds, not the
~70 s of planning it."""

from functools import cache
from pathlib import Path

from conftest import ROOT
from provcloud.catalogue import load_province
from provcloud.country.profile import province_profile
from provcloud.country.result import OWN_CLUSTER, ProvinceResult
from provcloud.plan.model import Plan


@cache
def unplanned_result(catalogue: Path) -> ProvinceResult:
    """The result of a province whose plan declared nothing and broke no policy."""
    relative = catalogue.relative_to(ROOT)
    province = load_province(relative)
    plan = Plan(province=province.slug, kubernetes_version=province.platform.kubernetes_version, objects=[])
    return ProvinceResult(
        slug=catalogue.stem,
        file=str(relative),
        host=province.hosting.provider if province.hosting else OWN_CLUSTER,
        agencies=len(province.agencies),
        tenants=len(province.agencies),
        profile=province_profile(province, plan, catalogue, ROOT / "policies"),
    )
