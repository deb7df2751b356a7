"""What the database fault test and the failover bench do to the replicated document database in the
lab: who leads it (Patroni's own view), and a steady stream of committed writes by the document
system itself — its own settings, driver and address for the database — to count what a failover
costs and to check that no write it was told was committed is lost.

The writer runs on the application machine as the document system (`docsystem-manage shell`): each
row is one INSERT committed on its own; a line `ok N T` means the commit returned, `failed N T` that
it raised. T is CLOCK_MONOTONIC there, which is this host's (the lab's machines share its kernel).
"""

import json
import shlex
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import ClassVar

from provcloud.ansible.database_ha_inputs import DEBIAN_CLUSTER
from provcloud.catalogue import MachineRole, Province
from provcloud.lab.failover import SETTLE
from provcloud.lab.machine import pull_plug, ssh, ssh_argv, ssh_ready
from provcloud.lab.plan import LabPlan
from provcloud.lab.request_stream import Outage, Sample, Samples

PATRONICTL = f"sudo patronictl -c /etc/patroni/{DEBIAN_CLUSTER}.yml"
"""Patroni's own view, through the file the patroni role names after the cluster."""
PROBE_TABLE = "provcloud_failover_probe"
"""The writer's table in the document system's database (the fault test drops it afterwards)."""
WRITER = f"""
import time
from django.db import connection
from django.db.utils import Error
# A commit to a primary that lost its power would otherwise wait for TCP's own timeout (minutes).
connection.settings_dict["OPTIONS"]["tcp_user_timeout"] = 2000
end = time.monotonic() + DURATION
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS {PROBE_TABLE} (id bigint PRIMARY KEY, at timestamptz DEFAULT now())")
    cursor.execute("SELECT coalesce(max(id), 0) FROM {PROBE_TABLE}")
    row = cursor.fetchone()[0]
while time.monotonic() < end:
    row += 1
    sent = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO {PROBE_TABLE} (id) VALUES (%s)", [row])
        print(f"ok {{row}} {{sent:.3f}}", flush=True)
    except Error as error:
        connection.close()
        print(f"failed {{row}} {{sent:.3f}} {{type(error).__name__}}", flush=True)
    time.sleep(max(0.0, sent + INTERVAL - time.monotonic()))
"""
READER = f"""
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT id FROM {PROBE_TABLE} ORDER BY id")
    print("rows:", *(row[0] for row in cursor.fetchall()))
"""
DROP = f"""
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("DROP TABLE IF EXISTS {PROBE_TABLE}")
"""


def members(plan: LabPlan, province: Province) -> dict[str, dict[str, object]]:
    """Patroni's members as the first reachable database machine sees them: {machine: patronictl's row}."""
    for machine in province.machines_with_role(MachineRole.docsystem_db):
        entry = plan.machine(machine.name)
        if not ssh_ready(entry):
            continue
        shown = ssh(plan, entry, f"{PATRONICTL} list --format json", timeout=20)
        if shown.returncode == 0:
            return {str(row["Member"]).split(".")[0]: row for row in json.loads(shown.stdout)}
    return {}


