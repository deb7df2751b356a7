"""The demo lab for the tests marked `lab`: brought up and converged once per session, and always
taken down again — after the last test, on failure, on Ctrl-C and on SIGTERM.

Role helpers add their tests beside these and request `demo_lab`; `lab_ssh` runs a command in a
machine as the lab's admin user.
"""

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType

import pytest

from conftest import ROOT, run_provcloud
from provcloud.catalogue import Province, load_province
from provcloud.lab.host import REQUIRED_COMMANDS
from provcloud.lab.paths import known_hosts, ssh_key
from provcloud.lab.plan import ADMIN_USER, LabPlan, plan_lab

SLUG = "demo"
LAST_TESTS = ("test_down.py",)
"""Modules that take the lab down themselves: they run after every other lab test."""


def lab_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "lab tests need root (they create bridges, an nftables table and systemd-nspawn machines)"
    missing = [
        f"{command} ({package})" for command, package in REQUIRED_COMMANDS.items() if shutil.which(command) is None
    ]
    if missing:
        return f"lab tests need {', '.join(missing)}: run `make system-packages` as root"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = lab_unavailable()
    for item in items:
        if reason and "lab" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))
    items.sort(key=lambda item: item.path.name in LAST_TESTS)


@dataclass(frozen=True)
class Lab:
    province: Province
    plan: LabPlan

    def ssh(self, machine: str, command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return lab_ssh(self.plan, machine, command, timeout)

    def converge(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_provcloud("configure", SLUG, *args)

    def last_run(self) -> dict[str, dict[str, object]]:
        """Recap of the last `provcloud configure` per host (with `changed_tasks`)."""
        return dict(json.loads((ROOT / ".state" / SLUG / "runs" / "last.json").read_text())["hosts"])


def lab_ssh(plan: LabPlan, machine: str, command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    address = str(plan.machine(machine).address.ip)
    return subprocess.run(
        [
            "ssh",
            "-i",
            str(ssh_key(plan.slug)),
            "-o",
            f"UserKnownHostsFile={known_hosts(plan.slug)}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=10",
            f"{ADMIN_USER}@{address}",
            command,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def demo_lab() -> Iterator[Lab]:
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # a CI timeout still takes the lab down
    province = load_province(ROOT / "provinces" / f"{SLUG}.yml")
    try:
        up = run_provcloud("lab", "up", SLUG)
        assert up.returncode == 0, f"`provcloud lab up demo` failed:\n{up.stdout}\n{up.stderr}"
        converge = run_provcloud("configure", SLUG)
        assert converge.returncode == 0, (
            f"the first converge of demo failed:\n{converge.stdout[-6000:]}\n{converge.stderr}"
        )
        yield Lab(province=province, plan=plan_lab(province))
    finally:
        down = run_provcloud("lab", "down", SLUG)
        signal.signal(signal.SIGTERM, previous)
        assert down.returncode == 0, f"`provcloud lab down demo` failed:\n{down.stdout}\n{down.stderr}"
