"""`provcloud configure` and `provcloud restore` refuse what they cannot do safely, before running Ansible."""

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


def test_a_restore_needs_a_backup_name_of_the_backup_role() -> None:
    result = run_provcloud("restore", "demo", "--backup", "../../etc", "--yes")
    assert result.returncode == 1
    assert "like 20261123T013000Z" in result.stderr and "Traceback" not in result.stderr


def test_a_restore_is_not_started_unconfirmed() -> None:
    result = run_provcloud("restore", "demo")  # stdin is not a terminal here: nobody to ask
    assert result.returncode == 1 and "confirm with --yes" in result.stderr


def test_a_restore_of_a_lab_province_needs_its_lab(tmp_path: Path) -> None:
    result = run_provcloud("restore", "demo", "--yes", env={"PROVCLOUD_LAB_DIR": str(tmp_path / "no-labs")})
    assert result.returncode == 1 and "provcloud lab up demo" in result.stderr


def test_a_converge_with_a_machine_down_says_which_host_it_could_not_reach_and_which_finished() -> None:
    from provcloud.ansible.converge import ConvergeResult, HostRecap
    from provcloud.commands.configure import failure_summary

    hosts = {"lgsp-01": HostRecap(ok=40), "lgsp-02": HostRecap(ok=1, dark=1), "ndxp-peer": HostRecap(ok=30, failures=1)}
    result = ConvergeResult(status="failed", rc=4, hosts=hosts, check=False)
    assert failure_summary(result) == "failed on ndxp-peer; could not reach lgsp-02; finished on lgsp-01"
    assert failure_summary(ConvergeResult(status="failed", rc=2, hosts={}, check=False)) == "failed"
