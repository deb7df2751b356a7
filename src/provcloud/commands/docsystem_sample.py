"""The demo's document step: one agency stores a sample document in its cabinet through the LGSP
node and fetches it back; then where a person logs in, and where the generated credentials are."""

from provcloud.commands.docsystem_callers import docsystem_callers
from provcloud.commands.validate import load_catalogue
from provcloud.console import out
from provcloud.docsystem_client import sample_pdf
from provcloud.errors import UserError
from provcloud.gateway import lgsp_node
from provcloud.project import catalogue_file, display_path


def store_sample_document(province_name: str) -> None:
    province = load_catalogue(catalogue_file(province_name))
    caller = docsystem_callers(province)[0]
    agency, objects, client, docsystem = caller.agency, caller.objects, caller.client, caller.docsystem
    content = sample_pdf(f"provcloud demo - {agency.org_code} - mau van ban")
    out.print(
        f"As [bold]{agency.name}[/] ({agency.slug}) from {client.source}: upload a {len(content)}-byte PDF through "
        f"https://{lgsp_node(province).ip}{caller.service.path}/ into its cabinet (id {objects['cabinet_id']}), "
        "then fetch it back."
    )
    with caller.calling():
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
