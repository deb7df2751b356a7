"""The fault tests' power cut (provcloud.lab.cgroup.kill, provcloud.lab.machine.pull_plug), on a
throwaway cgroup: every process in a machine's cgroups is killed, including the ones it started itself,
and nothing outside them; the machine's link goes with it."""

import os
import subprocess
import sys
import uuid
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path

import pytest

from provcloud.lab import cgroup
from provcloud.lab.host import run
from provcloud.lab.machine import host_links, pull_plug
from provcloud.lab.plan import Machine

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


def test_a_power_cut_takes_the_machines_link_with_it() -> None:
    """A killed namespace's kernel keeps answering ARP — for a virtual IP it held too — until the kernel
    tears the namespace down, seconds to minutes later; a machine without power answers nothing."""
    tag = uuid.uuid4().hex[:8]
    unit, link = f"powercut-{tag}", f"pc{tag}"
    machine = Machine(
        name="powercut",
        unit=unit,
        zone="lab",
        address=IPv4Interface("198.18.255.2/30"),
        bridge="none",
        gateway=IPv4Address("198.18.255.1"),
        fqdn="powercut.lab",
    )
    payload = cgroup.machine_cgroups(unit)[0] / "payload"
    payload.mkdir(parents=True)
    held = Path("/run", f"provcloud-{unit}-net")
    # What nspawn leaves: the machine's processes in payload/, in their own network namespace, the
    # other end of their veth on the host.
    inside = subprocess.Popen(
        ["sh", "-c", f"echo $$ > {payload}/cgroup.procs && exec unshare --net sleep 600"],
    )
    try:
        for _ in range(100):
            if (pids := (payload / "cgroup.procs").read_text().split()) and os.readlink(
                f"/proc/{pids[0]}/ns/net"
            ) != os.readlink("/proc/self/ns/net"):
                break
            subprocess.run(["sleep", "0.05"], check=True)
        run("ip", "link", "add", link, "type", "veth", "peer", "name", f"{link}p")
        run("ip", "link", "set", f"{link}p", "netns", pids[0])
        # What outlives the processes on the lab (the kernel's late teardown), held here for the test
        # by a mount of the namespace, so the link can only go if the cut takes it.
        held.touch()
        run("mount", "--bind", f"/proc/{pids[0]}/ns/net", str(held))
        assert host_links(machine) == [link]
        assert pull_plug(machine) == 1
        assert inside.wait(timeout=5) == -9
        assert not Path("/sys/class/net", link).exists(), "the machine's link outlived its power"
    finally:
        inside.kill()
        run("ip", "link", "delete", link, check=False)
        if held.exists():
            run("umount", str(held), check=False)
            held.unlink()
        cgroup.remove(unit)
