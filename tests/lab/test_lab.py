"""`lab up` is idempotent, `lab status` tells the truth, and a machine that reboots comes back."""

import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_provcloud
from lab.conftest import Lab
from provcloud.lab.dev_province import write_dev_copy
from provcloud.lab.machine import nspawn_process

pytestmark = pytest.mark.lab


def test_second_up_changes_nothing(demo_lab: Lab) -> None:
    result = run_provcloud("lab", "up", "demo")
    assert result.returncode == 0, result.stderr
    assert "already up: nothing changed" in result.stdout, f"a second `lab up` changed something:\n{result.stdout}"


def test_status_shows_every_machine_running(demo_lab: Lab) -> None:
    result = run_provcloud("lab", "status", "demo")
    assert result.returncode == 0, result.stdout + result.stderr
    for machine in demo_lab.plan.machines:
        row = next(line for line in result.stdout.splitlines() if f" {machine.name} " in line)
        assert str(machine.address.ip) in row and "running" in row and " up " in row, row
    assert "package proxy: running" in result.stdout


def test_a_rebooted_machine_comes_back(demo_lab: Lab) -> None:
    """The start time of the machine's init changes: it really booted again, under the same supervisor."""
    before = demo_lab.ssh("backup-01", "cut -d' ' -f22 /proc/1/stat")
    demo_lab.ssh("backup-01", "sudo systemctl reboot", timeout=30)
    deadline = time.monotonic() + 120
    after = before
    while time.monotonic() < deadline:
        time.sleep(2)
        after = demo_lab.ssh("backup-01", "cut -d' ' -f22 /proc/1/stat")
        if after.returncode == 0 and after.stdout != before.stdout:
            break
    assert after.returncode == 0 and after.stdout != before.stdout, (
        "backup-01 did not come back after `systemctl reboot`"
    )
    status = run_provcloud("lab", "status", "demo")
    assert status.returncode == 0, status.stdout


def test_a_second_province_runs_beside_and_goes_down_alone(demo_lab: Lab, tmp_path: Path) -> None:
    catalogue = write_dev_copy(ROOT / "provinces" / "demo.yml", tmp_path, "labtwo", "ltwo", 56, national_third=247)
    text = catalogue.read_text()
    # One machine is enough to show two labs side by side.
    text = "\n".join(line for line in text.splitlines() if " role: " not in line or "backup-01" in line) + "\n"
    catalogue.write_text(text)
    try:
        up = run_provcloud("lab", "up", str(catalogue))
        assert up.returncode == 0, up.stdout + up.stderr
        both = run_provcloud("lab", "status", "labtwo"), run_provcloud("lab", "status", "demo")
        assert all(status.returncode == 0 for status in both), "both labs must run side by side"
    finally:
        down = run_provcloud("lab", "down", "labtwo")
    assert down.returncode == 0, down.stdout + down.stderr
    demo = run_provcloud("lab", "status", "demo")
    assert demo.returncode == 0, f"taking another lab down disturbed demo:\n{demo.stdout}"
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True, check=True).stdout
    assert f"inet {demo_lab.plan.nft_table}" in tables and "provcloud_lab_labtwo" not in tables


def test_every_machine_has_its_own_cgroup(demo_lab: Lab) -> None:
    """Shared cgroups would let one machine's systemd stop another machine's services."""
    for entry in demo_lab.plan.machines:
        nspawn = nspawn_process("demo", entry.name)
        assert nspawn is not None and nspawn.alive()
        children = Path(f"/proc/{nspawn.pid}/task/{nspawn.pid}/children").read_text().split()
        host_view = Path(f"/proc/{children[0]}/cgroup").read_text()
        assert f"/provcloud-lab/{entry.unit}/payload" in host_view, (
            f"{entry.name} runs in a shared cgroup:\n{host_view}"
        )
