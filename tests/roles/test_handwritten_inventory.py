"""An ops team runs the roles from a hand-written inventory, with no catalogue and no provcloud
inventory plugin: `playbooks/site.yml` with only the roles' own argument-spec validation (the first
step of every role, tagged `always`; check mode, local connection, no lab). The roles' defaults are
templated on the way, so a default that still needs the catalogue fails here."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import ROOT

HANDWRITTEN = Path(__file__).with_name("handwritten") / "hosts.yml"
PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"


def validate(tmp_path: Path, edit: str | None = None) -> subprocess.CompletedProcess[str]:
    state = tmp_path / "state"
    text = HANDWRITTEN.read_text(encoding="utf-8").replace("STATE/", f"{state}/")
    inventory = yaml.safe_load(text)
    if edit is not None:  # drop one input: "<host>.<variable>"
        host, variable = edit.split(".", 1)
        for group in inventory["all"]["children"].values():
            group["hosts"].get(host, {}).pop(variable, None)
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory, allow_unicode=True), encoding="utf-8")
    return subprocess.run(
        [str(PLAYBOOK), "-i", str(tmp_path / "hosts.yml"), "playbooks/site.yml", "--check", "--tags", "always",
         "--skip-tags", "common"],
        cwd=ROOT,
        env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_every_role_accepts_the_hand_written_inputs(tmp_path: Path) -> None:
    result = validate(tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    validated = {
        (block.split(" :", 1)[0], host)
        for block in result.stdout.split("TASK [")[1:]
        if "Validating arguments against arg spec 'main'" in block
        for host in re.findall(r"^ok: \[([\w-]+)\]", block, re.MULTILINE)
    }
    machines = ["lgsp-01", "ndxp-peer", "docs-01", "db-01", "backup-01"]
    expected = {(role, host) for role in ("common", "pki") for host in machines} | {
        ("lgsp_node", "lgsp-01"), ("lgsp_node", "ndxp-peer"), ("docsystem", "docs-01"), ("postgresql", "db-01"),
        ("backup", "backup-01"), ("exchange", "lgsp-01"), ("exchange", "ndxp-peer"),
    }  # fmt: skip
    assert validated == expected, result.stdout[-6000:]


def test_a_missing_input_fails_naming_it(tmp_path: Path) -> None:
    result = validate(tmp_path, edit="docs-01.docsystem_database_host")
    assert result.returncode != 0
    assert "missing required arguments: docsystem_database_host" in result.stdout, result.stdout[-4000:]
