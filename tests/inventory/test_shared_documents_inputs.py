"""The document system's shared documents (issue 13, part 3): a pair of application machines gets one
GlusterFS volume over their bricks and an arbiter on the backup machine, mounts it at the media
folder with one account number everywhere, shares its locks through the database and leaves the
scheduler to the address's holder; the backup reads the documents from either machine and restores
them once. A single application machine gets none of it."""

from pathlib import Path
from typing import Any

from conftest import ROOT
from provcloud.ansible.inventory import province_inventory
from provcloud.ansible.shared_documents_inputs import BRICK_PORTS, GLUSTERD_PORT
from provcloud.catalogue import Province, load_province

DEMO_HA = load_province(ROOT / "provinces" / "demo-ha.yml")
DEMO = load_province(ROOT / "provinces" / "demo.yml")
DANANG = load_province(ROOT / "provinces" / "danang.yml")


def inventory(province: Province) -> Any:
    return province_inventory(province, lab=False, controller_state=Path("/state"))


def rules(inputs: dict[str, Any]) -> dict[Any, list[str]]:
    return {
        rule["port"]: rule["sources"] for rule in inputs["common_firewall_service_rules"] if rule["protocol"] == "tcp"
    }


def test_the_pair_and_the_backup_machine_hold_the_volume_with_an_arbiter_last() -> None:
    found = inventory(DEMO_HA)
    assert found.groups["glusterfs"] == ["docsys-app-01", "docsys-app-02", "backup-01"]
    for host in found.groups["glusterfs"]:
        inputs = found.host_vars[host]
        assert inputs["glusterfs_members"] == ["198.18.33.11", "198.18.33.12", "198.18.35.11"], host
        assert inputs["glusterfs_arbiter"] is True
        assert inputs["glusterfs_address"] == inputs["ansible_host"]
        assert (inputs["glusterfs_base_port"], inputs["glusterfs_max_port"]) == BRICK_PORTS


def test_each_application_machine_mounts_from_itself_then_the_others() -> None:
    app2 = inventory(DEMO_HA).host_vars["docsys-app-02"]
    assert app2["docsystem_media_volume"] == "198.18.33.12:/docsystem-media"
    assert app2["docsystem_media_volume_servers"] == ["198.18.33.11", "198.18.35.11"]
    assert app2["docsystem_lock_manager"] == "database"
    assert app2["docsystem_run_scheduler"] is False
    assert app2["keepalived_holder_units"] == ["docsystem-beat"]
    one = {inventory(DEMO_HA).host_vars[host]["docsystem_user_id"] for host in ("docsys-app-01", "docsys-app-02")}
    assert len(one) == 1, "the account must have one number on every machine of the volume"


def test_the_firewall_opens_the_volume_to_its_members_only() -> None:
    found = inventory(DEMO_HA)
    bricks = f"{BRICK_PORTS[0]}-{BRICK_PORTS[1]}"
    arbiter = rules(found.host_vars["backup-01"])
    assert arbiter[GLUSTERD_PORT] == arbiter[bricks] == ["198.18.33.11/32", "198.18.33.12/32"]
    app1 = rules(found.host_vars["docsys-app-01"])
    assert app1[GLUSTERD_PORT] == ["198.18.33.12/32", "198.18.35.11/32"]
    # Nothing of the volume on the machines outside it.
    for host in ("lgsp-01", "docsys-db-01", "ndxp-peer"):
        assert GLUSTERD_PORT not in rules(found.host_vars[host]), host


def test_the_documents_are_backed_up_from_either_machine_and_restored_once() -> None:
    sources = {source["name"]: source for source in inventory(DEMO_HA).host_vars["backup-01"]["backup_sources"]}
    documents = sources["docsystem-documents"]
    assert documents["hosts"] == ["docsys-app-01", "docsys-app-02"]
    assert documents["addresses"] == ["198.18.33.11", "198.18.33.12"]
    assert documents["shared"] is True


def test_danangs_pair_gets_the_volume_too() -> None:
    found = inventory(DANANG)
    applications = found.groups["docsystem_app"]
    assert len(applications) == 2
    assert found.groups["glusterfs"][:2] == applications
    assert found.groups["glusterfs"][2] in found.groups["backup"]


def test_a_single_application_machine_keeps_its_own_folder_locks_and_scheduler() -> None:
    found = inventory(DEMO)
    assert "glusterfs" not in found.groups
    (application,) = found.groups["docsystem_app"]
    inputs = found.host_vars[application]
    assert not any(key.startswith("glusterfs_") for key in inputs)
    for key in ("docsystem_media_volume", "docsystem_user_id", "docsystem_lock_manager", "docsystem_run_scheduler"):
        assert key not in inputs, key  # the role's defaults: a local folder, Redis locks, the scheduler
    sources = {source["name"]: source for source in found.host_vars[application]["backup_sources"]}
    assert sources["docsystem-documents"]["hosts"] == [application]
    assert sources["docsystem-documents"]["shared"] is False
