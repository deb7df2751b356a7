"""The inventory plugin: the groups and variables roles rely on (docs/lab.md), from the catalogue."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_provcloud
from provcloud.ansible.inventory import inventory_from_config, province_inventory
from provcloud.catalogue import load_province
from provcloud.lab.paths import known_hosts, ssh_key
from provcloud.project import catalogue_files

DEMO = load_province(ROOT / "provinces" / "demo.yml")
ANSIBLE_INVENTORY = Path(sys.executable).parent / "ansible-inventory"


def ansible_inventory(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ANSIBLE_INVENTORY), *args],
        cwd=ROOT,
        env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def test_groups_by_role_zone_and_level() -> None:
    inventory = province_inventory(DEMO, lab=False, controller_state=Path("/state/demo"))
    assert inventory.groups["lgsp_nodes"] == ["lgsp-01"]
    assert inventory.groups["docsystem_app"] == ["docsys-app-01"]
    assert inventory.groups["docsystem_db"] == ["docsys-db-01"]
    assert inventory.groups["backup"] == ["backup-01"]
    assert inventory.groups["national_peer"] == ["ndxp-peer"]
    assert inventory.groups["zone_dmz"] == ["lgsp-01"]
    assert inventory.groups["zone_national"] == ["ndxp-peer"]
    assert sorted(inventory.groups["level_3"]) == sorted(m.name for m in DEMO.service_machines)


def test_host_vars_are_the_address_and_the_roles_flat_inputs() -> None:
    inventory = province_inventory(DEMO, lab=False, controller_state=Path("/state/demo"))
    lgsp = inventory.host_vars["lgsp-01"]
    assert lgsp["ansible_host"] == "198.18.0.10"
    prefixes = {key.split("_", 1)[0] for key in lgsp if key != "ansible_host"}
    assert prefixes == {"common", "pki", "lgsp", "exchange"}, "every input is prefixed with its role's name"
    assert not any(key.startswith("provcloud_") for host in inventory.host_vars.values() for key in host)
    assert json.loads(json.dumps(inventory.host_vars)) == inventory.host_vars, "inventory values are plain JSON data"


def test_province_vars_and_the_connection_in_the_field_and_in_the_lab() -> None:
    field = province_inventory(DEMO, lab=False, controller_state=Path("/state/demo"))
    assert field.all_vars == {"provcloud_province": "demo", "provcloud_lab": False}, "no catalogue for roles to read"
    lab = province_inventory(DEMO, lab=True, controller_state=Path("/state/demo"))
    assert lab.all_vars["ansible_user"] == "provcloud"
    assert lab.all_vars["ansible_ssh_private_key_file"] == str(ssh_key("demo"))
    assert f"UserKnownHostsFile={known_hosts('demo')}" in lab.all_vars["ansible_ssh_common_args"]
    assert "StrictHostKeyChecking=yes" in lab.all_vars["ansible_ssh_common_args"]


def test_every_province_has_an_inventory_folder() -> None:
    for catalogue in catalogue_files(ROOT / "provinces"):
        config = ROOT / "inventories" / catalogue.stem / "provcloud.yml"
        assert config.is_file(), f"{catalogue.name} has no {config.relative_to(ROOT)}"
        inventory = inventory_from_config(config, catalogue.stem, "no")
        assert inventory.all_vars["provcloud_province"] == catalogue.stem


def test_ansible_inventory_graph_of_demo() -> None:
    result = ansible_inventory("-i", "inventories/demo", "--graph")
    assert result.returncode == 0, result.stderr
    for line in ("@lgsp_nodes:", "@zone_dmz:", "@level_3:", "@national_peer:", "--lgsp-01", "--ndxp-peer"):
        assert line in result.stdout, f"{line!r} missing from the graph:\n{result.stdout}"


def test_ansible_inventory_reports_a_bad_catalogue_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "provinces").mkdir()
    bad = (ROOT / "provinces" / "demo.yml").read_text().replace("ip: 198.18.0.10", "ip: 198.18.0.300")
    (tmp_path / "provinces" / "demo.yml").write_text(bad)
    (tmp_path / "inventories" / "demo").mkdir(parents=True)
    (tmp_path / "inventories" / "demo" / "provcloud.yml").write_text("plugin: provcloud\nprovince: demo\n")
    result = ansible_inventory(
        "-i", str(tmp_path / "inventories" / "demo"), "--list", env={"ANSIBLE_INVENTORY_UNPARSED_FAILED": "1"}
    )
    assert result.returncode != 0
    assert "demo.yml:" in result.stderr and "ip" in result.stderr, result.stderr


@pytest.mark.parametrize("setting", ["yes", "no"])
def test_the_lab_setting_of_the_plugin(tmp_path: Path, setting: str) -> None:
    config = ROOT / "inventories" / "demo" / "provcloud.yml"
    inventory = inventory_from_config(config, "demo", setting)  # type: ignore[arg-type]
    assert inventory.all_vars["provcloud_lab"] is (setting == "yes")


def test_new_province_scaffolds_its_inventory(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "provinces").mkdir()
    args = ("new-province", "hue", "--name", "Thành phố Huế", "--admin-unit-code", "46", "--org-code", "000.00.00.H57")
    result = run_provcloud(*args, "--network", "10.46.0.0/16", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    config = tmp_path / "inventories" / "hue" / "provcloud.yml"
    assert (tmp_path / "inventories" / "hue" / "group_vars" / "all.yml").is_file()
    inventory = inventory_from_config(config, "hue", "no")
    assert inventory.all_vars["provcloud_province"] == "hue" and inventory.host_vars