def leader(plan: LabPlan, province: Province, timeout: float = 60.0) -> str:
    """The machine Patroni names the leader, once it runs; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        found = [name for name, row in members(plan, province).items()
                 if row.get("Role") == "Leader" and row.get("State") == "running"]  # fmt: skip
        if len(found) == 1:
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"the database has no running leader: {members(plan, province)}")
        time.sleep(1)


def wait_standby(
    plan: LabPlan, province: Province, machine: str, synchronous: bool = True, timeout: float = 180.0
) -> dict[str, object]:
    """The machine's row once it is a running standby with no lag — the synchronous one when the
    cluster replicates synchronously: until the primary names it so, Patroni would not promote it
    (it might miss commits), so a second power cut before then would leave no primary at all."""
    wanted = "Sync Standby" if synchronous else "Replica"
    deadline = time.monotonic() + timeout
    row: dict[str, object] = {}
    while time.monotonic() < deadline:
        row = members(plan, province).get(machine, {})
        if row.get("Role") == wanted and row.get("State") in ("running", "streaming") and row.get("Lag in MB") == 0:
            return row
        time.sleep(2)
    raise AssertionError(f"{machine} did not rejoin as a {wanted} within {timeout:.0f} s: {row}")


def set_synchronous(plan: LabPlan, province: Province, on: bool) -> None:
    """Turn Patroni's synchronous_mode on or off in the store (the bench's comparison; the patroni
    role sets the security level's value back at the next converge), and wait until the standby
    shows it."""
    primary = leader(plan, province)
    value = "true" if on else "false"
    shown = ssh(plan, plan.machine(primary), f"{PATRONICTL} edit-config --force --set synchronous_mode={value}")
    if shown.returncode != 0:
        raise AssertionError(f"patronictl edit-config failed on {primary}: {shown.stderr[-2000:]}")
    wanted = "Sync Standby" if on else "Replica"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if wanted in [row.get("Role") for row in members(plan, province).values()]:
            return
        time.sleep(1)
    raise AssertionError(f"the standby is not a {wanted} 60 s after synchronous_mode={value}")


def run_as_application(plan: LabPlan, application: str, code: str, timeout: float = 60) -> str:
    shown = ssh(plan, plan.machine(application), f"sudo docsystem-manage shell -c {shlex.quote(code)}", timeout)
    if shown.returncode != 0:
        raise AssertionError(f"the document system on {application} could not run it: {shown.stderr[-2000:]}")
    return shown.stdout


def committed_rows(plan: LabPlan, application: str) -> set[int]:
    """The writer's rows in the database, as the document system reads them (Django's shell may say
    more on its output: the rows are the line READER marks)."""
    output = run_as_application(plan, application, READER)
    (line,) = [line for line in output.splitlines() if line.startswith("rows:")]
    return {int(row) for row in line.split()[1:]}


def drop_probe(plan: LabPlan, application: str) -> None:
    run_as_application(plan, application, DROP)


WRITER_STARTS = 2
"""How often the writer is started before its stream counts as broken: once more after a start that
died before its first write (the document system's own start-up queries the database), shown as a
warning with Patroni's log — a second such start is a failure."""
WRITER_START_TIMEOUT = 120.0
"""Seconds the document system may take to start and write its first row (it loads every app)."""


PATRONI_LEVELS = ("INFO", "WARNING", "ERROR", "CRITICAL")


def patroni_lines(
    plan: LabPlan, province: Province, since: float, levels: tuple[str, ...] = PATRONI_LEVELS
) -> dict[str, list[str]]:
    """Patroni's own lines of these levels (not PostgreSQL's, and not its routine "no action") on
    every reachable database machine since `since` (time.time() of this host; the machines share its
    clock): {machine: the last 30}."""
    found: dict[str, list[str]] = {}
    # Patroni's lines carry milliseconds after a comma; PostgreSQL's, which it passes on, do not.
    pattern = shlex.quote(f",[0-9]{{3}} ({'|'.join(levels)}): ")
    for machine in province.machines_with_role(MachineRole.docsystem_db):
        entry = plan.machine(machine.name)
        if not ssh_ready(entry):
            found[machine.name] = ["(not reachable)"]
            continue
        command = (
            f"sudo journalctl -u patroni@{DEBIAN_CLUSTER} --since @{max(0, int(since) - 1)} -o cat --no-pager"
            f" | grep -E {pattern} | grep -v 'no action' | tail -n 30"
        )
        found[machine.name] = ssh(plan, entry, command, timeout=20).stdout.splitlines()
    return found


def patroni_log(plan: LabPlan, province: Province, since: float) -> str:
    return "\n".join(
        f"{machine}:\n" + ("\n".join(lines) or "(nothing)")
        for machine, lines in patroni_lines(plan, province, since).items()
    )


@dataclass
class WriteStream(Samples):
    """The document system writing a row every `interval` seconds for `duration` seconds; a writer
    whose start died before its first write (`start_failures`) is started once more."""

    noun: ClassVar[str] = "writes"
    plan: LabPlan
    province: Province
    application: str
    duration: float
    interval: float = 0.1
    samples: list[Sample] = field(default_factory=list)
    acknowledged: list[int] = field(default_factory=list)
    start_failures: list[str] = field(default_factory=list)
    _process: subprocess.Popen[str] | None = None
    _errors: "tempfile._TemporaryFileWrapper[str] | None" = None
    _reader: threading.Thread | None = None

    def __enter__(self) -> "WriteStream":
        for _ in range(WRITER_STARTS):
            started = time.time()
            self._start()
            if self._first_line(WRITER_START_TIMEOUT):
                return self
            errors = self._stop()
            self.start_failures.append(
                f"the writer on {self.application} died before its first write (exit "
                f"{self._process.returncode if self._process else '?'}): {errors[-1500:]}\n"
                f"Patroni since then:\n{patroni_log(self.plan, self.province, started)}"
            )
        raise AssertionError("\n\n".join(self.start_failures))

    def _start(self) -> None:
        code = WRITER.replace("DURATION", repr(self.duration)).replace("INTERVAL", repr(self.interval))
        command = f"sudo docsystem-manage shell -c {shlex.quote(code)}"
        # Closed by _stop, at the stream's end or a failed start.
        self._errors = tempfile.NamedTemporaryFile("w+", prefix="provcloud-writer-", suffix=".log")  # noqa: SIM115
        self._process = subprocess.Popen(
            ssh_argv(self.plan, self.plan.machine(self.application), command),
            stdout=subprocess.PIPE, stderr=self._errors, text=True,
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read, name="write-stream", daemon=True)
        self._reader.start()

    def _first_line(self, timeout: float) -> bool:
        """Whether the writer wrote (or failed to write) its first row before it ended or `timeout`."""
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while not self.samples and self._process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        return bool(self.samples)

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            words = line.split()
            if len(words) >= 3 and words[0] in ("ok", "failed"):
                row, at = int(words[1]), float(words[2])
                self.samples.append(Sample(at, words[0] == "ok", " ".join(words[3:])))
                if words[0] == "ok":
                    self.acknowledged.append(row)

    def _stop(self, timeout: float = 0.0) -> str:
        """Wait up to `timeout` for the writer to end (then kill it): its error output."""
        assert self._process is not None and self._reader is not None and self._errors is not None
        try:
            self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join()
        self._errors.seek(0)
        errors = self._errors.read()
        self._errors.close()
        return errors

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        errors = self._stop(timeout=self.duration + 60)
        assert self._process is not None
        if kind is None and self._process.returncode != 0:
            raise AssertionError(
                f"the writer on {self.application} stopped (exit {self._process.returncode}): {errors[-2000:]}"
            )


@dataclass(frozen=True)
class Failover:
    """What losing the primary under the writer cost."""

    primary: str
    """The machine lost."""
    moved: bool
    """Whether a write was committed again in time."""
    outage: Outage
    acknowledged: list[int]
    """The rows the writer was told were committed."""
    start_failures: list[str]
    """Writer starts that died before their first write (a warning to show)."""


def power_cut(plan: LabPlan, machine: str) -> None:
    """Every process of the machine killed at once, its links deleted (machine.pull_plug): Patroni's
    leader key stays in etcd until its ttl runs out."""
    if pull_plug(plan.machine(machine)) == 0:
        raise AssertionError(f"the power cut of {machine} found no process to kill")


def shutdown(plan: LabPlan, machine: str) -> None:
    """The machine shut down as an operator does (`systemctl poweroff`): Patroni, stopped in order,
    stops PostgreSQL and gives the leader key up, and the standby need not wait for the ttl."""
    ssh(plan, plan.machine(machine), "sudo systemctl poweroff", timeout=30)  # its answer may be lost


FAULTS: dict[str, Callable[[LabPlan, str], None]] = {"power cut": power_cut, "shutdown": shutdown}
GRACE = 10.0
"""Seconds past `within` that lose_the_primary waits for a write to be committed again."""


def lose_the_primary(
    plan: LabPlan, province: Province, application: str, within: float, fault: str = "power cut"
) -> Failover:
    """`fault` (a name of FAULTS) done to Patroni's leader while the document system writes (the fault
    test's and the bench's): whether a write was committed again within `within` + GRACE s of it."""
    primary = leader(plan, province)
    with WriteStream(plan, province, application, duration=3 * SETTLE + within + GRACE) as writes:
        time.sleep(SETTLE)
        broken = time.monotonic()
        FAULTS[fault](plan, primary)
        moved = writes.wait_answered(broken + 0.5, timeout=within + GRACE)
    return Failover(primary, moved, writes.outage(since=broken - 1), writes.acknowledged, writes.start_failures)
