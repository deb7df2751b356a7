"""The inventory's inputs are exactly what the roles' argument specs describe: every machine's
inputs pass the specs of the roles it runs, no role-prefixed input is unknown to its role, and no
role reads the catalogue, the old inventory contract or group names."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from conftest import ROOT
from provcloud.ansible.inventory import province_inventory
from provcloud.catalogue import MachineRole, load_province
from provcloud.project import catalogue_files

ROLES = ("common", "pki", "lgsp_node", "docsystem", "postgresql", "backup", "keepalived")
ENTRY_POINTS: dict[MachineRole, list[tuple[str, str]]] = {
    MachineRole.lgsp_node: [("lgsp_node", "main")],
    MachineRole.national_peer: [("lgsp_node", "main")],
    MachineRole.docsystem_app: [("docsystem", "main")],
    MachineRole.docsystem_db: [("postgresql", "main")],
    MachineRole.backup: [("backup", "main")],
}
"""The roles (and entry points) each machine runs besides common and pki (playbooks/*.yml)."""
BACKED_UP = ("backup", "source")
"""Run on the document system's machines when the province has a backup machine (playbooks/backup.yml)."""
CARRIES_VIRTUAL_IP = ("keepalived", "main")
"""Run on the machines of a pair that declares a virtual IP (the machines with keepalived inputs,
playbooks/keepalived.yml)."""
PROVINCES = sorted(path.stem for path in catalogue_files(ROOT / "provinces"))


def options(role: str, entry: str = "main") -> dict[str, Any]:
    specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    return dict(specs["argument_specs"][entry]["options"])


def machines(slug: str) -> list[tuple[str, MachineRole, dict[str, Any]]]:
    province = load_province(ROOT / "provinces" / f"{slug}.yml")
    inventory = province_inventory(province, lab=True, controller_state=Path(f"/state/{slug}"))
    return [(m.name, m.role, inventory.host_vars[m.name]) for m in province.service_machines]


@pytest.mark.parametrize("slug", PROVINCES)
def test_every_machine_s_inputs_pass_its_roles_argument_specs(slug: str) -> None:
    for name, role, inputs in machines(slug):
        virtual_ip = [CARRIES_VIRTUAL_IP] if "keepalived_virtual_ip" in inputs else []
        backed_up = [BACKED_UP] if "backup_server" in inputs else []
        for role_name, entry in [("common", "main"), ("pki", "main"), *ENTRY_POINTS[role], *virtual_ip, *backed_up]:
            spec = options(role_name, entry)
            provided = {key: value for key, value in inputs.items() if key in spec}
            result = ArgumentSpecValidator(spec).validate(provided)
            assert not result.error_messages, f"{slug}/{name}, role {role_name} ({entry}): {result.error_messages}"


@pytest.mark.parametrize("slug", PROVINCES)
def test_no_input_is_unknown_to_its_role(slug: str) -> None:
    known = {role: {key for entry in ("main", "source") if entry in _entries(role) for key in options(role, entry)}
             for role in ROLES}  # fmt: skip
    for name, _, inputs in machines(slug):
        for key in inputs:
            role = next((role for role in ROLES if key.startswith(f"{role}_")), None)
            if role is not None:
                assert key in known[role], f"{slug}/{name}: {key} is not an input of role {role} (argument_specs.yml)"


def _entries(role: str) -> set[str]:
    specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    return set(specs["argument_specs"])


FORBIDDEN = re.compile(
    r"provcloud_(catalogue|machine|state_dir|lab|security_level|\w+_retention_days)\b"  # the old inventory contract
    r"|groups\[|group_names"
)


def test_no_role_reads_the_catalogue_or_group_names() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "roles").rglob("*"))
        if path.is_file() and path.suffix in {".yml", ".j2", ".js"} and "README" not in path.name
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert not offenders, "roles must get flat inputs, not the catalogue or group names:\n" + "\n".join(offenders)


def test_the_fqdn_rule_is_written_once() -> None:
    """`<machine>.<dns.domain>` is Province.machine_fqdn; everything else calls it."""
    uses = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "src").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.name\}\.\{[\w.]*dns\.domain\}", line)
    ]
    assert uses == ["src/provcloud/catalogue/province.py:" + str(_fqdn_line())], uses


def _fqdn_line() -> int:
    lines = (ROOT / "src" / "provcloud" / "catalogue" / "province.py").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if "dns.domain}" in line)
