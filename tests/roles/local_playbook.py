"""Run a playbook on this machine (local connection), as the role tests that need no lab do."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from conftest import ROOT

PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"


def run_plays(path: Path, plays: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    """Write `plays` to `path` and run them with the project's ansible.cfg and roles; never raises on failure."""
    path.write_text(yaml.safe_dump(plays, allow_unicode=True), encoding="utf-8")
    return subprocess.run(
        [str(PLAYBOOK), "-i", "localhost,", "-e", f"ansible_python_interpreter={sys.executable}", str(path)],
        cwd=ROOT,
        env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
             "ANSIBLE_ROLES_PATH": str(ROOT / "roles")},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
