"""The database fault test's writer (provcloud.lab.database_failover.WriteStream, no root): a start
that dies before its first write is shown and tried once more; two such starts are a failure that
says what the writer and Patroni said. The writer here is a local command in place of the
document system's shell on the application machine."""

import shlex
import sys

import pytest

from conftest import ROOT
from provcloud.catalogue import load_province
from provcloud.catalogue.lab_peer import peer_group
from provcloud.lab import database_failover
from provcloud.lab.plan import plan_lab

CATALOGUE = ROOT / "provinces" / "demo-ha.yml"
PROVINCE = load_province(CATALOGUE)
PLAN = plan_lab(PROVINCE, peer_group(PROVINCE, CATALOGUE))
DIED = "django.db.utils.OperationalError: SSL SYSCALL error: EOF detected"
WRITES = "import time\nfor row in (1, 2):\n    print(f'ok {row} {time.monotonic():.3f}', flush=True)"


def writers(monkeypatch: pytest.MonkeyPatch, *died: bool) -> list[str]:
    """Each start of the writer runs the next command: one that dies with the document system's
    error, or one that commits two rows. Patroni's log is a marker. Returns the machines asked."""
    commands = iter(
        ["sh", "-c", f"echo {shlex.quote(DIED)} >&2; exit 1"] if dies else [sys.executable, "-c", WRITES]
        for dies in died
    )
    asked: list[str] = []

    def argv(plan: object, machine: object, command: str) -> list[str]:
        asked.append(command)
        return next(commands)

    monkeypatch.setattr(database_failover, "ssh_argv", argv)
    monkeypatch.setattr(database_failover, "patroni_log", lambda plan, province, since: "PATRONI-LOG")
    return asked


def stream() -> database_failover.WriteStream:
    return database_failover.WriteStream(PLAN, PROVINCE, "docsys-app-01", duration=1.0)


def test_a_start_that_dies_before_its_first_write_is_shown_and_tried_once_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = writers(monkeypatch, True, False)
    with stream() as writes:
        pass
    assert writes.acknowledged == [1, 2]
    assert str(writes.outage()) == "0 of 2 writes failed, for 0.0 s"
    assert len(asked) == 2 and all("docsystem-manage shell" in command for command in asked)
    (failure,) = writes.start_failures
    assert DIED in failure and "PATRONI-LOG" in failure and "docsys-app-01" in failure


def test_two_starts_that_die_fail_with_what_the_writer_and_patroni_said(monkeypatch: pytest.MonkeyPatch) -> None:
    writers(monkeypatch, True, True)
    with pytest.raises(AssertionError) as failed, stream():
        pytest.fail("the stream must not start")
    assert str(failed.value).count(DIED) == 2 and "PATRONI-LOG" in str(failed.value)
