"""`provcloud lab up` waits for cloud-init over SSH; cloud-init restarts sshd on its way, so a
refused connection right after the machine first answered is waited out, not reported as a
failure (on a loaded host the window lasted long enough to fail a benchmark's `lab up`)."""

import subprocess
import time

import pytest

from conftest import ROOT
from provcloud.catalogue import load_province
from provcloud.lab import lab, machine
from provcloud.lab.plan import plan_lab

PLAN = plan_lab(load_province(ROOT / "provinces" / "demo.yml"))
ENTRY = PLAN.machine("lgsp-01")
REFUSED = subprocess.CompletedProcess([], 255, "", "ssh: connect to host 198.18.0.10 port 22: Connection refused\n")


def answers(monkeypatch: pytest.MonkeyPatch, *results: subprocess.CompletedProcess[str]) -> list[str]:
    calls: list[str] = []
    queue = list(results)

    def ssh(plan: object, entry: object, command: str, timeout: float) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        return queue.pop(0)

    monkeypatch.setattr(machine, "ssh", ssh)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    return calls


def test_a_refused_connection_while_sshd_restarts_is_waited_out(monkeypatch: pytest.MonkeyPatch) -> None:
    done = subprocess.CompletedProcess([], 0, "status: done\n", "")
    calls = answers(monkeypatch, REFUSED, REFUSED, done)
    assert lab._cloud_init_result(PLAN, ENTRY) is None
    assert len(calls) == 3


def test_a_connection_reset_while_sshd_restarts_is_waited_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a bench's `lab up` of demo-ha's seven machines met: sshd accepted, then was restarted."""
    reset = subprocess.CompletedProcess(
        [], 255, "", "kex_exchange_identification: read: Connection reset by peer\n"
        "Connection reset by 198.18.32.11 port 22\n",
    )  # fmt: skip
    done = subprocess.CompletedProcess([], 0, "status: done\n", "")
    calls = answers(monkeypatch, reset, done)
    assert lab._cloud_init_result(PLAN, ENTRY) is None
    assert len(calls) == 2


def test_cloud_init_errors_are_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    failed = subprocess.CompletedProcess([], 1, "status: error\nerrors: module cc_foo failed\n", "")
    calls = answers(monkeypatch, failed)
    verdict = lab._cloud_init_result(PLAN, ENTRY)
    assert verdict is not None and "lgsp-01 (exit 1" in verdict and "cc_foo" in verdict
    assert len(calls) == 1


def test_a_machine_that_keeps_refusing_is_reported_after_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    answers(monkeypatch, *[REFUSED] * 3)
    clock = iter([0.0, 10.0, lab.CLOUD_INIT_TIMEOUT + 1.0])
    monkeypatch.setattr(time, "monotonic", lambda: next(clock))
    verdict = lab._cloud_init_result(PLAN, ENTRY)
    assert verdict is not None and "Connection refused" in verdict
