"""`lab up` is idempotent, `lab status` tells the truth, and a machine that reboots comes back."""

import time

import pytest

from conftest import run_provcloud
from lab.conftest import Lab

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
