"""`provcloud configure` refuses what it cannot do safely, before running Ansible."""

from pathlib import Path

from conftest import run_provcloud


def test_a_lab_province_is_not_configured_without_its_lab(tmp_path: Path) -> None:
    result = run_provcloud("configure", "demo", env={"PROVCLOUD_LAB_DIR": str(tmp_path / "no-labs")})
    assert result.returncode == 1
    assert "runs only in the lab" in result.stderr and "provcloud lab up demo" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_province_is_named() -> None:
    result = run_provcloud("configure", "atlantis")
    assert result.returncode == 1 and "no province 'atlantis'" in result.stderr
