"""The host side: checks that the lab can run here, commands, and processes the lab owns."""

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from provcloud.errors import UserError

REQUIRED_COMMANDS = {
    # command: the Debian package that provides it
    "systemd-nspawn": "systemd-container",
    "debootstrap": "debootstrap",
    "nft": "nftables",
    "apt-cacher-ng": "apt-cacher-ng",
    "ip": "iproute2",
    "ssh-keygen": "openssh-client",
}


def check_host() -> None:
    """Root and the lab's tools, or one message saying what to do."""
    if os.geteuid() != 0:
        raise UserError(
            "provcloud lab needs root (it creates bridges, an nftables table and systemd-nspawn machines): "
            "run it as root, e.g. `sudo .venv/bin/provcloud lab ...`"
        )
    missing = {command: package for command, package in REQUIRED_COMMANDS.items() if shutil.which(command) is None}
    if missing:
        packages = " ".join(sorted(set(missing.values())))
        raise UserError(
            f"provcloud lab needs {', '.join(missing)}: install the Debian packages with "
            f"`apt-get install {packages}` (or `make system-packages`)"
        )


def run(*args: str, input_text: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a host command; a failure is a UserError quoting the command and its stderr."""
    result = subprocess.run(args, input=input_text, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise UserError(f"`{' '.join(args)}` failed (exit {result.returncode}): {detail}")
    return result


@dataclass(frozen=True)
class OwnedProcess:
    """A process the lab started, known by PID and start time so a reused PID is never mistaken for it."""

    pid: int
    start_time: int

    @classmethod
    def of(cls, pid: int) -> "OwnedProcess":
        return cls(pid=pid, start_time=start_time_of(pid) or 0)

    def alive(self) -> bool:
        return self.start_time != 0 and start_time_of(self.pid) == self.start_time

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM, wait up to `timeout`, then SIGKILL; only if it is still the process we started."""
        if not self.alive():
            return
        os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return
            time.sleep(0.2)
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            while self.alive():
                time.sleep(0.1)


def start_time_of(pid: int) -> int | None:
    """Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); None when gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


def reap_children() -> None:
    """Collect exited children of this process so they do not linger as zombies."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass
