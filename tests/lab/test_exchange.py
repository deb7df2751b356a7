"""The document exchange on the converged demo lab, inside one province (issue 12): an agency's
clerk puts a document with its exchange metadata in the agency's outbox, through the LGSP node like
any agency system; the exchange node on the LGSP node signs it with the agency's certificate, sends
it over mutual TLS, files it in the other agency's inbox, and the status comes back on the sender's
document. The node's message log verifies and traces the document.

The tests build on each other in file order (the document sent first is the one traced)."""

import random
from pathlib import Path

import pytest

from conftest import run_provcloud
from lab.agency_clients import agency_client
from lab.conftest import Lab
from lab.gateway_calls import Consumer
from provcloud.catalogue.service_machine import MachineRole
from provcloud.commands.exchange_sample import NODE_LOG, wait_until
from provcloud.docsystem_client import DocsystemState, sample_pdf
from provcloud.edxml.model import vietnam_now
from provcloud.exchange.mayan import (
    DATE,
    DOCUMENT_ID,
    INBOX,
    NOTATION,
    NUMBER,
    OUTBOX,
    RECIPIENTS,
    SENDER,
    STATUS,
    SUBJECT,
)

pytestmark = pytest.mark.lab

FROM = "vp-ubnd"
TO = "so-khcn"


class Sent:
    """What the first test sent, for the later ones."""

    document_id = ""


def node(lab: Lab) -> str:
    return lab.province.machines_with_role(MachineRole.lgsp_node)[0].name


def test_a_document_in_an_outbox_is_filed_in_the_recipients_inbox_byte_identical(
    demo_lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState
) -> None:
    sender, recipient = (agency_client(demo_lab, tenants, docsystem, slug) for slug in (FROM, TO))
    organs = {agency.slug: agency.org_code for agency in demo_lab.province.agencies}
    number = str(random.randint(100, 999999))  # a new DocumentId on a lab that has run this before
    content = sample_pdf(f"Cong van so {number}/VP-UBND")
    document_type = docsystem.agencies[FROM]["document_type_id"]
    uploaded = sender.upload(document_type, f"cong-van-{number}.pdf", content)
    assert uploaded.status == 201, uploaded.body[:300]
    document = int(uploaded.json()["id"])
    sender.wait_for_file(document)
    values = {RECIPIENTS: organs[TO], NUMBER: number, NOTATION: "VP-UBND", DATE: vietnam_now().date().isoformat(),
              SUBJECT: "Về việc phối hợp chuyển đổi số năm 2027"}  # fmt: skip
    sender.set_metadata(document, values, sender.metadata_types(document_type))
    assert sender.add_to_cabinet(docsystem.exchange_cabinets[FROM][OUTBOX], document).status in (200, 201, 204)

    inbox = docsystem.exchange_cabinets[TO][INBOX]
    filed = wait_until(f"a document in {TO}'s inbox", lambda: recipient.cabinet_documents(inbox).json()["results"])
    assert len(filed) == 1, [item["label"] for item in filed]
    received = int(filed[0]["id"])
    answer, body = recipient.download(received, recipient.wait_for_file(received))
    assert answer.status == 200 and body == content, "the filed document differs from the one sent"
    shown = recipient.metadata(received)
    assert (shown[NUMBER], shown[NOTATION], shown[SUBJECT]) == (number, "VP-UBND", values[SUBJECT])
    assert shown[SENDER] == organs[FROM]

    status = wait_until("the status on the sender's document", lambda: sender.metadata(document).get(STATUS))
    assert status == f"{organs[TO]}: inbox"

    # The recipient's clerk takes the letter up, then closes it; the sender sees each.
    types = recipient.metadata_types(docsystem.agencies[TO]["document_type_id"])
    for label in ("accepted", "done"):
        recipient.set_metadata(received, {STATUS: label}, types)
        shown_status = f"{organs[TO]}: {label}"
        wait_until(shown_status, lambda: sender.metadata(document).get(STATUS) == shown_status)  # noqa: B023
    Sent.document_id = sender.metadata(document)[DOCUMENT_ID]
    assert Sent.document_id == shown[DOCUMENT_ID]


def test_the_nodes_message_log_verifies_and_traces_the_document(demo_lab: Lab, tmp_path: Path) -> None:
    assert Sent.document_id, "the send test did not run"
    copied = demo_lab.ssh(node(demo_lab), f"sudo cat {NODE_LOG}")
    assert copied.returncode == 0, copied.stderr
    log = tmp_path / "lgsp-01.log"
    log.write_text(copied.stdout, encoding="utf-8")

    verified = run_provcloud("axis", "verify", str(log))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    traced = run_provcloud("axis", "trace", Sent.document_id, str(log))
    assert traced.returncode == 0, traced.stdout + traced.stderr
    for event in ("sent", "received", "notice"):
        assert event in traced.stdout, traced.stdout

    original = log.read_text(encoding="utf-8")
    edited = original.replace('"event":"received"', '"event":"refused"', 1)
    assert edited != original
    log.write_text(edited, encoding="utf-8")
    assert run_provcloud("axis", "verify", str(log)).returncode == 1, "a log edited by hand must fail verification"


def test_a_second_converge_of_the_exchange_changes_nothing(demo_lab: Lab) -> None:
    result = demo_lab.converge("--limit", "lgsp_nodes:national_peer", "--tags", "exchange")
    assert result.returncode == 0, result.stdout[-3000:]
    changed = {host: run.get("changed_tasks") for host, run in demo_lab.last_run().items() if run.get("changed_tasks")}
    assert not changed, f"a second converge changed: {changed}"
