"""Catalogues from the official register: checked against the `vietnam-provinces` package itself,
never against copies of the catalogues; bad register input is a located error."""

import shutil
from pathlib import Path

import pytest
from vietnam_provinces import Province as RegisterProvince
from vietnam_provinces import Ward

from conftest import ROOT, run_provcloud
from plan_helpers import project_copy
from provcloud.catalogue import load_province
from provcloud.catalogue.checks import COMMUNE_LEVEL
from provcloud.project import catalogue_files

# A sample across the country: the three the domain notes name, the capital, and the smallest.
SAMPLE = {"48": "danang", "79": "hochiminh", "46": "hue", "01": "hanoi", "12": "laichau"}


def register_units(code: str) -> dict[str, str]:
    return {f"{int(w.code):05d}": w.name for w in Ward.iter_all() if int(w.province_code) == int(code)}


@pytest.mark.parametrize(("code", "slug"), sorted(SAMPLE.items()))
def test_catalogue_has_every_unit_of_the_register(code: str, slug: str) -> None:
    province = load_province(ROOT / "provinces" / f"{slug}.yml")
    official = next(p for p in RegisterProvince.iter_all() if int(p.code) == int(code))
    assert (province.admin_unit_code, province.name) == (code, official.name)
    units = {a.admin_unit_code: a.name for a in province.agencies if a.kind in COMMUNE_LEVEL}
    assert units == register_units(code), f"{slug}: communes and wards differ from the register"


def test_every_province_of_the_register_has_a_catalogue() -> None:
    codes = {load_province(f).admin_unit_code for f in catalogue_files(ROOT / "provinces")}
    missing = {f"{int(p.code):02d}" for p in RegisterProvince.iter_all()} - codes
    assert not missing, f"provinces of the register without a catalogue: {sorted(missing)}"


def test_wards_are_kind_ward_and_the_rest_commune() -> None:
    province = load_province(ROOT / "provinces" / "hue.yml")
    kinds = {a.name.split()[0] for a in province.agencies if a.kind == "ward"}
    assert kinds == {"Phường"}
    assert sum(a.kind in COMMUNE_LEVEL for a in province.agencies) == 40


def test_generated_catalogues_are_what_the_register_gives() -> None:
    result = run_provcloud("register", "generate", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_from_register_writes_a_province_that_validates(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    for file in [root / "provinces" / "hue.yml", root / "stacks" / "platform" / "Pulumi.hue.yaml"]:
        file.unlink()
    shutil.rmtree(root / "inventories" / "hue")
    result = run_provcloud("new-province", "--from-register", "46", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (root / "provinces" / "hue.yml").read_bytes() == (ROOT / "provinces" / "hue.yml").read_bytes()


def test_a_province_code_not_in_the_register_is_refused(tmp_path: Path) -> None:
    result = run_provcloud("new-province", "--from-register", "47", cwd=project_copy(tmp_path))
    assert result.returncode == 1
    assert "province code '47' is not in the register" in result.stderr and "Traceback" not in result.stderr


def test_a_ward_code_the_register_does_not_have_is_located(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    file = root / "provinces" / "hue.yml"
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if '"19768"' in line)
    lines[number] = lines[number].replace('"19768"', '"20242"')  # Đà Nẵng's Hải Châu, not Huế's
    file.write_text("".join(lines), encoding="utf-8")
    result = run_provcloud("validate", "hue", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"provinces/hue.yml:{number + 1}:" in result.stderr
    assert "20242 is not a unit of province 46" in result.stderr and "Phường Hải Châu of province 48" in result.stderr


def test_sync_rewrites_only_register_lines_and_reports_each_change(tmp_path: Path) -> None:
    """A simulated register release: a ward renamed, two merged into one, one added."""
    import json

    from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

    root = project_copy(tmp_path)
    rows = json.loads(Path(NESTED_DIVISIONS_JSON_PATH).read_text(encoding="utf-8"))
    hue = next(row for row in rows if row["code"] == 46)
    by_code = {f"{w['code']:05d}": w for w in hue["wards"]}
    by_code["19768"]["name"] = "Phường Phú Xuân Mới"  # renamed
    merged_away = by_code.pop("19786")  # merged into the next one: its code is closed
    hue["wards"] = [*by_code.values(), {"code": 99999, "name": "Xã Thử Nghiệm", "division_type": "xã"}]
    register = tmp_path / "nested-divisions.json"
    register.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    file = root / "provinces" / "hue.yml"
    before = file.read_text(encoding="utf-8").splitlines()

    result = run_provcloud("register", "sync", "hue", "--register", str(register), cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    after = file.read_text(encoding="utf-8").splitlines()
    assert "19768 renamed: Phường Phú Xuân → Phường Phú Xuân Mới" in result.stdout
    assert f"removed 19786 {merged_away['name']} (no longer in the register)" in result.stdout
    assert "added 99999 Xã Thử Nghiệm" in result.stdout
    # What a reviewer expects: one name changed, the merged unit's block gone, the new one at the end.
    first = before.index(f"  - name: {merged_away['name']}   # register")
    expected = [line.replace("Phường Phú Xuân ", "Phường Phú Xuân Mới ") for line in before]
    del expected[first : first + 6]
    expected += [
        "  - name: Xã Thử Nghiệm   # register",
        "    slug: xa-thu-nghiem",
        "    org_code: 000.00.41.H57   # illustrative",
        "    kind: commune   # register",
        '    admin_unit_code: "99999"   # register: official code',
        "    tier: small",
    ]
    assert after == expected
    assert run_provcloud("validate", "hue", cwd=root, env={"PROVCLOUD_REGISTER": str(register)}).returncode == 0
    again = run_provcloud("register", "sync", "hue", "--register", str(register), "--check", cwd=root)
    assert again.returncode == 0 and "matches the register" in again.stdout
