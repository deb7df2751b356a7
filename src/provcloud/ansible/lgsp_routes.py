"""What the LGSP node serves, derived from the catalogue: one route per shared service, the upstream
to the national platform, the consumers and the shared catalogue (danh mục dùng chung) documents.

These were Jinja loops in the lgsp_node role; here they are typed and unit-tested, and the role
gets the result as flat inputs (`lgsp_node_routes`, `lgsp_node_consumers`, ...).
"""

from typing import Any
from urllib.parse import urlsplit

from provcloud.catalogue import Agency, AgencyKind, MachineRole, Province
from provcloud.catalogue.agency import SharedService
from provcloud.service_ports import DOCSYSTEM_PORT, url_port

DOCSYSTEM_CREDENTIAL_HEADER = "X-Docsystem-Authorization"
"""How an agency's document-system token travels through the node (the node's own bearer token is
in Authorization): passed on the document system's routes only, stripped on every other."""
DOCSYSTEM_UPLOAD_MAX = "100m"
"""The largest request body the document system takes (its nginx's client_max_body_size), and so
the largest the node passes on its routes."""
NODE_BODY_MAX = "1m"
"""The largest request body the node passes on any other route (nginx's own default)."""

NATIONAL_ADMIN_UNITS = (
    {"code": "01", "name": "Thành phố Hà Nội", "level": "province"},
    {"code": "48", "name": "Thành phố Đà Nẵng", "level": "province"},
    {"code": "79", "name": "Thành phố Hồ Chí Minh", "level": "province"},
)
"""The provincial-level units the lab's stand-in national platform lists: the confirmed codes of
Decision 19/2025/QĐ-TTg (the lab province is added from its catalogue, which marks its own code as
illustrative)."""


def machine_addresses(province: Province) -> dict[str, str]:
    """Every service machine's DNS names → the address nginx connects to, so it never depends on name
    resolution to start: a machine's FQDN names that machine (its own address); its aliases name its
    service (the service address: the pair's virtual IP when one is declared)."""
    addresses: dict[str, str] = {}
    for machine in province.service_machines:
        addresses |= dict.fromkeys(machine.aliases, str(province.service_address(machine)))
    for machine in province.service_machines:
        addresses[province.machine_fqdn(machine)] = str(machine.ip)
    return addresses


def upstream_address(province: Province, url: str) -> tuple[str, str]:
    """`(host, address:port)` of an upstream URL: the host as the URL names it (Host header, TLS name)
    and where nginx connects."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return host, f"{machine_addresses(province).get(host, host)}:{url_port(parts)}"


def is_docsystem(province: Province, service: SharedService) -> bool:
    """Whether the service is the document system: its upstream names a document-system machine (by
    a DNS name, its address or the pair's virtual IP) on the document system's port."""
    parts = urlsplit(service.upstream)
    names = {
        name
        for machine in province.machines_with_role(MachineRole.docsystem_app)
        for name in (*province.machine_names(machine), str(machine.ip), str(province.service_address(machine)))
    }
    return parts.hostname in names and url_port(parts) == DOCSYSTEM_PORT


def docsystem_consumers(province: Province) -> list[str]:
    """The agencies the catalogue makes consumers of the document system, sorted: the only ones that
    get a document-system account and token."""
    return sorted(
        {
            slug
            for agency in province.agencies
            for service in agency.services
            if is_docsystem(province, service)
            for slug in service.consumers
        }
    )


def docsystem_agencies(province: Province) -> list[Agency]:
    """The consumers of the document system, in catalogue order: who gets an account there (docsystem
    role) and whose documents the province's exchange node signs (exchange role)."""
    consumers = set(docsystem_consumers(province))
    return [agency for agency in province.agencies if agency.slug in consumers]


def routes(province: Province) -> list[dict[str, Any]]:
    """One route per shared service: `{name, path, publisher, consumers, scheme, host, address,
    upstream_path, pass_headers, max_body_size}`; paths without their trailing slash. Only the
    document system's routes pass its credential header and take its document size."""
    found = []
    for agency in province.agencies:
        for service in agency.services:
            host, address = upstream_address(province, service.upstream)
            parts = urlsplit(service.upstream)
            docsystem = is_docsystem(province, service)
            found.append(
                {
                    "name": service.name,
                    "path": service.path.rstrip("/"),
                    "publisher": agency.slug,
                    "consumers": list(service.consumers),
                    "scheme": parts.scheme,
                    "host": host,
                    "address": address,
                    "upstream_path": parts.path.rstrip("/"),
                    "pass_headers": [DOCSYSTEM_CREDENTIAL_HEADER] if docsystem else [],
                    "max_body_size": DOCSYSTEM_UPLOAD_MAX if docsystem else NODE_BODY_MAX,
                }
            )
    return found


def consumer_slugs(province: Province) -> list[str]:
    """Every agency named as a consumer of a shared service, sorted: the agencies that get a bearer
    token from the node and a client certificate from the provincial CA."""
    return sorted({slug for agency in province.agencies for service in agency.services for slug in service.consumers})


def consumers(province: Province) -> dict[str, dict[str, Any]]:
    """Each consumer agency's org code and source addresses (its allow-list on the node)."""
    by_slug = province.agencies_by_slug
    return {
        slug: {
            "org_code": by_slug[slug].org_code,
            "sources": [str(network) for network in by_slug[slug].source_addresses],
        }
        for slug in consumer_slugs(province)
    }


def national_port(province: Province) -> int:
    """The port of the national platform's endpoint (the lab's national peer listens on it)."""
    return url_port(urlsplit(province.national_platform.endpoint))


def shared_catalogue(province: Province) -> list[dict[str, Any]]:
    """The documents of the node's shared catalogue: `/dmdc/agencies` and `/dmdc/admin-units`."""
    agencies = [
        {
            "org_code": agency.org_code,
            "name": agency.name,
            "slug": agency.slug,
            "kind": agency.kind.value,
            "parent": agency.parent or province.org_code,
            "admin_unit_code": agency.admin_unit_code,
        }
        for agency in province.agencies
    ]
    communes = [
        {"code": agency.admin_unit_code, "name": agency.name, "level": "commune", "parent": province.admin_unit_code}
        for agency in province.agencies
        if agency.kind is AgencyKind.commune
    ]
    units = [{"code": province.admin_unit_code, "name": province.name, "level": "province", "parent": None}, *communes]
    return [
        {
            "name": "agencies",
            "document": {
                "province": {"code": province.admin_unit_code, "name": province.name, "org_code": province.org_code},
                "agencies": agencies,
            },
        },
        {
            "name": "admin-units",
            "document": {"province": {"code": province.admin_unit_code, "name": province.name}, "admin_units": units},
        },
    ]


def national_services(province: Province) -> list[dict[str, Any]]:
    """What the lab's national peer publishes: the provincial-level units, the lab province among them."""
    units = [*NATIONAL_ADMIN_UNITS, {"code": province.admin_unit_code, "name": province.name, "level": "province"}]
    return [
        {
            "name": "admin-units",
            "path": "/dmdc/admin-units",
            "data": {
                "source": "lab stand-in for the national platform; codes per Decision 19/2025/QĐ-TTg",
                "admin_units": units,
            },
        }
    ]
