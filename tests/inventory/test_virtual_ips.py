"""Virtual IPs of redundant pairs (issue 13): the keepalived role's inputs on each machine of a pair,
and every consumer reaching the pair at its virtual IP, derived once (Province.service_address)."""

from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from conftest import ROOT
from provcloud.ansible.inventory import province_inventory
from provcloud.catalogue import MachineRole, Province, load_province
from provcloud.catalogue.redundancy import VirtualIp
from provcloud.platform.tenant import tenant_network_policies

DEMO = load_province(ROOT / "provinces" / "demo.yml")
DANANG = load_province(ROOT / "provinces" / "danang.yml")


def host_vars(province: Province) -> dict[str, dict[str, Any]]:
    return province_inventory(province, lab=False, controller_state=Path("/state")).host_vars


def keepalived(inputs: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in inputs.items() if key.startswith("keepalived_")}


def test_each_machine_of_the_lgsp_pair_gets_its_vrrp_instance() -> None:
    machines = host_vars(DANANG)
    assert keepalived(machines["lgsp-01"]) == {
        "keepalived_instance_name": "lgsp_node",
        "keepalived_virtual_ip": "10.48.0.10",
        "keepalived_prefix_length": 24,
        "keepalived_virtual_router_id": 10,
        "keepalived_interface": "dmz",
        "keepalived_unicast_source": "10.48.0.11",
        "keepalived_unicast_peers": ["10.48.0.12"],
        "keepalived_priority": 200,
        "keepalived_check_url": "https://127.0.0.1:443/healthz",
    }
    second = keepalived(machines["lgsp-02"])
    # Same instance and address on both; each talks to the other; catalogue order decides who leads.
    assert (second["keepalived_virtual_ip"], second["keepalived_virtual_router_id"]) == ("10.48.0.10", 10)
    assert (second["keepalived_unicast_source"], second["keepalived_unicast_peers"]) == ("10.48.0.12", ["10.48.0.11"])
    assert second["keepalived_priority"] == 190


def test_the_document_application_pair_is_checked_through_its_nginx() -> None:
    machines = host_vars(DANANG)
    for name, source, peer, priority in (
        ("docsys-app-01", "10.48.1.11", "10.48.1.12", 200),
        ("docsys-app-02", "10.48.1.12", "10.48.1.11", 190),
    ):
        inputs = keepalived(machines[name])
        assert inputs["keepalived_virtual_ip"] == "10.48.1.10", name
        assert (inputs["keepalived_virtual_router_id"], inputs["keepalived_interface"]) == (11, "app"), name
        assert (inputs["keepalived_unicast_source"], inputs["keepalived_unicast_peers"]) == (source, [peer]), name
        assert inputs["keepalived_priority"] == priority, name
        assert inputs["keepalived_check_url"] == "https://127.0.0.1:443/", name


def test_machines_without_a_virtual_ip_get_no_keepalived_inputs() -> None:
    for province, names in ((DANANG, ("docsys-db-01", "backup-01")), (DEMO, [m.name for m in DEMO.service_machines])):
        machines = host_vars(province)
        for name in names:
            assert keepalived(machines[name]) == {}, f"{province.slug}/{name}"


def test_virtual_router_ids_are_the_catalogue_s_and_differ_within_a_zone() -> None:
    ids = {
        (inputs["keepalived_interface"], inputs["keepalived_instance_name"]): inputs["keepalived_virtual_router_id"]
        for inputs in host_vars(DANANG).values()
        if "keepalived_virtual_ip" in inputs
    }
    assert ids == {("dmz", "lgsp_node"): 10, ("app", "docsystem_app"): 11}


def test_an_undeclared_virtual_router_id_is_the_role_s_whatever_the_machines_order() -> None:
    """Not counted from the file's order (an edit would renumber a running pair): fixed per role, so
    two pairs never share one; the catalogue rules refuse a declared id that takes another's
    (fixtures virtual-router-id-taken, virtual-router-id-default-taken)."""
    undeclared = {role: VirtualIp(ip=vip.ip) for role, vip in DANANG.virtual_ips.items()}
    for machines in (DANANG.service_machines, DANANG.service_machines[::-1]):
        province = DANANG.model_copy(update={"virtual_ips": undeclared, "service_machines": machines})
        inputs = host_vars(province)
        assert inputs["lgsp-02"]["keepalived_virtual_router_id"] == 10
        assert inputs["docsys-app-01"]["keepalived_virtual_router_id"] == 11


