"""Shared test helpers: the repository root and running the real `provcloud` command."""

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROVCLOUD = Path(sys.executable).parent / "provcloud"


COMMAND_TIMEOUT = 1800
"""Seconds one `provcloud` command of the tests may take before it is stopped and the test fails."""


def run_provcloud(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = COMMAND_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run the installed `provcloud` command as a user would; output captured as text."""
    process = start_provcloud(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env, text=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_group(process)
        stdout, stderr = process.communicate()
        pytest.fail(f"`provcloud {' '.join(args)}` did not finish within {timeout:.0f} s:\n{stdout[-4000:]}\n{stderr}")
    except BaseException:
        stop_group(process)
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def start_provcloud(
    *args: str,
    stdout: Any,
    stderr: Any,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    text: bool = False,
) -> subprocess.Popen[Any]:
    """Start the installed `provcloud` without a terminal or stdin, in its own process group: what it
    starts (ansible-runner, ansible-playbook, SSH) can be stopped with it (`stop_group`)."""
    return subprocess.Popen(
        [str(PROVCLOUD), *args],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        text=text,
        start_new_session=True,
    )


def stop_group(process: subprocess.Popen[Any]) -> None:
    """Stop a process started with `start_new_session` and everything it started."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def provcloud() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_provcloud


@contextmanager
def serve_on_loopback(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` answering on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def expected_errors(fixture: Path) -> list[str]:
    """The errors a bad-input fixture states it must give, one `# expect: line:col: field: message`
    comment each, as the command prints them (`file:line:col: ...`, the file relative to the root)."""
    relative = fixture.relative_to(ROOT) if fixture.is_absolute() else fixture
    lines = (ROOT / relative).read_text(encoding="utf-8").splitlines()
    return [f"{relative}:{line.removeprefix('# expect: ')}" for line in lines if line.startswith("# expect: ")]
