"""The keepalived role's inputs on a machine of a redundant pair: the pair's virtual IP, where VRRP
talks (unicast, to the other machines of the role), this machine's priority, and what the health
check asks of the local service.

VRRP runs unicast because the lab's bridges (and many provincial switches) may not pass multicast;
the peers are the catalogue's own addresses of the other machines of the same role, so no peer is
ever listed by hand.
"""

from typing import Any

from provcloud.catalogue import MachineRole, Province, ServiceMachine
from provcloud.catalogue.redundancy import virtual_router_id
from provcloud.service_ports import DOCSYSTEM_PORT, LGSP_PORT

HostVars = dict[str, Any]

TOP_PRIORITY = 200
"""The priority of the role's first machine in catalogue order; each next one is `PRIORITY_STEP`
lower, so the order of `service_machines` decides who holds the address first."""
PRIORITY_STEP = 10

CHECK_URLS = {
    MachineRole.lgsp_node: f"https://127.0.0.1:{LGSP_PORT}/healthz",
    MachineRole.docsystem_app: f"https://127.0.0.1:{DOCSYSTEM_PORT}/",
}
"""What the health check asks the machine's own nginx: the node answers /healthz itself; the document
system's front page goes through nginx to the application, so a dead application moves the address
too. Only these roles run keepalived: the database pair's address follows its HA manager's leader
instead (Patroni and vip-manager, docs/high-availability.md), never a VRRP election of its own."""

VRRP_PROTOCOL = "vrrp"
"""VRRP is IP protocol 112 (no port): the firewall rule between the machines of a pair names it."""


def _carries_virtual_ip(province: Province, machine: ServiceMachine) -> bool:
    return machine.role in CHECK_URLS and machine.role in province.virtual_ips


def priority(province: Province, machine: ServiceMachine) -> int:
    return TOP_PRIORITY - PRIORITY_STEP * province.machines_with_role(machine.role).index(machine)


def peers(province: Province, machine: ServiceMachine) -> list[str]:
    """The other machines of the machine's role, by their catalogue address."""
    return [str(other.ip) for other in province.machines_with_role(machine.role) if other != machine]


def firewall_rules(province: Province, machine: ServiceMachine) -> list[HostVars]:
    """VRRP adverts from the other machines of the pair (the common role's firewall drops the rest)."""
    if not _carries_virtual_ip(province, machine):
        return []
    return [
        {
            "name": f"VRRP from the other {machine.role.value} machines (keepalived)",
            "protocol": VRRP_PROTOCOL,
            "port": None,
            "sources": [f"{peer}/32" for peer in peers(province, machine)],
        }
    ]


def keepalived(province: Province, machine: ServiceMachine) -> HostVars:
    """Empty for a machine whose role declares no virtual IP or does not run keepalived."""
    if not _carries_virtual_ip(province, machine):
        return {}
    virtual_ip = province.virtual_ips[machine.role]
    zone = province.network.zones[machine.zone]
    return {
        "keepalived_instance_name": machine.role.value,
        "keepalived_virtual_ip": str(virtual_ip.ip),
        "keepalived_prefix_length": zone.cidr.prefixlen,
        "keepalived_virtual_router_id": virtual_router_id(machine.role, virtual_ip),
        "keepalived_interface": province.machine_interface(machine),
        "keepalived_unicast_source": str(machine.ip),
        "keepalived_unicast_peers": peers(province, machine),
        "keepalived_priority": priority(province, machine),
        "keepalived_check_url": CHECK_URLS[machine.role],
    }
