"""README examples run as tests: every `provcloud ...` line of its shell blocks works as shown.

They run in a copy of the project (provinces and templates) so scaffolding writes nowhere real;
commands that need root or a lab are marked in the README with `# (root)` and are left to the
lab tests.
"""

import re
import shlex
from pathlib import Path

import pytest

from conftest import ROOT, run_provcloud
from plan_helpers import project_copy


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            command = line.split("  #", 1)[0].strip()
            if command.startswith("provcloud ") and "# (root)" not in line:
                commands.append(command)
    return commands


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_works(command: str, tmp_path: Path) -> None:
    project = project_copy(tmp_path / "project")
    args = [arg.replace("/tmp/", f"{tmp_path}/") for arg in shlex.split(command)[1:]]
    result = run_provcloud(*args, cwd=project)
    assert result.returncode == 0, f"`{command}` failed:\n{result.stdout}\n{result.stderr}"


def test_readme_has_examples() -> None:
    assert len(readme_commands()) >= 5
