"""A person using the lab: `provcloud lab call` makes a request as an agency's system would (its
certificate, tokens and source address), `provcloud lab open` lets the host's browser reach the
document system's web interface as management does."""

import os
import subprocess
import sys
import tempfile
from enum import StrEnum
from typing import Annotated

import typer

from provcloud.ansible.lgsp_routes import docsystem_consumers, is_docsystem
from provcloud.catalogue import Province
from provcloud.catalogue.agency import Agency
from provcloud.catalogue.service_machine import MachineRole
from provcloud.commands.lgsp_smoke import PATH as DIRECTORY_PATH
from provcloud.commands.validate import load_catalogue
from provcloud.console import err, out
from provcloud.controller_state import ControllerPaths, state_dir
from provcloud.docsystem_client import docsystem_state
from provcloud.errors import UserError
from provcloud.gateway import consumer_credentials, first_caller, lgsp_node
from provcloud.lab.forward import Forward, run_forward
from provcloud.lab.state import LabState
from provcloud.lab.tenant_client import source_address, tenant_address
from provcloud.project import catalogue_file, display_path

OPEN_PORT = 8443
"""Default local port of `lab open` (unprivileged, the usual alternative HTTPS port)."""


def _lab_province(province: str) -> Province:
    if os.geteuid() != 0:
        raise UserError("the lab runs as root: run this with sudo")
    catalogue = load_catalogue(catalogue_file(province))
    if LabState.load(catalogue.slug) is None:
        raise UserError(f"lab {catalogue.slug} is not up: `provcloud lab up {province}`, then `provcloud configure`")
    return catalogue


def _agency(province: Province, slug: str) -> Agency:
    agency = province.agencies_by_slug.get(slug)
    if agency is None:
        some = ", ".join(a.slug for a in province.agencies[:5])
        raise UserError(f"{slug!r} is not an agency of {province.slug} (its agencies include {some}, …)")
    return agency


def _docsystem_token(province: Province, agency: Agency, path: str) -> str | None:
    """The agency's document-system token when `path` goes to a route the node treats as the document
    system's (the node's own rule, `lgsp_routes.is_docsystem`). An agency that is no consumer of it
    has no token: the call goes without, and the node refuses it, as it would that agency's system."""
    routes = [
        service.path for owner in province.agencies for service in owner.services if is_docsystem(province, service)
    ]
    if not any(path == route or path.startswith(route.rstrip("/") + "/") for route in routes):
        return None
    if agency.slug not in docsystem_consumers(province):
        return None
    return docsystem_state(state_dir(province.slug)).token(agency.slug)


def how_to_use(province: Province) -> list[tuple[str, str]]:
    """The two commands a person runs next, with what each does."""
    return [
        (f"provcloud lab call {province.slug} {first_caller(province).slug} {DIRECTORY_PATH}",
         "a request as that agency's system (its certificate, token and source address); curl options follow"),
        (f"provcloud lab open {province.slug} docsystem",
         "the document system in this host's browser: prints the URL and the login"),
    ]  # fmt: skip


