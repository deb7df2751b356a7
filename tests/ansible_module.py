"""Run one of the project's Ansible modules as Ansible runs it on a target: its own process, its
arguments as JSON on stdin, its result as JSON on stdout."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_module(module: Path, arguments: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, Any]:
    """The module's result; `failed` is true exactly when it exited non-zero, and it never crashes."""
    process = subprocess.run(
        [sys.executable, str(module)],
        input=json.dumps({"ANSIBLE_MODULE_ARGS": arguments}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert "Traceback" not in process.stdout + process.stderr, f"the module crashed:\n{process.stderr}"
    result: dict[str, Any] = json.loads(process.stdout)
    assert bool(result.get("failed")) == (process.returncode != 0), process.stdout + process.stderr
    return result
