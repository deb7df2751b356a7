"""The demo's exchange step: an agency sends an official letter to an agency of the lab province that
shares its national peer (demo → demo2: through its province's exchange node, the national peer and
the other province's node), or — with no such province — to another agency of its own province. The
letter goes into the sender's outbox with its exchange metadata, as a clerk files it through the
LGSP node; the recipient finds it in its inbox byte-identical; the status comes back; every node's
message log on the way verifies and traces it."""

import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from provcloud.catalogue import Province
from provcloud.catalogue.lab_peer import peer_group
from provcloud.commands.docsystem_callers import DocsystemCaller, docsystem_callers
from provcloud.commands.validate import load_catalogue
from provcloud.console import out
from provcloud.docsystem_client import sample_pdf
from provcloud.edxml.model import vietnam_now
from provcloud.errors import UserError
from provcloud.exchange.daemon import LOG_FILE
from provcloud.exchange.mayan import DATE, DOCUMENT_ID, INBOX, NOTATION, NUMBER, OUTBOX, RECIPIENTS, STATUS, SUBJECT
from provcloud.gateway import lgsp_node
from provcloud.lab.machine import ssh
from provcloud.lab.plan import plan_lab
from provcloud.message_log import LogBroken, Logged, trace
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


def parties(province_name: str) -> tuple[DocsystemCaller, DocsystemCaller, list[tuple[Province, str]]]:
    """Sender, recipient, and the (province, machine) of each exchange node on the letter's way."""
    file = catalogue_file(province_name)
    province = load_catalogue(file)
    group = peer_group(province, file)
    senders = docsystem_callers(province)
    if group and group.others(province):
        other = group.others(province)[0]
        recipient = docsystem_callers(other)[0]
        way = [(province, lgsp_node(province).name), (group.peer, group.machine.name), (other, lgsp_node(other).name)]
        return senders[0], recipient, way
    if len(senders) < 2:
        raise UserError(f"the demo needs two consumers of the document system with source_addresses in {province.slug}")
    return senders[0], senders[1], [(province, lgsp_node(province).name)]


def send_sample_letter(province_name: str) -> None:
    sender, recipient, way = parties(province_name)
    for caller in (sender, recipient):
        if not caller.docsystem.exchange_cabinets:
            raise UserError(f"province {caller.province.slug} has no document exchange (converge the docsystem role)")
    number = str(random.randint(100, 999999))
    content = sample_pdf(f"Cong van so {number} - provcloud demo")
    values = {
        RECIPIENTS: recipient.agency.org_code,
        NUMBER: number,
        NOTATION: "DEMO",
        DATE: vietnam_now().date().isoformat(),
        SUBJECT: "Về việc thử nghiệm liên thông văn bản",
    }
    out.print(
        f"As [bold]{sender.agency.name}[/] ({sender.province.name}): a {len(content)}-byte letter no. {number}/DEMO "
        f"to [bold]{recipient.agency.name}[/] ({recipient.province.name}, {recipient.agency.org_code}), into its "
        "outbox with the exchange metadata."
    )
    document = _put_in_outbox(sender, content, values)
    inbox = recipient.docsystem.exchange_cabinets[recipient.agency.slug][INBOX]
    client = recipient.client
    with recipient.calling():
        filed = wait_until(
            f"the letter in {recipient.agency.slug}'s inbox ({recipient.province.slug})",
            lambda: [item for item in client.cabinet_documents(inbox).json()["results"]
                     if client.metadata(int(item["id"])).get(NUMBER) == number],
        )  # fmt: skip
        received = int(filed[0]["id"])
        _, fetched = client.download(received, client.wait_for_file(received))
    if fetched != content:
        raise UserError(f"document {received} in the inbox differs from the letter sent")
    out.print(f"→ filed as document {received} in {recipient.agency.slug}'s inbox ({recipient.province.slug}), "
              "byte-identical")  # fmt: skip
    with sender.calling():
        status = wait_until("the status on the sender's document", lambda: sender.client.metadata(document).get(STATUS))
        document_id = sender.client.metadata(document)[DOCUMENT_ID]
    out.print(f"→ on the sender's document: exchange_status = {status}")
    _print_trace(way, document_id)


def _put_in_outbox(sender: DocsystemCaller, content: bytes, values: dict[str, str]) -> int:
    client, objects = sender.client, sender.objects
    with sender.calling():
        uploaded = client.upload(objects["document_type_id"], f"cong-van-{values[NUMBER]}.pdf", content)
        if uploaded.status != 201:
            raise UserError(f"the document system refused the upload: {uploaded.status} {uploaded.body[:300]}")
        document = int(uploaded.json()["id"])
        client.wait_for_file(document)
        # The metadata first: the node takes an outbox document as soon as it has recipients.
        client.set_metadata(document, values, client.metadata_types(objects["document_type_id"]))
        added = client.add_to_cabinet(sender.docsystem.exchange_cabinets[sender.agency.slug][OUTBOX], document)
        if added.status not in (200, 201, 204):
            raise UserError(f"the document system refused the outbox: {added.status} {added.body[:300]}")
    return document


def _print_trace(way: list[tuple[Province, str]], document_id: str) -> None:
    """Each node's message log on the way (copied from the lab machines), verified, and the letter's
    events across them in time order."""
    with tempfile.TemporaryDirectory() as folder:
        logs = []
        for province, machine in way:
            plan = plan_lab(province)
            copied = ssh(plan, plan.machine(machine), f"sudo cat {NODE_LOG}")
            if copied.returncode != 0:
                raise UserError(f"cannot read the message log on {province.slug} {machine}: {copied.stderr.strip()}")
            log = Path(folder) / f"{province.slug}-{machine}.log"
            log.write_text(copied.stdout, encoding="utf-8")
            try:
                head = verify_log(log)
            except LogBroken as error:
                raise UserError(f"the message log of {province.slug} {machine} does not verify: {error}") from None
            out.print(f"{province.slug} {machine}: {head.entries} entries, chain intact")
            logs.append(log)
        found: list[Logged] = trace(document_id, logs)
    out.print(f"Trace of [bold]{document_id}[/]:")
    width = max((len(logged.entry.node) for logged in found), default=0)
    for logged in found:
        entry = logged.entry
        out.print(f"  {entry.at:%Y-%m-%d %H:%M:%S}  {entry.node:<{width}}  {entry.event.value:<9} {entry.sender} → "
                  f"{', '.join(entry.recipients)}  {entry.status or 'document'}  {entry.digest[:19]}")  # fmt: skip
