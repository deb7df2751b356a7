"""The Ansible inventory of a province, read from its catalogue (the logic of the `provcloud`
inventory plugin in `plugins/inventory/provcloud.py`).

The contract:
- groups by role (`lgsp_nodes`, `docsystem_app`, `docsystem_db`, `backup`, `national_peer`), the
  replicated database's consensus store (`etcd`), the shared documents' volume (`glusterfs`), by
  zone (`zone_<zone>`) and by security level (`level_<n>`), for playbooks and the ops team's
  `--limit` (roles never read group names);
- host vars: `ansible_host` and each of the machine's roles' inputs, flat and role-prefixed
  (`provcloud.ansible.role_inputs`, described by each role's `meta/argument_specs.yml`);
- vars of `all`: `provcloud_province` (slug) and `provcloud_lab`, for people and logs;
- in the lab, the connection: the lab's admin user, key and known hosts. In the field the ops
  team's own SSH setup (their `group_vars`, `~/.ssh/config`) applies.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from provcloud.ansible.role_inputs import RoleInputs
from provcloud.catalogue import MachineRole, Province, load_province
from provcloud.catalogue.lab_peer import PeerGroup, peer_group
from provcloud.controller_state import ControllerPaths, state_dir
from provcloud.errors import UserError
from provcloud.lab.paths import known_hosts, ssh_key
from provcloud.lab.plan import ADMIN_USER
from provcloud.lab.state import lab_is_up
from provcloud.project import ROOT_ENV

ROLE_GROUPS: dict[MachineRole, str] = {
    MachineRole.lgsp_node: "lgsp_nodes",
    MachineRole.docsystem_app: "docsystem_app",
    MachineRole.docsystem_db: "docsystem_db",
    MachineRole.backup: "backup",
    MachineRole.national_peer: "national_peer",
}

LabSetting = Literal["auto", "yes", "no"]


@dataclass
class Inventory:
    groups: dict[str, list[str]] = field(default_factory=dict)
    """Group name → host names (every host is also in `all`)."""
    host_vars: dict[str, dict[str, Any]] = field(default_factory=dict)
    all_vars: dict[str, Any] = field(default_factory=dict)

    def add(self, group: str, host: str) -> None:
        self.groups.setdefault(group, []).append(host)


def lab_connection(slug: str) -> dict[str, Any]:
    """How Ansible reaches the lab's machines: the admin user, the lab key, the lab's known hosts."""
    return {
        "ansible_user": ADMIN_USER,
        "ansible_ssh_private_key_file": str(ssh_key(slug)),
        "ansible_ssh_common_args": (
            f"-o UserKnownHostsFile={known_hosts(slug)} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes"
        ),
        "ansible_python_interpreter": "/usr/bin/python3",
    }


def province_inventory(
    province: Province, *, lab: bool, controller_state: Path, peer_group: PeerGroup | None = None
) -> Inventory:
    inventory = Inventory()
    inputs = RoleInputs(province, ControllerPaths(controller_state), lab, peer_group)
    for machine in province.service_machines:
        level = province.machine_level(machine)
        inventory.add(ROLE_GROUPS[machine.role], machine.name)
        inventory.add(f"zone_{machine.zone}", machine.name)
        inventory.add(f"level_{level}", machine.name)
        inventory.host_vars[machine.name] = {"ansible_host": str(machine.ip), **inputs.for_machine(machine)}
    for member in inputs.replicated_database.store_members():
        inventory.add("etcd", member.name)
    for member in inputs.shared_documents.members():
        inventory.add("glusterfs", member.name)
    inventory.all_vars = {"provcloud_province": province.slug, "provcloud_lab": lab}
    if lab:
        inventory.all_vars.update(lab_connection(province.slug))
    return inventory


def resolve_catalogue(value: str, config_file: Path) -> Path:
    """The plugin's `province:` — a slug of the project's `provinces/`, or a catalogue path relative
    to the plugin's config file."""
    if value.endswith((".yml", ".yaml")) or "/" in value:
        path = (config_file.parent / value).resolve()
    else:
        path = project_root_of(config_file) / "provinces" / f"{value}.yml"
    if not path.is_file():
        raise UserError(f"{config_file}: province {value!r}: no catalogue at {path}")
    return path


def project_root_of(config_file: Path) -> Path:
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    for folder in config_file.resolve().parents:
        if (folder / "provinces").is_dir():
            return folder
    raise UserError(f"{config_file}: no provcloud project (a folder with provinces/) above it; set {ROOT_ENV}")


def is_lab(setting: LabSetting, slug: str) -> bool:
    """`auto`: the lab's state exists on this host, i.e. `provcloud lab up` brought the province up here."""
    if setting == "auto":
        return lab_is_up(slug)
    return setting == "yes"


def inventory_from_config(config_file: Path, province_value: str, lab_setting: LabSetting) -> Inventory:
    """What the plugin adds for its config file; a bad catalogue raises CatalogueError (file:line)."""
    catalogue = resolve_catalogue(province_value, config_file)
    province = load_province(catalogue)
    return province_inventory(
        province,
        lab=is_lab(lab_setting, province.slug),
        controller_state=state_dir(province.slug, project_root_of(config_file)),
        peer_group=peer_group(province, catalogue),
    )
