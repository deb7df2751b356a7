"""The demo's last step: one authenticated request through the province's LGSP node, printed for
the user with where the credentials it used are."""

import json

from rich.syntax import Syntax

from provcloud.commands.validate import load_catalogue
from provcloud.console import out
from provcloud.controller_state import state_dir
from provcloud.errors import UserError
from provcloud.gateway import call, consumer_credentials, first_caller, lgsp_node
from provcloud.lab.tenant_client import source_address, tenant_address
from provcloud.project import catalogue_file, display_path

PATH = "/dmdc/agencies"
"""The node's directory of the province's agencies: every consumer may read it."""


def smoke_request(province_name: str) -> None:
    province = load_catalogue(catalogue_file(province_name))
    node = lgsp_node(province)
    agency = first_caller(province)
    credentials = consumer_credentials(state_dir(province.slug), agency.slug)
    source = source_address(agency)
    out.print(
        f"As [bold]{agency.name}[/] ({agency.slug}, {agency.org_code}) from its address {source}, "
        f"GET https://{node.ip}{PATH} with its client certificate and bearer token. Its credentials:"
    )
    folder = display_path(credentials.folder)
    out.print(f"  client certificate  {folder}/client.crt\n  client key          {folder}/client.key")
    out.print(f"  provincial CA       {folder}/ca.crt\n  bearer token        {folder}/token")
    out.print(
        f"  the same by hand (while the host holds {source}):\n"
        f"    curl --interface {source} --cacert {folder}/ca.crt --cert {folder}/client.crt "
        f'--key {folder}/client.key -H "Authorization: Bearer $(cat {folder}/token)" https://{node.ip}{PATH}',
        soft_wrap=True,
    )
    with tenant_address(province, source):
        answer = call(
            node.ip,
            PATH,
            ca=credentials.ca,
            client=(credentials.certificate, credentials.private_key),
            token=credentials.token,
            source=source,
        )
    out.print(f"→ HTTP {answer.status}, X-Request-ID {answer.headers.get('x-request-id', '-')}")
    if answer.status != 200:
        raise UserError(f"the LGSP node answered {answer.status}: {answer.body}")
    document = answer.json()
    shown = {**document, "agencies": document["agencies"][:3]}
    out.print(Syntax(json.dumps(shown, ensure_ascii=False, indent=2), "json"))
    total = len(document["agencies"])
    out.print(f"({total} agencies in all; the node's JSON audit log: /var/log/lgsp-node/audit.log on {node.name})")
