"""The demo lab for the tests marked `lab`: brought up and converged once per session, and always
taken down again — after the last test, on failure, on Ctrl-C and on SIGTERM.

Role helpers add their tests beside these and request `demo_lab`; `lab_ssh` runs a command in a
machine as the lab's admin user.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import pytest

from conftest import ROOT, run_provcloud, start_provcloud, stop_group
from provcloud.catalogue import MachineRole, Province, load_province
from provcloud.catalogue.lab_peer import peer_group
from provcloud.lab.host import REQUIRED_COMMANDS
from provcloud.lab.machine import ssh
from provcloud.lab.plan import LabPlan, plan_lab

if TYPE_CHECKING:
    from lab.gateway_calls import Consumer
    from provcloud.docsystem_client import DocsystemState

SLUG = "demo"
SECOND_SLUG = "demo2"
"""The second lab province (issue 12): beside demo, sharing demo's national peer."""
REDUNDANT_SLUG = "demo-ha"
"""The redundant lab province (issue 13): the LGSP pair behind one virtual IP."""
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

    def converge(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_provcloud("configure", self.province.slug, *args, env=env)

    def last_run(self) -> dict[str, dict[str, object]]:
        """Recap of the last `provcloud configure` per host (with `changed_tasks`)."""
        return dict(json.loads((ROOT / ".state" / self.province.slug / "runs" / "last.json").read_text())["hosts"])


def lab_ssh(plan: LabPlan, machine: str, command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return ssh(plan, plan.machine(machine), command, timeout)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


TASK_TIMEOUT = 900
"""Seconds any one Ansible task of the lab tests may take: a task that hangs fails under its own name."""
TASK_TIMED_OUT = re.compile(r"Timed out after \d+ second")
"""How Ansible reports a task stopped by its timeout (this one, or a role's own `timeout:`)."""
SETUP_LOGS = ROOT / ".state" / SLUG / "test-logs"


class StepStalled(Exception):
    """A set-up step ran past its time, or Ansible stopped one of its tasks for taking too long."""


def setup_step(config: pytest.Config, name: str, args: list[str], timeout: float) -> None:
    """Run one `provcloud` step of the lab's set-up into a log file, in its own process group, for at
    most `timeout` seconds. On failure, stall or interruption (a CI limit's SIGTERM) the step's
    process group is stopped and the end of its log is shown, so a stalled run says where it stalled."""
    SETUP_LOGS.mkdir(parents=True, exist_ok=True)
    log = SETUP_LOGS / f"{name.replace(' ', '-')}.log"
    with open(log, "w") as output:
        process = start_provcloud(*args, stdout=output, stderr=subprocess.STDOUT)
    try:
        rc = process.wait(timeout)
    except subprocess.TimeoutExpired:
        stop_group(process)
        raise StepStalled(f"{name} did not finish within {timeout:.0f} s and was stopped:\n{_tail(log)}") from None
    except BaseException:
        stop_group(process)
        _show(config, f"{name} was interrupted; the end of {log}:\n{_tail(log)}")
        raise
    if rc != 0 and TASK_TIMED_OUT.search(log.read_text(errors="replace")):
        raise StepStalled(f"{name} stopped a task that ran past its time:\n{_tail(log)}")
    if rc != 0:
        pytest.fail(f"{name} failed (exit {rc}); the end of {log}:\n{_tail(log)}", pytrace=False)


def converge_once_more_if_stalled(config: pytest.Config, timeout: float, slug: str = SLUG) -> None:
    """The first converge, run again once if it stalled (what an operator does, and what
    test_converge proves safe): a stall is shown in the output as a warning, never hidden."""
    try:
        setup_step(config, f"the first converge of {slug}", ["configure", slug], timeout)
    except StepStalled as stall:
        _show(config, f"WARNING: the first converge of {slug} stalled; converging once more.\n{stall}")
        try:
            setup_step(config, f"the first converge of {slug}, second try", ["configure", slug], timeout)
        except StepStalled as again:
            pytest.fail(f"the first converge of {slug} stalled twice:\n{again}", pytrace=False)


def _tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _show(config: pytest.Config, text: str) -> None:
    """Print past pytest's output capture: on an interrupted run nothing captured is shown, and a
    warning of the set-up belongs in the run's log even when every test passes."""
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n{text}", file=sys.stderr, flush=True)


@contextmanager
def lab_session(config: pytest.Config, slug: str, then: list[str] | None = None) -> Iterator[Lab]:
    """A province's lab up and converged (then `provcloud <then>`, if given), and always down again."""
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # a CI timeout still takes the lab down
    catalogue = ROOT / "provinces" / f"{slug}.yml"
    province = load_province(catalogue)
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("ANSIBLE_TASK_TIMEOUT", str(TASK_TIMEOUT))  # every converge of the lab tests
            try:
                setup_step(config, f"lab up {slug}", ["lab", "up", slug], timeout=1200)
            except StepStalled as stall:
                pytest.fail(str(stall), pytrace=False)
            converge_once_more_if_stalled(config, timeout=1800, slug=slug)
            if then:
                try:
                    setup_step(config, " ".join(then[:2]), then, timeout=900)
                except StepStalled as stall:
                    pytest.fail(str(stall), pytrace=False)
            yield Lab(province=province, plan=plan_lab(province, peer_group(province, catalogue)))
    finally:
        down = run_provcloud("lab", "down", slug)
        signal.signal(signal.SIGTERM, previous)
        assert down.returncode == 0, f"`provcloud lab down {slug}` failed:\n{down.stdout}\n{down.stderr}"


@pytest.fixture(scope="session")
def demo_lab(pytestconfig: pytest.Config) -> Iterator[Lab]:
    with lab_session(pytestconfig, SLUG) as lab:
        yield lab


@pytest.fixture(scope="session")
def second_lab(pytestconfig: pytest.Config, demo_lab: Lab) -> Iterator[Lab]:
    """demo2 beside demo, through demo's national peer. demo's node and peer learn demo2's CA (made by
    demo2's first converge) when their exchange is converged again: the step an ops team takes
    when a province joins (docs/document-axis.md)."""
    again = ["configure", SLUG, "--limit", "lgsp_nodes:national_peer", "--tags", "exchange"]
    with lab_session(pytestconfig, SECOND_SLUG, then=again) as lab:
        yield lab


@pytest.fixture(scope="session")
def redundant_lab(pytestconfig: pytest.Config) -> Iterator[Lab]:
    """demo-ha: the LGSP pair and its national peer, for the fault tests (their own lab: a fault
    test must not disturb the others)."""
    with lab_session(pytestconfig, REDUNDANT_SLUG) as lab:
        yield lab


def machine(lab: Lab, role: MachineRole) -> str:
    """The first machine of `role` in the lab's catalogue."""
    return lab.province.machines_with_role(role)[0].name


def take_backup(lab: Lab) -> dict[str, object]:
    """One backup by the backup machine's own unit, then its status (provcloud-backup-status)."""
    taken = lab.ssh(
        machine(lab, MachineRole.backup),
        "sudo systemctl start provcloud-backup.service && sudo provcloud-backup-status",
        timeout=600,
    )
    assert taken.returncode == 0, taken.stderr
    status: dict[str, object] = json.loads(taken.stdout)
    return status


def show(config: pytest.Config, text: str) -> None:
    """A measured figure in the run's log, past pytest's output capture."""
    _show(config, text)


@pytest.fixture(scope="module")
def tenants(demo_lab: Lab) -> Iterator[dict[str, "Consumer"]]:
    """Each consuming agency's gateway credentials and a source address in its tenant's egress."""
    from lab.gateway_calls import tenant_addresses  # it imports this module

    with tenant_addresses(demo_lab) as found:
        yield found


def docsystem_of(lab: Lab) -> "DocsystemState":
    from provcloud.controller_state import state_dir
    from provcloud.docsystem_client import docsystem_state

    return docsystem_state(state_dir(lab.province.slug))


@pytest.fixture(scope="module")
def docsystem(demo_lab: Lab) -> "DocsystemState":
    """Where each agency's objects are in the document system, and its tokens (the docsystem role's record)."""
    return docsystem_of(demo_lab)
