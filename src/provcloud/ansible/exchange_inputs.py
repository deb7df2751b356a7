"""The exchange role's inputs: a province's node on its LGSP node, the national peer's in the lab.

A province's node signs for the agencies that use the province's document system (the same list the
docsystem role makes accounts for), reads their outboxes and files into their inboxes as the
exchange account, and hands what is for another province to the national peer. The national peer
routes by province code; in the lab it knows the one province it stands beside.
"""

from typing import Any
from urllib.parse import urlsplit

from provcloud.ansible import lgsp_routes
from provcloud.catalogue import MachineRole, Province, ServiceMachine
from provcloud.controller_state import ControllerPaths
from provcloud.exchange import mayan
from provcloud.exchange.routing import province_of
from provcloud.service_ports import EXCHANGE_PORT

HostVars = dict[str, Any]


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


def common(machine: ServiceMachine) -> HostVars:
    return {
        "exchange_node_name": machine.name,
        "exchange_port": EXCHANGE_PORT,
    }


def provincial(province: Province, paths: ControllerPaths, machine: ServiceMachine) -> HostVars:
    documents = province.machines_with_role(MachineRole.docsystem_app)
    return {
        **common(machine),
        "exchange_tier": "provincial",
        "exchange_endpoint": node_endpoint(province, machine),
        "exchange_national_endpoint": national_endpoint(province),
        "exchange_province_code": province_of(province.org_code),
        "exchange_place": province.name,
        "exchange_agencies": [
            {"organ_id": agency.org_code, "name": agency.name, "certificate": signing_certificate(agency.slug)}
            for agency in lgsp_routes.docsystem_agencies(province)
        ],
        "exchange_directory": {agency.org_code: agency.name for agency in province.agencies},
        "exchange_docsystem_url": f"https://{province.machine_names(documents[0])[0]}" if documents else "",
        "exchange_docsystem_token_file": str(paths.docsystem_agencies / f"{mayan.EXCHANGE_ACCOUNT}.token"),
        "exchange_trust_files": [str(paths.pki / "ca.crt")],
    }


def national(province: Province, paths: ControllerPaths, machine: ServiceMachine) -> HostVars:
    """The lab's national peer: it routes the province it stands beside to that province's node."""
    nodes = province.machines_with_role(MachineRole.lgsp_node)
    return {
        **common(machine),
        "exchange_tier": "national",
        "exchange_endpoint": national_endpoint(province),
        "exchange_routing": {province_of(province.org_code): node_endpoint(province, nodes[0])} if nodes else {},
        "exchange_trust_files": [str(paths.pki / "ca.crt")],
    }


def firewall_rules(province: Province, machine: ServiceMachine) -> list[HostVars]:
    """A province's node answers the national peer; the national peer answers the provinces' nodes."""
    sources = {
        MachineRole.lgsp_node: MachineRole.national_peer,
        MachineRole.national_peer: MachineRole.lgsp_node,
    }
    if machine.role not in sources:
        return []
    callers = [f"{other.ip}/32" for other in province.machines_with_role(sources[machine.role])]
    name = "document exchange (mutual TLS) from the " + (
        "national peer" if machine.role is MachineRole.lgsp_node else "provincial LGSP nodes"
    )
    return [{"name": name, "protocol": "tcp", "port": EXCHANGE_PORT, "sources": callers}] if callers else []