def call(
    context: typer.Context,
    province: Annotated[str, typer.Argument(help="A province slug of provinces/ whose lab is up.")],
    agency: Annotated[str, typer.Argument(help="The agency slug to call as (its credentials and source address).")],
    path: Annotated[str, typer.Argument(help="The path on the LGSP node, e.g. /dmdc/agencies.")],
) -> None:
    """Call the LGSP node as AGENCY's system; further options go to curl.

    With the agency's client certificate and bearer token (and its document-system token on the document
    system's route), from its source address, taken on the host for the call.
    """
    catalogue = _lab_province(province)
    member = _agency(catalogue, agency)
    if not path.startswith("/"):
        raise UserError(f"PATH {path!r} must start with / (e.g. /dmdc/agencies)")
    credentials = consumer_credentials(state_dir(catalogue.slug), member.slug)
    source = source_address(member)
    node = lgsp_node(catalogue)
    headers = [f"Authorization: Bearer {credentials.token}"]
    if (token := _docsystem_token(catalogue, member, path)) is not None:
        headers.append(f"X-Docsystem-Authorization: Token {token}")
    folder = display_path(credentials.folder)
    # The tokens go to curl in a file of its own (-H @file), not on a command line others can read.
    with tempfile.NamedTemporaryFile("w", prefix="provcloud-call-", suffix=".headers") as header_file:
        header_file.write("\n".join(headers) + "\n")
        header_file.flush()
        command = [
            "curl", "--silent", "--show-error", "--interface", str(source),
            "--cacert", str(credentials.ca), "--cert", str(credentials.certificate),
            "--key", str(credentials.private_key),
            "-H", f"@{header_file.name}", f"https://{node.ip}{path}", *context.args,
        ]  # fmt: skip
        err.print(
            f"[dim]as {member.slug} from {source} (taken on the host for this call), credentials in {folder}/: "
            f"curl --interface {source} --cacert ca.crt --cert client.crt --key client.key "
            f"-H 'Authorization: Bearer …'{' -H X-Docsystem-Authorization: …' if token else ''} "
            f"https://{node.ip}{path} {' '.join(context.args)}[/]",
            soft_wrap=True,
        )
        with tenant_address(catalogue, source):
            returncode = subprocess.run(command, check=False).returncode
    sys.stdout.flush()
    if returncode != 0:
        raise typer.Exit(returncode)


class Openable(StrEnum):
    docsystem = "docsystem"


def open_service(
    province: Annotated[str, typer.Argument(help="A province slug of provinces/ whose lab is up.")],
    service: Annotated[Openable, typer.Argument(help="What to open: the document system's web interface.")],
    port: Annotated[int, typer.Option(help="Local port on 127.0.0.1 to listen on.")] = OPEN_PORT,
) -> None:
    """Reach the document system's web interface from this host's browser; prints the URL and the login.

    A forward on 127.0.0.1:PORT that enters the lab as the management zone does (TLS passes through
    to the document system's own nginx). Runs until Ctrl-C.
    """
    catalogue = _lab_province(province)
    applications = catalogue.machines_with_role(MachineRole.docsystem_app)
    if not applications:
        raise UserError(f"province {catalogue.slug} has no docsystem_app machine")
    application = applications[0]
    record = docsystem_state(state_dir(catalogue.slug))
    name = record.host
    management = catalogue.network.zones["mgmt"].gateway
    forward = Forward("127.0.0.1", port, str(application.ip), 443, str(management))
    ca = display_path(ControllerPaths(state_dir(catalogue.slug)).pki / "ca.crt")
    password = record.admin_password_file.read_text().strip() if record.admin_password_file.is_file() else None

    def ready() -> None:
        out.print(f"[bold green]The document system of {catalogue.slug}[/] is at [bold]https://{name}:{port}/[/]")
        out.print(
            f"  {name} must lead this browser to 127.0.0.1: a line `127.0.0.1 {name}` in /etc/hosts, or\n"
            f"  chromium --host-resolver-rules='MAP {name} 127.0.0.1' https://{name}:{port}/\n"
            f"  The certificate is the provincial CA's: trust {ca} (or accept the browser's warning).\n"
            f"  From another machine: ssh -L {port}:127.0.0.1:{port} <this host>, and the same name there.",
            soft_wrap=True,
        )
        login = password if password is not None else f"(the password file {record.admin_password_file} is missing)"
        out.print(f"  Log in as [bold]{record.admin_username}[/], password [bold]{login}[/]", soft_wrap=True)
        out.print(
            f"[dim]forwarding 127.0.0.1:{port} → {application.name} {application.ip}:443 from {management} "
            "(the management zone's gateway); Ctrl-C stops[/]"
        )
        sys.stdout.flush()

    def failed(reason: str) -> None:
        err.print(f"[red]✗[/] {reason}")

    run_forward(forward, ready, failed)
    out.print("forward stopped")
