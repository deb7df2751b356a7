"""What a province's lab consists of, computed from its catalogue alone (no root, no side effects).

Every address comes from the catalogue: the zone gateway is the host's address on the zone's
bridge; each service machine gets its catalogue address and its default route through that gateway
from the plan's own network-config (cloud-init). The host is that gateway, and its nftables table
drops whatever would leave the lab's bridges, so nothing a machine sends can leave the host.
"""

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface
from urllib.parse import urlsplit

from provcloud.catalogue import MachineRole, Province, ServiceMachine
from provcloud.catalogue.lab_peer import PeerGroup
from provcloud.errors import UserError
from provcloud.platform.settings import DEFAULT_ADMIN_USER
from provcloud.service_ports import EXCHANGE_PORT

ADMIN_USER = DEFAULT_ADMIN_USER
"""The admin user the plan's cloud-init creates in every machine (the stack's default; lab key only)."""
PROXY_PORT = 3142
"""apt-cacher-ng's port when the catalogue names no `platform.apt_proxy`."""
DEBIAN_SUITE = "bookworm"


@dataclass(frozen=True)
class Bridge:
    name: str
    zone: str
    gateway: IPv4Interface
    """The host's address on the bridge: the zone's gateway with the zone's prefix."""


@dataclass(frozen=True)
class Machine:
    name: str
    """The catalogue's host name, e.g. `lgsp-01`."""
    unit: str
    """The nspawn machine name, unique on the host across provinces: `<slug>-<name>`."""
    zone: str
    address: IPv4Interface
    bridge: str
    gateway: IPv4Address
    """The zone's gateway: the host's address on the machine's bridge."""
    fqdn: str


@dataclass(frozen=True)
class Proxy:
    addresses: tuple[IPv4Address, ...]
    """Where apt-cacher-ng listens: every bridge address of the lab, nothing else."""
    port: int
    url: str
    """What machines put in `Acquire::http::Proxy`."""


@dataclass(frozen=True)
class Crossing:
    """The one kind of traffic allowed between two labs: a node of a province that shares a lab's
    national peer and that peer, each calling the other's exchange (mutual TLS) — both labs'
    tables carry the same crossings."""

    caller: IPv4Address
    caller_bridge: str
    callee: IPv4Address
    callee_bridge: str
    port: int
    what: str


@dataclass(frozen=True)
class LabPlan:
    slug: str
    bridges: tuple[Bridge, ...]
    machines: tuple[Machine, ...]
    proxy: Proxy
    nft_table: str
    hosts: tuple[tuple[IPv4Address, tuple[str, ...]], ...]
    """`/etc/hosts` lines of every machine: address, names (name resolution from the catalogue)."""
    time_sources: tuple[str, ...]
    domain: str
    admin_user: str = ADMIN_USER
    operators: tuple[str, ...] = field(default_factory=tuple)
    crossings: tuple[Crossing, ...] = field(default_factory=tuple)
    """Traffic to and from another lab (a shared national peer); nothing else leaves the lab's bridges."""

    def machine(self, name: str) -> Machine:
        for machine in self.machines:
            if machine.name == name:
                return machine
        raise UserError(f"lab {self.slug}: no machine {name!r} (machines: {', '.join(m.name for m in self.machines)})")


def nft_table_name(slug: str) -> str:
    """nftables identifiers take no '-': `provcloud_lab_<slug>` with '_'."""
    return "provcloud_lab_" + slug.replace("-", "_")


