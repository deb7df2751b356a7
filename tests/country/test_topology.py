"""The topology picture as a person reads it: danang's SVG names its zones with their address
ranges, every service machine with its address, the LGSP pair's virtual IP, the national platform
and the link to it, and its tenants counted per kind — read from the catalogue, not from a copy.
Hồ Chí Minh City's 181 tenants stay a handful of boxes."""

import shutil
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter

import pytest

from conftest import ROOT
from country_helpers import unplanned_result
from provcloud.catalogue import load_province
from provcloud.catalogue.service_machine import MachineRole
from provcloud.country.topology import KIND_NAMES, topology_svg

SVG = "{http://www.w3.org/2000/svg}"
needs_graphviz = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz is not installed: run `make system-packages` as root"
)


def texts(svg: str) -> list[str]:
    """Every line of text the picture shows."""
    root = ElementTree.fromstring(svg)
    return [" ".join("".join(element.itertext()).split()) for element in root.iter(f"{SVG}text")]


def boxes(svg: str) -> int:
    root = ElementTree.fromstring(svg)
    return sum(1 for group in root.iter(f"{SVG}g") if group.get("class") == "node")


@needs_graphviz
def test_danang_picture_names_zones_machines_links_and_tenant_counts() -> None:
    catalogue = ROOT / "provinces" / "danang.yml"
    province = load_province(catalogue.relative_to(ROOT))
    result = unplanned_result(catalogue)
    assert result.profile is not None
    svg = topology_svg("danang", result.host, result.profile)
    shown = texts(svg)
    for zone, spec in province.network.zones.items():
        assert f"zone {zone} {spec.cidr}" in shown, f"zone {zone} is not labelled with its range: {shown}"
    for machine in province.service_machines:
        assert machine.name in shown and str(machine.ip) in shown, f"{machine.name} {machine.ip} missing: {shown}"
    assert str(province.virtual_ips[MachineRole.lgsp_node].ip) in shown, "the LGSP pair's virtual IP"
    assert province.national_platform.name in shown and province.national_platform.endpoint in shown
    assert "national link (mTLS)" in shown and "shared services" in shown
    assert f"tenants: {len(province.agencies)}" in shown
    kinds = Counter(str(agency.kind) for agency in province.agencies)
    for kind, count in kinds.items():
        label = KIND_NAMES[kind]
        assert label in shown, f"no line for the {label}"
        assert shown[shown.index(label) + 1] == str(count), f"{label}: expected {count} in the picture"
    assert province.name in " ".join(shown), "the title names the province"


@needs_graphviz
def test_hochiminh_picture_groups_its_communes_and_renders_fast() -> None:
    result = unplanned_result(ROOT / "provinces" / "hochiminh.yml")
    assert result.profile is not None and result.tenants is not None and result.tenants > 160
    started = time.perf_counter()
    svg = topology_svg("hochiminh", result.host, result.profile)
    took = time.perf_counter() - started
    machines = len(result.profile.machines)
    # A box per machine, per virtual IP, the tenants' one box and the national platform's.
    assert boxes(svg) == machines + len(result.profile.virtual_ips) + 2, "one box per commune would be unreadable"
    assert "Phường Sài Gòn" not in svg, "no commune drawn by name"
    assert took < 5, f"rendering hochiminh's picture took {took:.1f} s"


@needs_graphviz
def test_a_hosted_province_says_where_it_runs() -> None:
    result = unplanned_result(ROOT / "provinces" / "rented-alpha.yml")
    assert result.profile is not None
    shown = " ".join(texts(topology_svg("rented-alpha", result.host, result.profile)))
    assert "hosted on qtsc" in shown
