"""Issue 11, hole 4: a value an inventory plugin hands Ansible must stay data when a task templates
it. The catalogue refuses braces in names already (NameText); this is the second wall, the reason
ansible-core is pinned to 2.19+: a `{{ lookup(...) }}` inside a plugin's value is printed, never run
on the controller. Tried with a plugin of the same kind as provcloud's (set_variable from parsed
data), so a downgrade of ansible-core below the pin fails here."""

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PLUGIN = """
from ansible.plugins.inventory import BaseInventoryPlugin


class InventoryModule(BaseInventoryPlugin):
    NAME = "hostile"

    def verify_file(self, path):
        return path.endswith(".hostile.yml")

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        inventory.add_host("localhost")
        inventory.set_variable("localhost", "agency_name", "{{ lookup('ansible.builtin.pipe', 'touch %s') }}")
"""


def test_a_lookup_in_an_inventory_value_is_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "the-lookup-ran"
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "hostile.py").write_text(PLUGIN % marker)
    (tmp_path / "inventory.hostile.yml").write_text("plugin: hostile\n")
    (tmp_path / "play.yml").write_text(
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n"
        '    - ansible.builtin.debug:\n        msg: "name is {{ agency_name }}"\n'
    )
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(tmp_path / "inventory.hostile.yml"),
         str(tmp_path / "play.yml"), "-e", f"ansible_python_interpreter={sys.executable}"],
        cwd=tmp_path,
        env={**os.environ, "ANSIBLE_INVENTORY_PLUGINS": str(plugins), "ANSIBLE_INVENTORY_ENABLED": "hostile",
             "ANSIBLE_NOCOLOR": "1", "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert not marker.exists(), "a lookup in an inventory value ran on the controller"
    assert "name is {{ lookup('ansible.builtin.pipe'" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]
