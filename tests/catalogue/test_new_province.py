"""`provcloud new-province` scaffolds files that validate and never overwrites."""

import shutil
from pathlib import Path

from conftest import ROOT, run_provcloud
from provcloud.catalogue import load_province


def project_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "provinces").mkdir()
    return tmp_path


def test_new_province_validates_and_refuses_to_overwrite(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    args = (
        "new-province",
        "thuchanh",
        "--name",
        "Tỉnh Thực hành",
        "--admin-unit-code",
        "97",
        "--org-code",
        "000.00.00.H97",
    )
    first = run_provcloud(*args, "--network", "10.97.0.0/16", cwd=project)
    assert first.returncode == 0, first.stderr
    province = load_province(project / "provinces" / "thuchanh.yml")
    assert (province.name, province.org_code, province.level1_code) == ("Tỉnh Thực hành", "000.00.00.H97", "H97")
    assert all(a.org_code.endswith(".H97") for a in province.agencies)
    before = (project / "provinces" / "thuchanh.yml").read_bytes()
    second = run_provcloud(*args, cwd=project)
    assert second.returncode == 1 and "refusing to overwrite" in second.stderr
    assert (project / "provinces" / "thuchanh.yml").read_bytes() == before


def test_new_province_rejects_bad_codes_clearly(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    result = run_provcloud(
        "new-province", "hue", "--name", "Huế", "--admin-unit-code", "4", "--org-code", "000.00.00.H57", cwd=project
    )
    assert result.returncode == 1 and "--admin-unit-code" in result.stderr
    assert not (project / "provinces" / "thuchanh.yml").exists()
