"""One cgroup per lab machine.

Without systemd on the host, systemd-nspawn `--keep-unit` creates the container's cgroups
(`payload/`, `supervisor/`) below the cgroup it was started in. Started from the same cgroup,
every machine on the host would share `/payload`: each machine's systemd would manage — and kill —
the other machines' services of the same name. So the supervisor moves itself into its own cgroup
`provcloud-lab/<slug>-<name>` (in every hierarchy systemd uses) before it starts nspawn.
"""

import contextlib
import os
import signal
import time
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT = "provcloud-lab"


def hierarchies() -> list[Path]:
    """Where systemd keeps its cgroup tree: the unified hierarchy, and name=systemd on hybrid hosts."""
    if (CGROUP_ROOT / "cgroup.controllers").exists():
        return [CGROUP_ROOT]
    return [CGROUP_ROOT / name for name in ("systemd", "unified") if (CGROUP_ROOT / name / "cgroup.procs").exists()]


def machine_cgroups(unit: str) -> list[Path]:
    return [hierarchy / PARENT / unit for hierarchy in hierarchies()]


def enter(unit: str) -> None:
    """Move the calling process into the machine's own cgroups (created when missing)."""
    for folder in machine_cgroups(unit):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cgroup.procs").write_text(f"{os.getpid()}\n")


def kill(unit: str, timeout: float = 10.0) -> int:
    """SIGKILL every process in the machine's cgroups until none is left — its supervisor, nspawn and
    everything the machine runs: a power cut. How many processes were killed."""
    killed: set[int] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = {
            int(line)
            for folder in machine_cgroups(unit)
            if folder.exists()
            for procs in folder.rglob("cgroup.procs")
            for line in procs.read_text().split()
        }
        if not pids:
            return len(killed)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        killed |= pids
        time.sleep(0.1)
    raise TimeoutError(f"processes still run in the cgroups of {unit} after {timeout:.0f} s")


def remove(unit: str) -> list[str]:
    """Remove the machine's cgroups, deepest first; returns the ones still in use (not removed)."""
    busy = []
    for folder in machine_cgroups(unit):
        if not folder.exists():
            continue
        for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
            try:
                sub.rmdir()
            except OSError:
                busy.append(str(sub))
        try:
            folder.rmdir()
        except OSError:
            busy.append(str(folder))
        with contextlib.suppress(OSError):
            folder.parent.rmdir()  # only when no other lab machine uses it
    return busy
