"""Synthetic provinces validate at any size and keep Vietnamese names."""

from pathlib import Path

from conftest import run_provcloud
from provcloud.catalogue import AgencyKind, load_province


def test_synth_writes_a_valid_province(tmp_path: Path) -> None:
    target = tmp_path / "synth.yml"
    result = run_provcloud("catalogue", "synth", "--agencies", "300", "--out", str(target))
    assert result.returncode == 0, result.stderr
    province = load_province(target)
    assert len(province.agencies) == 300
    assert len({a.slug for a in province.agencies}) == 300
    assert any("ư" in a.name or "ơ" in a.name or "Đ" in a.name or "đ" in a.name for a in province.agencies)
    assert sum(a.kind is AgencyKind.commune for a in province.agencies) > 200
    assert any(a.services for a in province.agencies)


def test_synth_is_reproducible(tmp_path: Path) -> None:
    for name in ("a.yml", "b.yml"):
        assert run_provcloud("catalogue", "synth", "--agencies", "40", "--out", str(tmp_path / name)).returncode == 0
    assert (tmp_path / "a.yml").read_bytes() == (tmp_path / "b.yml").read_bytes()


def test_synth_into_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = run_provcloud("catalogue", "synth", "--agencies", "5", "--out", str(tmp_path / "no" / "x.yml"))
    assert result.returncode == 1 and "no such folder" in result.stderr and "Traceback" not in result.stderr
