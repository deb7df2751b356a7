"""The exchange role's inputs: a province's node on its LGSP node, the national peer's in the lab.

A province's node signs for the agencies that use the province's document system (the same list the
docsystem role makes accounts for), reads their outboxes and files into their inboxes as the
exchange account, and hands what is for another province to the national peer. The national peer
routes by province code. In the lab it knows the province it stands beside and every lab province
that shares it (`national_platform.lab_peer`, catalogue/lab_peer.py): their nodes, their CAs (the
nodes verify each other's agencies' signatures with them), their agencies' names.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from provcloud.ansible import lgsp_routes
from provcloud.catalogue import MachineRole, Province, ServiceMachine
from provcloud.catalogue.lab_peer import PeerGroup
from provcloud.controller_state import ControllerPaths
from provcloud.exchange import mayan
from provcloud.exchange.routing import province_of
from provcloud.service_ports import EXCHANGE_PORT

HostVars = dict[str, Any]


@dataclass(frozen=True)
class Axis:
    """The provinces one node exchanges with: its own, and in the lab those sharing its national peer."""

    province: Province
    paths: ControllerPaths
    group: PeerGroup | None = None

    @property
    def members(self) -> tuple[tuple[Province, ControllerPaths], ...]:
        """Each province of the axis with its controller state (beside this one's), this one first."""
        others = self.group.others(self.province) if self.group else ()
        return ((self.province, self.paths), *((o, ControllerPaths(self.paths.root.parent / o.slug)) for o in others))

    def trust_files(self) -> list[str]:
        """The provincial CAs whose agencies' signatures (and nodes) the node accepts. Another lab
        province's CA is there once its first converge has made it: converge the exchange again then."""
        own, *others = (paths.pki / "ca.crt" for _, paths in self.members)
        return [str(own), *(str(ca) for ca in others if ca.is_file())]

    def nodes(self) -> list[tuple[Province, ServiceMachine]]:
        """The exchange nodes of the axis: the LGSP nodes of each province that has a document system."""
        lgsp = MachineRole.lgsp_node
        return [
            (member, node)
            for member, _ in self.members
            if runs_exchange(member)
            for node in member.machines_with_role(lgsp)
        ]

    def national_peer(self) -> ServiceMachine | None:
        if self.group:
            return self.group.machine
        peers = self.province.machines_with_role(MachineRole.national_peer)
        return peers[0] if peers else None


def runs_exchange(province: Province) -> bool:
    """A province's LGSP nodes run an exchange node when it has a document system to send from and
    file into (the redundant lab province demo-ha has none)."""
    return bool(province.machines_with_role(MachineRole.docsystem_app))


def signing_certificate(slug: str) -> str:
    """The pki certificate an agency's documents are signed with, on its province's node."""
    return f"signing-{slug}"


def endpoint(host: str) -> str:
    return f"https://{host}:{EXCHANGE_PORT}"


def national_endpoint(province: Province) -> str:
    """The national peer's exchange: the national platform's host, on the exchange port."""
    return endpoint(urlsplit(province.national_platform.endpoint).hostname or "")


def node_endpoint(province: Province, machine: ServiceMachine) -> str:
    return endpoint(province.machine_names(machine)[0])


def common(province: Province, machine: ServiceMachine) -> HostVars:
    return {
        # The machine's FQDN: unique across provinces, so a trace over several nodes' logs says whose
        # `lgsp-01` each event is.
        "exchange_node_name": province.machine_fqdn(machine),
        "exchange_port": EXCHANGE_PORT,
    }


def provincial(axis: Axis, machine: ServiceMachine) -> HostVars:
    province, paths = axis.province, axis.paths
    documents = province.machines_with_role(MachineRole.docsystem_app)
    return {
        **common(province, machine),
        "exchange_tier": "provincial",
        "exchange_endpoint": node_endpoint(province, machine),
        "exchange_national_endpoint": national_endpoint(province),
        "exchange_province_code": province_of(province.org_code),
        "exchange_place": province.name,
        "exchange_agencies": [
            {"organ_id": agency.org_code, "name": agency.name, "certificate": signing_certificate(agency.slug)}
            for agency in lgsp_routes.docsystem_agencies(province)
        ],
        "exchange_directory": {
            agency.org_code: agency.name for member, _ in reversed(axis.members) for agency in member.agencies
        },
        "exchange_docsystem_url": f"https://{province.machine_names(documents[0])[0]}" if documents else "",
        "exchange_docsystem_token_file": str(paths.docsystem_agencies / f"{mayan.EXCHANGE_ACCOUNT}.token"),
        "exchange_trust_files": axis.trust_files(),
    }


def national(axis: Axis, machine: ServiceMachine) -> HostVars:
    """The lab's national peer: it routes each province of its axis to that province's (first) node."""
    routing: dict[str, str] = {}
    for member, node in axis.nodes():
        routing.setdefault(province_of(member.org_code), node_endpoint(member, node))
    return {
        **common(axis.province, machine),
        "exchange_tier": "national",
        "exchange_endpoint": national_endpoint(axis.province),
        "exchange_routing": routing,
        "exchange_trust_files": axis.trust_files(),
    }


def firewall_rules(axis: Axis, machine: ServiceMachine) -> list[HostVars]:
    """A province's node answers the national peer; the national peer answers the provinces' nodes."""
    if machine.role is MachineRole.lgsp_node:
        peer = axis.national_peer()
        callers = [f"{peer.ip}/32"] if peer and runs_exchange(axis.province) else []
    elif machine.role is MachineRole.national_peer:
        callers = [f"{node.ip}/32" for _, node in axis.nodes()]
    else:
        return []
    name = "document exchange (mutual TLS) from the " + (
        "national peer" if machine.role is MachineRole.lgsp_node else "provincial LGSP nodes"
    )
    return [{"name": name, "protocol": "tcp", "port": EXCHANGE_PORT, "sources": callers}] if callers else []
