"""The provinces shipped in provinces/: valid, self-describing, and true to their purpose."""

from ipaddress import IPv4Network
from pathlib import Path

import pytest

from conftest import ROOT, run_provcloud
from provcloud.catalogue import AgencyKind, MachineRole, load_province
from provcloud.catalogue.writer import SCHEMA_MODELINE
from provcloud.project import catalogue_files

PROVINCES = catalogue_files(ROOT / "provinces")
LAB_RANGE = IPv4Network("198.18.0.0/15")


@pytest.mark.parametrize("file", PROVINCES, ids=lambda p: p.stem)
def test_province_validates_and_starts_with_modeline(file: Path) -> None:
    assert file.read_text(encoding="utf-8").startswith(SCHEMA_MODELINE), f"{file.name}: first line must be the modeline"
    province = load_province(file)
    assert province.slug == file.stem, "the file name is the province slug"


def test_demo_uses_only_the_lab_range() -> None:
    demo = load_province(ROOT / "provinces" / "demo.yml")
    assert demo.lab
    addresses = [m.ip for m in demo.service_machines] + [z.gateway for z in demo.network.zones.values()]
    outside = [str(a) for a in addresses if a not in LAB_RANGE]
    assert not outside, f"demo addresses outside 198.18.0.0/15: {outside}"
    assert all(zone.cidr.subnet_of(LAB_RANGE) for zone in demo.network.zones.values())


def test_demo_has_one_machine_of_each_role_and_varied_agencies() -> None:
    demo = load_province(ROOT / "provinces" / "demo.yml")
    assert sorted(m.role for m in demo.service_machines) == sorted(MachineRole)
    kinds = {a.kind for a in demo.agencies}
    assert AgencyKind.commune in kinds and len(kinds) >= 4


def test_danang_has_the_departments_of_decree_150() -> None:
    danang = load_province(ROOT / "provinces" / "danang.yml")
    names = {a.name for a in danang.agencies}
    for department in ("Sở Nội vụ", "Sở Tư pháp", "Sở Tài chính", "Sở Khoa học và Công nghệ", "Sở Y tế"):
        assert department in names
    kinds = {a.kind for a in danang.agencies}
    assert {AgencyKind.people_committee_office, AgencyKind.inspectorate, AgencyKind.commune} <= kinds
    assert not danang.lab and not danang.machines_with_role(MachineRole.national_peer)


def test_validate_without_arguments_checks_every_province() -> None:
    result = run_provcloud("validate")
    assert result.returncode == 0, result.stderr
    for file in PROVINCES:
        assert f"provinces/{file.name} is valid" in result.stdout
    assert "agencies by kind" in result.stdout


def test_validate_unknown_province_is_a_clear_error() -> None:
    result = run_provcloud("validate", "atlantis")
    assert result.returncode == 1
    assert "no province 'atlantis'" in result.stderr and "Traceback" not in result.stderr