def plan_lab(province: Province, group: PeerGroup | None = None) -> LabPlan:
    """The lab of `province`; `group`: the provinces sharing its national peer (catalogue.lab_peer),
    whose nodes and peer its machines then know by name and reach on the exchange port."""
    zones = province.network.zones
    bridges = tuple(
        Bridge(
            name=zones[zone].bridge,
            zone=zone,
            gateway=IPv4Interface(f"{zones[zone].gateway}/{zones[zone].cidr.prefixlen}"),
        )
        for zone in zones
    )
    machines = []
    for entry in province.service_machines:
        zone = zones[entry.zone]
        machines.append(
            Machine(
                name=entry.name,
                unit=f"{province.slug}-{entry.name}",
                zone=entry.zone,
                address=IPv4Interface(f"{entry.ip}/{zone.cidr.prefixlen}"),
                bridge=zone.bridge,
                gateway=zone.gateway,
                fqdn=province.machine_fqdn(entry),
            )
        )
    hosts = _hosts(province)
    crossings = _crossings(province, group) if group else ()
    if group:
        # Another lab's machines by their full names only: a bare `lgsp-01` stays this province's.
        hosts += tuple((machine.ip, tuple(names)) for machine, names in _across(province, group))
    return LabPlan(
        slug=province.slug,
        bridges=bridges,
        machines=tuple(machines),
        proxy=_plan_proxy(province, bridges),
        nft_table=nft_table_name(province.slug),
        hosts=hosts,
        time_sources=tuple(province.time_sources),
        domain=province.dns.domain,
        operators=tuple(operator.login for operator in province.operators),
        crossings=crossings,
    )


def _hosts(province: Province) -> tuple[tuple[IPv4Address, tuple[str, ...]], ...]:
    """A machine's FQDN and name are that machine's address; its aliases name its service, so they
    are the pair's virtual IP when the role declares one (the rule of lgsp_routes.machine_addresses)."""
    names: dict[IPv4Address, list[str]] = {}
    for entry in province.service_machines:
        names.setdefault(entry.ip, []).extend((province.machine_fqdn(entry), entry.name))
    for entry in province.service_machines:
        service = names.setdefault(province.service_address(entry), [])
        service.extend(alias for alias in entry.aliases if alias not in service)
    return tuple((address, tuple(listed)) for address, listed in names.items())


def _across(province: Province, group: PeerGroup) -> list[tuple[ServiceMachine, list[str]]]:
    """The other labs' machines this lab talks to: the peer (from a member), or the members' nodes
    (from the peer's lab), with their names in their own province."""
    if province.slug != group.peer.slug:
        return [(group.machine, group.peer.machine_names(group.machine))]
    return [
        (node, member.machine_names(node))
        for member in group.others(province)
        for node in member.machines_with_role(MachineRole.lgsp_node)
    ]


def _crossings(province: Province, group: PeerGroup) -> tuple[Crossing, ...]:
    peer = (group.machine.ip, group.peer.network.zones[group.machine.zone].bridge)
    members = group.others(group.peer) if province.slug == group.peer.slug else (province,)
    crossings = []
    for member in members:
        for node in member.machines_with_role(MachineRole.lgsp_node):
            here = (node.ip, member.network.zones[node.zone].bridge)
            crossings.append(Crossing(*here, *peer, EXCHANGE_PORT, f"{member.slug} {node.name} to the national peer"))
            crossings.append(Crossing(*peer, *here, EXCHANGE_PORT, f"the national peer to {member.slug} {node.name}"))
    return tuple(crossings)


def _plan_proxy(province: Province, bridges: tuple[Bridge, ...]) -> Proxy:
    gateways = tuple(bridge.gateway.ip for bridge in bridges)
    if province.platform.apt_proxy is None:
        # No proxy in the catalogue: every zone's gateway serves it; machines use the first zone's.
        return Proxy(addresses=gateways, port=PROXY_PORT, url=f"http://{gateways[0]}:{PROXY_PORT}")
    url = urlsplit(str(province.platform.apt_proxy))
    host, port = url.hostname or "", url.port or 80
    try:
        address = IPv4Address(host)
    except ValueError:
        address = None
    if address not in gateways:
        raise UserError(
            f"platform.apt_proxy {province.platform.apt_proxy}: in the lab the package proxy runs on the host, "
            f"so it must be a zone gateway address ({', '.join(str(g) for g in gateways)})"
        )
    return Proxy(addresses=gateways, port=port, url=f"http://{address}:{port}")
