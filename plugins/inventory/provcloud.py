# SPDX-License-Identifier: Apache-2.0
"""Ansible inventory plugin `provcloud`: a province's service machines from its catalogue.

The logic lives in `provcloud.ansible.inventory` (typed, unit-tested); this file adapts it to
Ansible's plugin API.
"""

from pathlib import Path
from typing import TYPE_CHECKING

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin

if TYPE_CHECKING:  # the package is imported in parse(), where a missing one is a parser error
    from provcloud.ansible.inventory import LabSetting

DOCUMENTATION = r"""
name: provcloud
short_description: Service machines of a provcloud province catalogue
description:
  - Reads C(provinces/<slug>.yml), the province catalogue, and adds every service machine with
    groups by role (lgsp_nodes, docsystem_app, docsystem_db, backup, national_peer), by zone
    (zone_<zone>) and by security level (level_<n>), and as host variables the flat,
    role-prefixed inputs of the roles it runs (derived once by provcloud.ansible.role_inputs;
    each role's meta/argument_specs.yml describes them).
  - When the province's lab is up on this host (C(provcloud lab up)), the connection uses the lab's
    admin user, SSH key and known hosts.
  - The config file's name must end in C(provcloud.yml) or C(provcloud.yaml).
options:
  plugin:
    description: Marks the file as this plugin's config.
    required: true
    choices: [provcloud]
  province:
    description: A province slug of the project's C(provinces/), or a catalogue path relative to this file.
    required: true
    type: str
  lab:
    description:
      - C(auto) uses the lab connection when the province's lab is up on this host; C(yes) always; C(no) never.
    type: str
    default: auto
    choices: [auto, "yes", "no"]
"""

EXAMPLES = r"""
# inventories/demo/provcloud.yml
plugin: provcloud
province: demo
"""


LAB_SETTINGS: dict[str, "LabSetting"] = {"auto": "auto", "yes": "yes", "true": "yes", "no": "no", "false": "no"}


class InventoryModule(BaseInventoryPlugin):  # type: ignore[misc]
    NAME = "provcloud"

    def verify_file(self, path: str) -> bool:
        return bool(super().verify_file(path)) and path.endswith(("provcloud.yml", "provcloud.yaml"))

    def parse(self, inventory, loader, path, cache=True):  # type: ignore[no-untyped-def]
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        try:
            from provcloud.ansible.inventory import inventory_from_config
            from provcloud.catalogue import CatalogueError
            from provcloud.errors import UserError
        except ImportError as error:
            raise AnsibleParserError(
                f"{path}: the provcloud package is not importable ({error}); run from its virtualenv"
            ) from error
        # YAML reads an unquoted yes/no as a boolean; either spelling means the same setting.
        setting = str(self.get_option("lab")).lower()
        lab = LAB_SETTINGS.get(setting)
        if lab is None:
            raise AnsibleParserError(f"{path}: lab: {setting!r} is not one of auto, yes, no")
        try:
            found = inventory_from_config(Path(path), self.get_option("province"), lab)
        except CatalogueError as error:
            raise AnsibleParserError("\n".join(str(problem) for problem in error.problems)) from None
        except UserError as error:
            raise AnsibleParserError(str(error)) from None
        for group, hosts in found.groups.items():
            self.inventory.add_group(group)
            for host in hosts:
                self.inventory.add_host(host, group=group)
        for host, variables in found.host_vars.items():
            for name, value in variables.items():
                self.inventory.set_variable(host, name, value)
        for name, value in found.all_vars.items():
            self.inventory.set_variable("all", name, value)
