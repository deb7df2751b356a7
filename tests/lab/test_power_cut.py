"""The fault tests' power cut (provcloud.lab.cgroup.kill), on a throwaway cgroup: every process in a
machine's cgroups is killed, including the ones it started itself, and nothing outside them."""

import subprocess
import sys
import uuid

import pytest

from provcloud.lab import cgroup

pytestmark = pytest.mark.lab

CHILDREN = "import subprocess, time; subprocess.Popen(['sleep', '600']); time.sleep(600)"


def test_a_power_cut_kills_every_process_of_the_machine_and_only_those() -> None:
    unit = f"powercut-{uuid.uuid4().hex[:8]}"
    outside = subprocess.Popen(["sleep", "600"])
    inside = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from provcloud.lab import cgroup; cgroup.enter({unit!r}); import os; os.execvp("
            f"{sys.executable!r}, [{sys.executable!r}, '-c', {CHILDREN!r}])",
        ]
    )
    try:
        procs = cgroup.machine_cgroups(unit)[0] / "cgroup.procs"
        for _ in range(100):  # the process and the sleep it starts, both in the machine's cgroup
            if procs.exists() and len(procs.read_text().split()) == 2:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert cgroup.kill(unit) == 2
        assert inside.wait(timeout=5) == -9
        assert outside.poll() is None, "a process outside the machine's cgroups was killed"
        assert not procs.read_text().split()
    finally:
        outside.kill()
        inside.kill()
        cgroup.remove(unit)
    assert not any(folder.exists() for folder in cgroup.machine_cgroups(unit))
