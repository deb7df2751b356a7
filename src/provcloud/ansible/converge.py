"""Converge a province: `playbooks/site.yml` against its inventory through ansible-runner.

Every event goes to an `Observer` (the command shows progress with rich); the result holds the
recap per host and the tasks that changed on each, and is also written to
`<controller state>/runs/last.json` for tools and tests.
"""

import fcntl
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import ansible_mitogen
import ansible_runner

from provcloud.errors import UserError

DEFAULT_STRATEGY = "linear"
"""Plain Ansible. `PROVCLOUD_ANSIBLE_STRATEGY=mitogen_linear` runs the same through Mitogen (one
Python per machine for the whole run: about twice as fast here); opt-in (docs/lab.md)."""
RECAP_FIELDS = ("ok", "changed", "failures", "dark", "skipped", "rescued", "ignored")


@dataclass
class HostRecap:
    ok: int = 0
    changed: int = 0
    failures: int = 0
    dark: int = 0
    """Unreachable."""
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0
    changed_tasks: list[str] = field(default_factory=list)
    failed_tasks: list[str] = field(default_factory=list)


@dataclass
class ConvergeResult:
    status: str
    """ansible-runner's: successful, failed, canceled, timeout."""
    rc: int
    hosts: dict[str, HostRecap]
    check: bool
    output_tail: str = ""
    """The end of ansible-playbook's output when it failed before reporting on any host."""

    @property
    def succeeded(self) -> bool:
        return (
            self.rc == 0 and self.status == "successful" and not any(h.failures or h.dark for h in self.hosts.values())
        )


class Observer(Protocol):
    def task_started(self, host: str | None, task: str) -> None: ...

    def host_result(self, host: str, task: str, outcome: str, message: str) -> None: ...


@dataclass
class ConvergeRequest:
    project: Path
    inventory: Path
    state: Path
    limit: str | None = None
    tags: str | None = None
    check: bool = False
    playbook: str = "playbooks/site.yml"
    extra_vars: dict[str, str] = field(default_factory=dict)


def _task_name(data: dict[str, Any]) -> str:
    role = data.get("role")
    task = str(data.get("task", "")).strip()
    return f"{role} : {task}" if role and not task.startswith(f"{role} :") else task


FAILURE_STDERR_LINES = 5
"""Lines of a failed command's stderr shown with its task (the reason is at the end)."""


def failure_message(result: dict[str, Any]) -> str:
    """What a person needs of a failed task: its message, and for a command that failed only with
    "non-zero return code" the end of what it wrote on stderr (where its reason is)."""
    message = str(result.get("msg", ""))
    stderr = str(result.get("stderr", "") or "").strip()
    if stderr and (not message or message == "non-zero return code"):
        return "; ".join(stderr.splitlines()[-FAILURE_STDERR_LINES:])
    return message


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with open(folder / "configure.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"another `provcloud configure` of this province is running (lock {lock.name})") from None
        yield


def converge(request: ConvergeRequest, observer: Observer) -> ConvergeResult:
    playbook = request.project / request.playbook
    if not playbook.is_file():
        raise UserError(f"{playbook}: no such playbook")
    runner_dir = request.state / "runner"
    runner_dir.mkdir(parents=True, exist_ok=True)
    hosts: dict[str, HostRecap] = {}
    changed_items: set[tuple[str, str]] = set()
    """(host, task uuid) of loop tasks an item of which changed."""

    def reports_changed(event: dict[str, Any], result: dict[str, Any]) -> bool:
        # A `no_log` result reaches us censored, without its `changed`; the callback's own line
        # ("changed: [host]") still says it.
        if "censored" in result:
            return str(event.get("stdout", "")).lstrip().startswith("changed:")
        return bool(result.get("changed"))

    def on_event(event: dict[str, Any]) -> bool:
        data = event.get("event_data", {})
        kind = event.get("event", "")
        host = data.get("host")
        if kind == "runner_item_on_ok" and host and reports_changed(event, data.get("res", {}) or {}):
            changed_items.add((host, str(data.get("task_uuid"))))
        if kind == "playbook_on_task_start":
            observer.task_started(None, _task_name(data))
        elif kind == "runner_on_start" and host:
            observer.task_started(host, _task_name(data))
        elif kind in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable", "runner_on_skipped") and host:
            recap = hosts.setdefault(host, HostRecap())
            result = data.get("res", {}) or {}
            task = _task_name(data)
            outcome = kind.removeprefix("runner_on_")
            if outcome == "ok" and (
                reports_changed(event, result) or (host, str(data.get("task_uuid"))) in changed_items
            ):
                outcome = "changed"
                recap.changed_tasks.append(task)
            if outcome == "failed" and data.get("ignore_errors"):
                outcome = "ignored"
            if outcome in ("failed", "unreachable"):
                recap.failed_tasks.append(task)
            message = failure_message(result) if outcome in ("failed", "unreachable") else ""
            observer.host_result(host, task, outcome, message)
        elif kind == "playbook_on_stats":
            for name in RECAP_FIELDS:
                for host_name, count in (data.get(name) or {}).items():
                    setattr(hosts.setdefault(host_name, HostRecap()), name, count)
        return True

    cmdline = "--check --diff" if request.check else None
    strategy = os.environ.get("PROVCLOUD_ANSIBLE_STRATEGY", DEFAULT_STRATEGY)
    # ansible-runner starts `ansible-playbook` from PATH: the one of this virtualenv.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    with _locked(request.state):
        runner = ansible_runner.run(
            private_data_dir=str(runner_dir),
            project_dir=str(request.project),
            playbook=str(playbook),
            inventory=str(request.inventory),
            limit=request.limit,
            tags=request.tags,
            cmdline=cmdline,
            extravars=request.extra_vars or None,
            envvars={
                "ANSIBLE_CONFIG": str(request.project / "ansible.cfg"),
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_INVENTORY_UNPARSED_FAILED": "1",
                # ansible-runner turns host key checking off unless told otherwise; a converge must
                # refuse a machine whose key it does not know (the lab's known_hosts, or the ops team's).
                "ANSIBLE_HOST_KEY_CHECKING": "True",
                "ANSIBLE_STRATEGY_PLUGINS": str(Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"),
                "ANSIBLE_STRATEGY": strategy,
                "PATH": path,
            },
            event_handler=on_event,
            quiet=True,
            rotate_artifacts=10,
            suppress_env_files=True,
        )
    result = ConvergeResult(status=str(runner.status), rc=int(runner.rc), hosts=hosts, check=request.check)
    if result.rc != 0 and not any(h.failed_tasks for h in hosts.values()):
        result.output_tail = runner.stdout.read()[-3000:] if runner.stdout else ""
    if result.rc == 0 and not hosts:
        raise UserError(
            f"no host of the inventory {request.inventory} matched"
            + (f" --limit {request.limit}" if request.limit else "")
        )
    runs = request.state / "runs"
    runs.mkdir(exist_ok=True)
    (runs / "last.json").write_text(json.dumps(asdict(result), indent=2) + "\n")
    return result
