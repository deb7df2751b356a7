"""Converging the demo province: idempotent, check-mode clean, and robust to a converge killed halfway.

The tests build on each other in file order: the converge that finishes a killed one is followed by
the second converge, which must change nothing."""

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ROOT, start_provcloud
from lab.conftest import Lab
from provcloud.lab.paths import known_hosts

pytestmark = pytest.mark.lab


KILL_AFTER_EVENTS = 40
"""Ansible events of the run before it is killed: past fact gathering, in the middle of the role."""
ARTIFACTS = ROOT / ".state" / "demo" / "runner" / "artifacts"


def events_since(started: float) -> int:
    runs = [run for run in ARTIFACTS.glob("*") if run.stat().st_mtime >= started]
    return max((len(list((run / "job_events").glob("*.json"))) for run in runs), default=0)


def playbook_processes() -> list[int]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "ansible-playbook" in cmdline and str(ROOT / "playbooks") in cmdline:
            found.append(int(proc.name))
    return found


def wait_until_gone(processes: Callable[[], list[int]], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while processes():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def changed_tasks(lab: Lab) -> dict[str, object]:
    return {host: recap["changed_tasks"] for host, recap in lab.last_run().items() if recap["changed_tasks"]}


def test_a_converge_killed_halfway_is_finished_by_the_next(demo_lab: Lab) -> None:
    # Undo part of the baseline on one machine so the converge has real work to do when it is killed.
    demo_lab.ssh("lgsp-01", "sudo rm /etc/nftables.conf /etc/systemd/journald.conf.d/50-provcloud.conf")
    log = ROOT / ".state" / "demo" / "killed-converge.log"
    with open(log, "w") as output:
        process = start_provcloud("configure", "demo", stdout=output, stderr=subprocess.STDOUT)
    started = time.time()
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and events_since(started) < KILL_AFTER_EVENTS:
            assert process.poll() is None, f"configure ended before it could be killed:\n{log.read_text()[-3000:]}"
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert "converged" not in log.read_text(), "the converge finished before it was killed"
    assert wait_until_gone(playbook_processes), (
        f"ansible-playbook still runs after its runner was killed: {playbook_processes()}"
    )
    finished = demo_lab.converge()
    assert finished.returncode == 0, f"the converge after the killed one failed:\n{finished.stdout[-4000:]}"
    assert "lgsp-01" in changed_tasks(demo_lab), "the converge after the killed one did not restore lgsp-01"
    # That nothing is left to change is the next test's converge.


def test_second_converge_changes_nothing(demo_lab: Lab) -> None:
    """Also after the killed converge and the one that finished it: nothing is left to change."""
    result = demo_lab.converge()
    assert result.returncode == 0, result.stdout[-4000:]
    # Its output is a pipe, not a terminal: a timestamped line per task, as a CI log needs.
    assert re.search(r"^\[\s*\d+ s\] common : ", result.stdout, re.MULTILINE), result.stdout[:2000]
    assert changed_tasks(demo_lab) == {}, f"not idempotent, these tasks changed: {changed_tasks(demo_lab)}"
    assert set(demo_lab.last_run()) == {m.name for m in demo_lab.plan.machines}


def test_check_mode_after_a_converge_changes_nothing(demo_lab: Lab) -> None:
    result = demo_lab.converge("--check")
    assert result.returncode == 0, result.stdout[-4000:]
    assert changed_tasks(demo_lab) == {}, f"--check would change: {changed_tasks(demo_lab)}"


def test_a_failing_host_fails_the_command(demo_lab: Lab) -> None:
    demo_lab.ssh("backup-01", "sudo chmod -x /usr/sbin/sshd")
    try:
        failed = demo_lab.converge("--limit", "backup-01", "--tags", "common_02_sshd")
    finally:
        demo_lab.ssh("backup-01", "sudo chmod 755 /usr/sbin/sshd")
    assert failed.returncode != 0, "configure succeeded although a task failed on backup-01"
    assert "backup-01" in failed.stdout and "failed" in failed.stdout
    assert demo_lab.last_run()["backup-01"]["failures"] == 1


def test_a_machine_whose_host_key_changed_is_refused(demo_lab: Lab, tmp_path: Path) -> None:
    # lgsp-01's known key replaced by backup-01's: to Ansible, lgsp-01 now answers with a wrong key.
    file = known_hosts("demo")
    original = file.read_text()
    keys = {line.split(",", 1)[0]: line.split(" ", 1)[1] for line in original.splitlines()}
    lgsp, backup = (str(demo_lab.plan.machine(name).address.ip) for name in ("lgsp-01", "backup-01"))
    file.write_text(original.replace(keys[lgsp], keys[backup], 1))
    try:
        # A fresh control path directory: no SSH connection kept open by an earlier converge is reused.
        refused = demo_lab.converge(
            "--limit", "lgsp-01", "--tags", "common_02_sshd", env={"ANSIBLE_SSH_CONTROL_PATH_DIR": str(tmp_path)}
        )
    finally:
        file.write_text(original)
    assert refused.returncode != 0, f"configure accepted a machine with the wrong host key:\n{refused.stdout[-3000:]}"
    assert demo_lab.last_run()["lgsp-01"]["dark"] == 1, refused.stdout[-3000:]
    assert "unreachable" in refused.stdout
