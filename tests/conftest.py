"""Shared test helpers: the repository root and running the real `provcloud` command."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROVCLOUD = Path(sys.executable).parent / "provcloud"


def run_provcloud(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `provcloud` command as a user would; output captured as text."""
    return subprocess.run(
        [str(PROVCLOUD), *args],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def provcloud():
    return run_provcloud
