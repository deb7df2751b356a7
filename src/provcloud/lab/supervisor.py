"""A machine's supervisor: runs systemd-nspawn and starts it again when the machine reboots.

Without systemd on the host nothing else restarts a machine after `reboot` inside it (nspawn exits
with 133 then, which systemd-nspawn@.service would turn into a restart). SIGTERM to the supervisor
shuts the machine down cleanly (nspawn halts it) and ends the supervisor.

Usage: python -m provcloud.lab.supervisor --pidfile FILE --cgroup NAME -- systemd-nspawn ARGS...
(NAME: the machine's own cgroup, see provcloud.lab.cgroup)
"""

import argparse
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from provcloud.lab import cgroup
from provcloud.lab.host import start_time_of

REBOOT_EXIT_CODE = 133


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="provcloud.lab.supervisor")
    parser.add_argument("--pidfile", type=Path, required=True)
    parser.add_argument("--cgroup", required=True)
    parser.add_argument("command", nargs="+")
    arguments = parser.parse_args(argv[1:])
    pidfile, command = arguments.pidfile, arguments.command
    cgroup.enter(arguments.cgroup)
    child: subprocess.Popen[bytes] | None = None
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop)
    code = 0
    while not stopping:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        pidfile.write_text(f"{child.pid} {start_time_of(child.pid) or 0}\n")
        code = child.wait()
        if code != REBOOT_EXIT_CODE:
            break
        print("provcloud lab: the machine rebooted; starting it again", flush=True)
    pidfile.unlink(missing_ok=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
