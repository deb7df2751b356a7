"""The replicated document database's inputs (issue 13, part 2): the consensus store's members, Patroni
on the database machines with synchronous replication by security level, the address vip-manager
keeps on the leader, and the firewall openings between them — all derived from the catalogue."""

from pathlib import Path
from typing import Any

from conftest import ROOT
from provcloud.ansible.inventory import province_inventory
from provcloud.catalogue import Province, load_province

DEMO_HA = load_province(ROOT / "provinces" / "demo-ha.yml")
DEMO = load_province(ROOT / "provinces" / "demo.yml")


def inventory(province: Province) -> Any:
    return province_inventory(province, lab=False, controller_state=Path("/state"))


def prefixed(inputs: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {key: value for key, value in inputs.items() if key.startswith(prefix)}


def rules(inputs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["name"]: rule for rule in inputs["common_firewall_service_rules"]}


def test_two_database_machines_and_the_backup_machine_form_the_store() -> None:
    found = inventory(DEMO_HA)
    assert found.groups["etcd"] == ["docsys-db-01", "docsys-db-02", "backup-01"]
    members = [m["address"] for m in found.host_vars["backup-01"]["etcd_members"]]
    assert members == ["198.18.34.11", "198.18.34.12", "198.18.35.11"]
    assert found.host_vars["backup-01"]["etcd_member_name"] == "backup-01.demo-ha.provcloud.test"
    # Everyone names the same store.
    tokens = {found.host_vars[host]["etcd_cluster_token"] for host in found.groups["etcd"]}
    assert tokens == {"demo-ha-docsystem-db"}
    assert "patroni_name" not in found.host_vars["backup-01"]


def test_a_single_database_machine_gets_no_store_and_no_patroni() -> None:
    found = inventory(DEMO)
    assert "etcd" not in found.groups
    for inputs in found.host_vars.values():
        assert not any(prefixed(inputs, prefix) for prefix in ("etcd_", "patroni_", "vip_manager_"))
    assert found.host_vars["docsys-db-01"].get("postgresql_manager", "debian") == "debian"


def test_level_4_replicates_synchronously_and_the_address_follows_the_leader() -> None:
    db2 = inventory(DEMO_HA).host_vars["docsys-db-02"]
    assert db2["patroni_synchronous_mode"] is True
    assert db2["patroni_synchronous_mode_strict"] is False
    assert db2["patroni_etcd_hosts"] == ["198.18.34.11:2379", "198.18.34.12:2379", "198.18.35.11:2379"]
    assert prefixed(db2, "vip_manager_") == {
        "vip_manager_ip": "198.18.34.10",
        "vip_manager_prefix_length": 24,
        "vip_manager_interface": "data",
        "vip_manager_trigger_key": "/docsystem/15-main/leader",
        "vip_manager_trigger_value": "docsys-db-02.demo-ha.provcloud.test",
        "vip_manager_etcd_endpoints": [
            "https://198.18.34.11:2379",
            "https://198.18.34.12:2379",
            "https://198.18.35.11:2379",
        ],
        "vip_manager_cluster": "15-main",
    }
    assert db2["postgresql_manager"] == "patroni"


def test_replication_and_rewind_come_from_the_other_database_machine_only() -> None:
    db1 = inventory(DEMO_HA).host_vars["docsys-db-01"]
    users = {user["name"]: user for user in db1["postgresql_dependent_users"]}
    assert users["replicator"]["databases"] == ["replication"]
    assert users["replicator"]["sources"] == ["198.18.34.12/32"]
    assert users["rewind"]["sources"] == ["198.18.34.12/32"]
    # Patroni's questions to its own server go over the socket, with the replication user's password.
    assert users["replicator"]["local_password"] is True and "local_password" not in users["rewind"]
    # The same password file Patroni reads, so the role the postgresql role keeps is the one it uses.
    assert users["replicator"]["password_file"] == db1["patroni_replication_password_file"]
    opened = rules(db1)
    assert opened["PostgreSQL replication from the other database machines"]["sources"] == ["198.18.34.12/32"]
    assert opened["etcd members (Raft)"]["sources"] == ["198.18.34.12/32", "198.18.35.11/32"]
    assert opened["Patroni REST API from the other database machines"]["sources"] == ["198.18.34.12/32"]


def test_the_backup_machine_opens_etcd_to_the_store_only() -> None:
    opened = rules(inventory(DEMO_HA).host_vars["backup-01"])
    assert opened["etcd members (Raft)"]["sources"] == ["198.18.34.11/32", "198.18.34.12/32"]
    assert opened["etcd clients (Patroni, vip-manager)"]["sources"] == ["198.18.34.11/32", "198.18.34.12/32"]
    assert "Patroni REST API from the other database machines" not in opened