def test_the_interface_is_the_one_the_network_config_names() -> None:
    from provcloud.platform.cloud_init import network_config

    machine = next(m for m in DANANG.service_machines if m.name == "lgsp-01")
    assert f"set-name: {host_vars(DANANG)['lgsp-01']['keepalived_interface']}\n" in network_config(DANANG, machine)


def test_the_lgsp_node_reaches_the_document_system_at_its_virtual_ip() -> None:
    for node in ("lgsp-01", "lgsp-02"):
        routes = {route["name"]: route for route in host_vars(DANANG)[node]["lgsp_node_routes"]}
        assert routes["docsystem"]["address"] == "10.48.1.10:443", node
        # The Host header and TLS name stay the service's name, which both certificates carry.
        assert routes["docsystem"]["host"] == "qlvb.danang.gov.vn", node


def test_a_machine_s_own_name_still_reaches_that_machine() -> None:
    """An upstream written with one machine's FQDN means that machine (an operator pinning it), not the
    pair: only the aliases, the service's names, move with the virtual IP."""
    from provcloud.ansible.lgsp_routes import machine_addresses

    addresses = machine_addresses(DANANG)
    assert addresses["docsys-app-02.danang.gov.vn"] == "10.48.1.12"
    assert addresses["qlvb.danang.gov.vn"] == "10.48.1.10"
    assert addresses["lgsp.danang.gov.vn"] == "10.48.0.10"
    assert addresses["docsys-db-01.danang.gov.vn"] == "10.48.2.11"


def test_certificates_of_a_pair_carry_its_virtual_ip() -> None:
    machines = host_vars(DANANG)
    assert machines["lgsp-01"]["pki_server_addresses"] == ["10.48.0.11", "10.48.0.10"]
    assert machines["docsys-app-02"]["pki_server_addresses"] == ["10.48.1.12", "10.48.1.10"]
    assert machines["docsys-db-01"]["pki_server_addresses"] == ["10.48.2.11"]


def test_tenants_egress_goes_to_the_lgsp_virtual_ip_alone() -> None:
    egress_to = [
        rule["to"]
        for policy in tenant_network_policies(DANANG, "danang-so-y-te")
        for rule in policy.get("spec", {}).get("egress", [])
        if any("ipBlock" in peer for peer in rule.get("to", []))
    ]
    assert egress_to == [[{"ipBlock": {"cidr": "10.48.0.10/32"}}]]
    demo_egress = [
        rule["to"]
        for policy in tenant_network_policies(DEMO, "demo-so-khcn")
        for rule in policy.get("spec", {}).get("egress", [])
        if any("ipBlock" in peer for peer in rule.get("to", []))
    ]
    assert demo_egress == [[{"ipBlock": {"cidr": "198.18.0.10/32"}}]], "without a virtual IP: the node's own address"


def test_a_database_pair_s_virtual_ip_is_where_the_application_connects() -> None:
    """When the document database is a pair (Patroni, docs/high-availability.md), the application and
    its backups reach the primary through the pair's address: the same rule, no second one."""
    standby = DANANG.service_machines[4].model_copy(update={"name": "docsys-db-02", "ip": IPv4Address("10.48.2.12")})
    database_ip = VirtualIp(ip=IPv4Address("10.48.2.10"), virtual_router_id=12)
    paired = DANANG.model_copy(
        update={
            "service_machines": [*DANANG.service_machines, standby],
            "virtual_ips": {**DANANG.virtual_ips, MachineRole.docsystem_db: database_ip},
        }
    )
    machines = host_vars(paired)
    assert machines["docsys-app-01"]["docsystem_database_host"] == "10.48.2.10"
    # Its address follows the HA manager's leader, not a VRRP election: no keepalived there.
    assert keepalived(machines["docsys-db-02"]) == {}
