"""Calling a service through the province's LGSP node as a consumer agency: the agency's
credentials the controller keeps (`<state>/consumers/<slug>/`, written by the roles pki and
lgsp_node) and one HTTPS request with them."""

import http.client
import json
import ssl
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from provcloud.catalogue import Province
from provcloud.catalogue.agency import Agency
from provcloud.catalogue.service_machine import MachineRole, ServiceMachine
from provcloud.controller_state import ControllerPaths
from provcloud.errors import UserError


@dataclass(frozen=True)
class ConsumerCredentials:
    """What an agency needs to call the node: client certificate and key, the CA, its bearer token."""

    agency: str
    folder: Path

    @property
    def ca(self) -> Path:
        return self.folder / "ca.crt"

    @property
    def certificate(self) -> Path:
        return self.folder / "client.crt"

    @property
    def private_key(self) -> Path:
        return self.folder / "client.key"

    @property
    def token(self) -> str:
        # The file is written by Ansible's password lookup: the token, optionally followed by options.
        return (self.folder / "token").read_text().split()[0]


def consumer_credentials(state: Path, agency: str) -> ConsumerCredentials:
    credentials = ConsumerCredentials(agency, ControllerPaths(state).consumers / agency)
    missing = [
        path.name
        for path in (credentials.ca, credentials.certificate, credentials.private_key, credentials.folder / "token")
        if not path.is_file()
    ]
    if missing:
        raise UserError(
            f"{credentials.folder}: no {', '.join(missing)} for agency {agency!r} — is it a consumer of a "
            "service in the catalogue, and has `provcloud configure` run since?"
        )
    return credentials


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    address: IPv4Address | str,
    path: str,
    *,
    ca: Path,
    client: tuple[Path, Path] | None = None,
    token: str | None = None,
    source: IPv4Address | str | None = None,
    port: int = 443,
    timeout: float = 10.0,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Answer:
    """`method` (GET) `path` on the node at `address` (its certificate names the address), presenting
    the client certificate `client` (certificate, key) and `token`, from the local address `source`,
    with any other `headers` and `body`."""
    context = ssl.create_default_context(cafile=str(ca))
    if client:
        context.load_cert_chain(str(client[0]), str(client[1]))
    connection = http.client.HTTPSConnection(
        str(address),
        port,
        context=context,
        timeout=timeout,
        source_address=(str(source), 0) if source else None,
    )
    sent = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode())
    finally:
        connection.close()


def lgsp_node(province: Province) -> ServiceMachine:
    nodes = province.machines_with_role(MachineRole.lgsp_node)
    if not nodes:
        raise UserError(f"province {province.slug} has no service machine with role lgsp_node")
    return nodes[0]


def consumers(province: Province) -> list[Agency]:
    """Agencies that consume a service (those the node gives credentials to), in catalogue order."""
    names = {consumer for agency in province.agencies for service in agency.services for consumer in service.consumers}
    return [agency for agency in province.agencies if agency.slug in names]


def first_caller(province: Province) -> Agency:
    """The agency the demo calls as: the first consumer with an address to call from."""
    candidates = [agency for agency in consumers(province) if agency.source_addresses]
    if not candidates:
        raise UserError(f"no agency of {province.slug} consumes a service and has source_addresses to call from")
    return candidates[0]
