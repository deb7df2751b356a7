"""The demo's document step: one agency stores a sample document in its cabinet through the LGSP
node and fetches it back; then where a person logs in, and where the generated credentials are."""

from provcloud.commands.validate import load_catalogue
from provcloud.console import out
from provcloud.controller_state import state_dir
from provcloud.docsystem_client import SERVICE, AgencyClient, docsystem_state, sample_pdf
from provcloud.errors import UserError
from provcloud.gateway import consumer_credentials, lgsp_node
from provcloud.lab.tenant_client import source_address, tenant_address
from provcloud.project import catalogue_file, display_path


def store_sample_document(province_name: str) -> None:
    province = load_catalogue(catalogue_file(province_name))
    services = [(agency, service) for agency in province.agencies for service in agency.services]
    published = [service for _, service in services if service.name == SERVICE]
    if not published:
        raise UserError(f"province {province.slug} publishes no `{SERVICE}` service through its LGSP node")
    service = published[0]
    by_slug = province.agencies_by_slug
    callers = [by_slug[slug] for slug in service.consumers if slug in by_slug and by_slug[slug].source_addresses]
    if not callers:
        raise UserError(f"no consumer of `{SERVICE}` in {province.slug} has source_addresses to call from")
    agency = callers[0]
    state = state_dir(province.slug)
    docsystem = docsystem_state(state)
    objects = docsystem.agencies[agency.slug]
    source = source_address(agency)
    node = lgsp_node(province)
    client = AgencyClient(
        node=node.ip,
        service_path=service.path,
        credentials=consumer_credentials(state, agency.slug),
        docsystem_token=docsystem.token(agency.slug),
        source=source,
    )
    content = sample_pdf(f"provcloud demo - {agency.org_code} - mau van ban")
    out.print(
        f"As [bold]{agency.name}[/] ({agency.slug}) from {source}: upload a {len(content)}-byte PDF through "
        f"https://{node.ip}{service.path}/ into its cabinet (id {objects['cabinet_id']}), then fetch it back."
    )
    with tenant_address(province, source):
        document_id = client.store(objects["cabinet_id"], objects["document_type_id"], "mau-van-ban.pdf", content)
        file_id = client.wait_for_file(document_id)
        answer, fetched = client.download(document_id, file_id)
    if answer.status != 200 or fetched != content:
        raise UserError(f"fetching document {document_id} back failed: HTTP {answer.status}")
    out.print(f"→ document {document_id} stored and fetched back byte-identical ({len(fetched)} bytes)")
    out.print(
        f"A person logs in at [bold]{docsystem.url}[/] (from the app zone or through the province's network) as "
        f"[bold]{docsystem.admin_username}[/]; the password is in {display_path(docsystem.admin_password_file)}."
    )
    out.print(
        f"Each agency's API token and password: {display_path(docsystem.credentials_dir)}/<agency>.token|.password"
    )
