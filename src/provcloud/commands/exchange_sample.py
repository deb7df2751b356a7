"""The demo's exchange step: one agency sends an official letter to another through the province's
exchange node (an outbox document with its exchange metadata, as a clerk files it through the LGSP
node), the other finds it in its inbox byte-identical, the status comes back, and the node's message
log traces it.

Inside the demo province: the lab runs one province, so the national hop of a letter to another
province is not shown here (docs/document-axis.md)."""

import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from provcloud.catalogue import Agency, MachineRole, Province
from provcloud.commands.validate import load_catalogue
from provcloud.console import out
from provcloud.controller_state import state_dir
from provcloud.docsystem_client import SERVICE, AgencyClient, DocsystemState, docsystem_state, sample_pdf
from provcloud.edxml.model import vietnam_now
from provcloud.errors import UserError
from provcloud.exchange.daemon import LOG_FILE
from provcloud.exchange.mayan import DATE, DOCUMENT_ID, INBOX, NOTATION, NUMBER, OUTBOX, RECIPIENTS, STATUS, SUBJECT
from provcloud.gateway import consumer_credentials, lgsp_node
from provcloud.lab.machine import ssh
from provcloud.lab.plan import plan_lab
from provcloud.lab.tenant_client import source_address, tenant_address
from provcloud.message_log import LogBroken, trace
from provcloud.message_log import verify as verify_log
from provcloud.project import catalogue_file

T = TypeVar("T")
WAIT = 180.0
"""Seconds the demo waits for the node's passes (every 10 s) and the document system's workers."""
NODE_LOG = f"/var/lib/provcloud-exchange/{LOG_FILE}"
"""The node's message log on its machine: the exchange role's state folder (its vars/main.yml)."""


def wait_until(what: str, condition: Callable[[], T | None], timeout: float = WAIT) -> T:
    """`condition()` once it is truthy, polled every 2 s with a spinner; UserError after `timeout`."""
    deadline = time.monotonic() + timeout
    with out.status(f"waiting for {what}…"):
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(2)
    raise UserError(f"no {what} after {timeout:.0f} s: see `journalctl -u provcloud-exchange` on the LGSP node")


def _client(province: Province, docsystem: DocsystemState, agency: Agency, service_path: str) -> AgencyClient:
    return AgencyClient(
        node=lgsp_node(province).ip,
        service_path=service_path,
        credentials=consumer_credentials(state_dir(province.slug), agency.slug),
        docsystem_token=docsystem.token(agency.slug),
        source=source_address(agency),
    )


def send_sample_letter(province_name: str) -> None:
    province = load_catalogue(catalogue_file(province_name))
    docsystem = docsystem_state(state_dir(province.slug))
    services = [service for agency in province.agencies for service in agency.services if service.name == SERVICE]
    if not services or not docsystem.exchange_cabinets:
        raise UserError(f"province {province.slug} has no document exchange (converge the docsystem role)")
    by_slug = province.agencies_by_slug
    agencies = [by_slug[slug] for slug in services[0].consumers if slug in by_slug and by_slug[slug].source_addresses]
    if len(agencies) < 2:
        raise UserError(f"the demo needs two consumers of `{SERVICE}` with source_addresses in {province.slug}")
    sender_agency, recipient_agency = agencies[:2]
    sender, recipient = (_client(province, docsystem, agency, services[0].path) for agency in agencies[:2])
    number = str(random.randint(100, 999999))
    content = sample_pdf(f"Cong van so {number} - provcloud demo")
    values = {
        RECIPIENTS: recipient_agency.org_code,
        NUMBER: number,
        NOTATION: "DEMO",
        DATE: vietnam_now().date().isoformat(),
        SUBJECT: "Về việc thử nghiệm liên thông văn bản",
    }
    out.print(
        f"As [bold]{sender_agency.name}[/]: a {len(content)}-byte letter no. {number}/DEMO to "
        f"[bold]{recipient_agency.name}[/] ({recipient_agency.org_code}), into its outbox with the exchange metadata."
    )
    objects = docsystem.agencies[sender_agency.slug]
    with tenant_address(province, source_address(sender_agency)):
        uploaded = sender.upload(objects["document_type_id"], f"cong-van-{number}.pdf", content)
        if uploaded.status != 201:
            raise UserError(f"the document system refused the upload: {uploaded.status} {uploaded.body[:300]}")
        document = int(uploaded.json()["id"])
        sender.wait_for_file(document)
        # The metadata first: the node takes an outbox document as soon as it has recipients.
        sender.set_metadata(document, values, sender.metadata_types(objects["document_type_id"]))
        added = sender.add_to_cabinet(docsystem.exchange_cabinets[sender_agency.slug][OUTBOX], document)
        if added.status not in (200, 201, 204):
            raise UserError(f"the document system refused the outbox: {added.status} {added.body[:300]}")
    inbox = docsystem.exchange_cabinets[recipient_agency.slug][INBOX]
    with tenant_address(province, source_address(recipient_agency)):
        filed = wait_until(
            f"the letter in {recipient_agency.slug}'s inbox",
            lambda: [item for item in recipient.cabinet_documents(inbox).json()["results"]
                     if recipient.metadata(int(item["id"])).get(NUMBER) == number],
        )  # fmt: skip
        received = int(filed[0]["id"])
        _, fetched = recipient.download(received, recipient.wait_for_file(received))
    if fetched != content:
        raise UserError(f"document {received} in the inbox differs from the letter sent")
    out.print(f"→ filed as document {received} in {recipient_agency.slug}'s inbox, byte-identical")
    with tenant_address(province, source_address(sender_agency)):
        status = wait_until("the status on the sender's document", lambda: sender.metadata(document).get(STATUS))
        document_id = sender.metadata(document)[DOCUMENT_ID]
    out.print(f"→ on the sender's document: exchange_status = {status}")
    _print_trace(province, document_id)


def _print_trace(province: Province, document_id: str) -> None:
    """The node's message log (copied from the lab machine), verified, and the letter's events in it."""
    plan = plan_lab(province)
    node = province.machines_with_role(MachineRole.lgsp_node)[0]
    copied = ssh(plan, plan.machine(node.name), f"sudo cat {NODE_LOG}")
    if copied.returncode != 0:
        raise UserError(f"cannot read the message log on {node.name}: {copied.stderr.strip()}")
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / f"{node.name}.log"
        log.write_text(copied.stdout, encoding="utf-8")
        try:
            head = verify_log(log)
            found = trace(document_id, [log])
        except LogBroken as error:
            raise UserError(f"the message log of {node.name} does not verify: {error}") from None
    out.print(f"Trace of [bold]{document_id}[/] ({node.name}: {head.entries} entries, chain intact):")
    for logged in found:
        entry = logged.entry
        out.print(f"  {entry.at:%Y-%m-%d %H:%M:%S}  {entry.node}  {entry.event.value:<9} {entry.sender} → "
                  f"{', '.join(entry.recipients)}  {entry.status or 'document'}  {entry.digest[:19]}")  # fmt: skip
