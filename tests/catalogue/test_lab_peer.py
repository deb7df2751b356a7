"""Lab provinces that share a national peer (`national_platform.lab_peer`, catalogue/lab_peer.py):
the group both labs read, and every mistake refused at the field, naming the file and line."""

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_provcloud
from provcloud.catalogue import CatalogueError, load_province
from provcloud.catalogue.lab_peer import peer_group

PROVINCES = ROOT / "provinces"


def group_of(folder: Path, slug: str) -> list[str]:
    file = folder / f"{slug}.yml"
    group = peer_group(load_province(file), file)
    assert group is not None
    return [member.slug for member in group.members]


def test_demo2_and_demo_read_the_same_group_the_peer_first() -> None:
    assert group_of(PROVINCES, "demo") == group_of(PROVINCES, "demo2") == ["demo", "demo2"]
    file = PROVINCES / "demo2.yml"
    group = peer_group(load_province(file), file)
    assert group is not None and group.machine.name == "ndxp-peer"


def test_a_province_outside_any_group_has_none() -> None:
    file = PROVINCES / "danang.yml"
    assert peer_group(load_province(file), file) is None


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for slug in ("demo", "demo2"):
        shutil.copy(PROVINCES / f"{slug}.yml", tmp_path / f"{slug}.yml")
    return tmp_path


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, old
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def refusal(folder: Path) -> str:
    file = folder / "demo2.yml"
    with pytest.raises(CatalogueError) as refused:
        peer_group(load_province(file), file)
    return str(refused.value)


def lab_peer_line(file: Path) -> int:
    lines = file.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if "lab_peer:" in line)


def test_a_peer_that_does_not_exist_is_refused_at_the_field(folder: Path) -> None:
    edit(folder / "demo2.yml", "lab_peer: demo", "lab_peer: nowhere")
    message = refusal(folder)
    assert message.startswith(f"{folder / 'demo2.yml'}:{lab_peer_line(folder / 'demo2.yml')}:")
    assert "national_platform.lab_peer: no lab province 'nowhere'" in message


PEER_MACHINE = (
    "  - {name: ndxp-peer, role: national_peer, zone: national, ip: 198.19.255.10, size: small, "
    "aliases: [ndxp.national.test]}\n"
)


@pytest.mark.parametrize(
    ("edits", "reason"),
    [
        ([(PEER_MACHINE, ""), ("lab: true", "lab: false")], "not a lab province"),
        ([(PEER_MACHINE, "")], "declares no national_peer machine to share"),
        ([("endpoint: https://ndxp.national.test", "endpoint: https://elsewhere.national.test")], "answers"),
    ],
)
def test_a_peer_that_cannot_serve_is_refused_naming_both_files(
    folder: Path, edits: list[tuple[str, str]], reason: str
) -> None:
    demo = folder / "demo.yml"
    for old, new in edits:
        edit(demo, old, new)
    message = refusal(folder)
    assert f"{folder / 'demo2.yml'}:{lab_peer_line(folder / 'demo2.yml')}:" in message
    assert str(demo) in message and reason in message, message


def test_two_provinces_with_one_code_cannot_share_a_peer(folder: Path) -> None:
    edit(folder / "demo2.yml", "org_code: 000.00.00.H98", "org_code: 000.00.00.H99")
    text = (folder / "demo2.yml").read_text(encoding="utf-8").replace(".H98", ".H99")
    (folder / "demo2.yml").write_text(text, encoding="utf-8")
    message = refusal(folder)
    assert "province code H99 is demo's too" in message, message


def test_only_a_lab_province_uses_a_peer_and_then_declares_none_itself(folder: Path) -> None:
    file = folder / "demo2.yml"
    edit(file, "lab: true", "lab: false")
    edit(file, "  - {name: docsys-db-01,", "  - {name: ndxp-peer, role: national_peer, zone: dmz, ip: 198.18.24.20, "
         "size: small}\n  - {name: docsys-db-01,")  # fmt: skip
    result = run_provcloud("validate", str(file))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    shown = result.stdout + result.stderr
    assert "only a province with `lab: true` may use another lab's national peer" in shown, shown
    assert "declares none itself" in shown, shown
