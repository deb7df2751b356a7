"""The document exchange on the converged demo lab (issue 12): an agency's clerk puts a document with
its exchange metadata in the agency's outbox, through the LGSP node like any agency system; the
exchange node on the LGSP node signs it with the agency's certificate, sends it over mutual TLS,
files it in the other agency's inbox, and the status comes back on the sender's document. First
inside the demo province, then to the second lab province (demo2) through demo's national peer: a
letter across provinces, a letter altered on the way, a letter sent while the national peer is
down. Every node's message log verifies and traces the documents.

The tests build on each other in file order (the documents sent first are the ones traced)."""

import base64
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from conftest import ROOT, run_provcloud
from lab.agency_clients import agency_client
from lab.conftest import Lab, docsystem_of
from lab.gateway_calls import Consumer, tenant_addresses
from provcloud.catalogue.service_machine import MachineRole
from provcloud.commands.exchange_sample import NODE_LOG, wait_until
from provcloud.docsystem_client import AgencyClient, DocsystemState, sample_pdf
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
ACROSS = "so-noi-vu"
"""The recipient in the second lab province (provinces/demo2.yml)."""
SUBJECT_TEXT = "Về việc phối hợp chuyển đổi số năm 2027"
TAMPER_SCRIPT = ROOT / "tests" / "lab" / "on_node" / "tamper_letter.py"
EXCHANGE_PYTHON = "/opt/provcloud-exchange/current/venv/bin/python"
SETTINGS = "/etc/provcloud-exchange/node.yml"


class Sent:
    """What the earlier tests sent, for the later ones."""

    document_id = ""
    across = ""
    altered = ""


def node(lab: Lab) -> str:
    return lab.province.machines_with_role(MachineRole.lgsp_node)[0].name


def organ(lab: Lab, slug: str) -> str:
    return lab.province.agencies_by_slug[slug].org_code


@pytest.fixture(scope="module")
def second_tenants(second_lab: Lab) -> Iterator[dict[str, Consumer]]:
    with tenant_addresses(second_lab) as found:
        yield found


@pytest.fixture(scope="module")
def second_docsystem(second_lab: Lab) -> DocsystemState:
    return docsystem_of(second_lab)


class Across(NamedTuple):
    """The sender in demo and the recipient in demo2, each through its own province's LGSP node."""

    sender: AgencyClient
    recipient: AgencyClient


@pytest.fixture(scope="module")
def across(
    demo_lab: Lab,
    second_lab: Lab,
    tenants: dict[str, Consumer],
    docsystem: DocsystemState,
    second_tenants: dict[str, Consumer],
    second_docsystem: DocsystemState,
) -> Across:
    return Across(
        agency_client(demo_lab, tenants, docsystem, FROM),
        agency_client(second_lab, second_tenants, second_docsystem, ACROSS),
    )


def put_in_outbox(sender: AgencyClient, docsystem: DocsystemState, to: str) -> tuple[int, str, bytes]:
    """A new letter of FROM for the agency coded `to`, in FROM's outbox: (document, number, content)."""
    number = str(random.randint(100, 999999))  # a new DocumentId on a lab that has run this before
    content = sample_pdf(f"Cong van so {number}/VP-UBND")
    document_type = docsystem.agencies[FROM]["document_type_id"]
    uploaded = sender.upload(document_type, f"cong-van-{number}.pdf", content)
    assert uploaded.status == 201, uploaded.body[:300]
    document = int(uploaded.json()["id"])
    sender.wait_for_file(document)
    values = {RECIPIENTS: to, NUMBER: number, NOTATION: "VP-UBND", DATE: vietnam_now().date().isoformat(),
              SUBJECT: SUBJECT_TEXT}  # fmt: skip
    sender.set_metadata(document, values, sender.metadata_types(document_type))
    assert sender.add_to_cabinet(docsystem.exchange_cabinets[FROM][OUTBOX], document).status in (200, 201, 204)
    return document, number, content


def inbox_of(recipient: AgencyClient, docsystem: DocsystemState, slug: str) -> list[dict[str, object]]:
    return list(recipient.cabinet_documents(docsystem.exchange_cabinets[slug][INBOX]).json()["results"])


def filed_with_number(recipient: AgencyClient, docsystem: DocsystemState, slug: str, number: str) -> list[int]:
    """The documents of the agency's inbox that carry the letter number `number`."""
    found = [int(str(item["id"])) for item in inbox_of(recipient, docsystem, slug)]
    return [document for document in found if recipient.metadata(document).get(NUMBER) == number]


def check_filed(recipient: AgencyClient, received: int, number: str, content: bytes, sender_code: str) -> str:
    """The filed document is the one sent, byte for byte, with its metadata; its DocumentId."""
    answer, body = recipient.download(received, recipient.wait_for_file(received))
    assert answer.status == 200 and body == content, "the filed document differs from the one sent"
    shown = recipient.metadata(received)
    assert (shown[NUMBER], shown[NOTATION], shown[SUBJECT]) == (number, "VP-UBND", SUBJECT_TEXT)
    assert shown[SENDER] == sender_code
    return shown[DOCUMENT_ID]


def follow_statuses(
    sender: AgencyClient, document: int, recipient: AgencyClient, received: int, types: dict[str, int], code: str
) -> None:
    """`inbox` on the sender's document, then the recipient's clerk takes the letter up and closes
    it, and the sender sees each."""
    status = wait_until("the status on the sender's document", lambda: sender.metadata(document).get(STATUS))
    assert status == f"{code}: inbox"
    for label in ("accepted", "done"):
        recipient.set_metadata(received, {STATUS: label}, types)
        shown_status = f"{code}: {label}"
        wait_until(shown_status, lambda: sender.metadata(document).get(STATUS) == shown_status)  # noqa: B023


def test_a_document_in_an_outbox_is_filed_in_the_recipients_inbox_byte_identical(
    demo_lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState
) -> None:
    sender, recipient = (agency_client(demo_lab, tenants, docsystem, slug) for slug in (FROM, TO))
    document, number, content = put_in_outbox(sender, docsystem, organ(demo_lab, TO))

    filed = wait_until(f"a document in {TO}'s inbox", lambda: inbox_of(recipient, docsystem, TO))
    assert len(filed) == 1, [item["label"] for item in filed]
    received = int(str(filed[0]["id"]))
    document_id = check_filed(recipient, received, number, content, organ(demo_lab, FROM))
    types = recipient.metadata_types(docsystem.agencies[TO]["document_type_id"])
    follow_statuses(sender, document, recipient, received, types, organ(demo_lab, TO))
    Sent.document_id = sender.metadata(document)[DOCUMENT_ID]
    assert Sent.document_id == document_id


def test_a_document_for_another_province_goes_through_the_national_peer_and_is_filed_there(
    demo_lab: Lab, second_lab: Lab, across: Across, docsystem: DocsystemState, second_docsystem: DocsystemState
) -> None:
    sender, recipient = across
    document, number, content = put_in_outbox(sender, docsystem, organ(second_lab, ACROSS))

    filed = wait_until(
        f"the letter in {ACROSS}'s inbox in {second_lab.province.slug}",
        lambda: filed_with_number(recipient, second_docsystem, ACROSS, number),
    )
    assert len(filed) == 1, filed
    document_id = check_filed(recipient, filed[0], number, content, organ(demo_lab, FROM))
    types = recipient.metadata_types(second_docsystem.agencies[ACROSS]["document_type_id"])
    follow_statuses(sender, document, recipient, filed[0], types, organ(second_lab, ACROSS))
    Sent.across = sender.metadata(document)[DOCUMENT_ID]
    assert Sent.across == document_id


def test_a_letter_altered_on_the_way_is_rejected_with_the_reason_and_filed_nowhere(
    demo_lab: Lab, second_lab: Lab, across: Across, second_docsystem: DocsystemState
) -> None:
    assert Sent.across, "the cross-province test did not run"
    _, recipient = across
    before = len(inbox_of(recipient, second_docsystem, ACROSS))
    script = base64.b64encode(TAMPER_SCRIPT.read_bytes()).decode()
    sent = demo_lab.ssh(
        node(demo_lab),
        f"echo {script} | base64 -d > /tmp/tamper_letter.py && "
        f"sudo -n {EXCHANGE_PYTHON} /tmp/tamper_letter.py {SETTINGS} '{Sent.across}' {organ(second_lab, ACROSS)}",
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    answer = json.loads(sent.stdout.strip().splitlines()[-1])
    assert (answer["http"], answer["status"]) == (200, "rejected"), answer
    assert "changed after it was signed" in str(answer["description"]), answer  # the reason, for the clerk
    assert len(inbox_of(recipient, second_docsystem, ACROSS)) == before, "an altered letter was filed"
    Sent.altered = str(answer["document_id"])


def test_a_letter_sent_while_the_national_peer_is_down_waits_and_is_delivered_once_after(
    demo_lab: Lab, second_lab: Lab, across: Across, docsystem: DocsystemState, second_docsystem: DocsystemState
) -> None:
    peer = demo_lab.province.machines_with_role(MachineRole.national_peer)[0].name
    sender, recipient = across
    stopped = demo_lab.ssh(peer, "sudo -n systemctl stop provcloud-exchange")
    assert stopped.returncode == 0, stopped.stderr
    try:
        document, number, _ = put_in_outbox(sender, docsystem, organ(second_lab, ACROSS))
        tried = wait_until("a failed attempt through the stopped peer", lambda: attempts(demo_lab, document, sender))
        assert not filed_with_number(recipient, second_docsystem, ACROSS, number), "delivered with the peer down"
    finally:
        started = demo_lab.ssh(peer, "sudo -n systemctl start provcloud-exchange")
    assert started.returncode == 0, started.stderr
    assert tried >= 1
    filed = wait_until("the waiting letter once the peer is back", lambda: filed_with_number(
        recipient, second_docsystem, ACROSS, number))  # fmt: skip
    wait_until("inbox on the sender's document", lambda: sender.metadata(document).get(STATUS))
    assert len(filed_with_number(recipient, second_docsystem, ACROSS, number)) == len(filed) == 1, "filed twice"


def attempts(lab: Lab, document: int, sender: AgencyClient) -> int:
    """How many sends of the letter failed so far (the node's queue); 0 until the node packaged it."""
    document_id = sender.metadata(document).get(DOCUMENT_ID)
    if not document_id:
        return 0
    query = (
        "import sqlite3, sys; row = sqlite3.connect(sys.argv[1]).execute("
        '"SELECT attempts FROM outbound WHERE document_id = ? AND length(last_error) > 0", (sys.argv[2],)).fetchone(); '
        "print(row[0] if row else 0)"
    )
    shown = lab.ssh(node(lab), f"sudo -n python3 -c '{query}' /var/lib/provcloud-exchange/queue.sqlite '{document_id}'")
    assert shown.returncode == 0, shown.stderr
    return int(shown.stdout.strip() or 0)


def node_log(lab: Lab, machine: str, folder: Path) -> Path:
    copied = lab.ssh(machine, f"sudo cat {NODE_LOG}")
    assert copied.returncode == 0, copied.stderr
    log = folder / f"{lab.province.slug}-{machine}.log"
    log.write_text(copied.stdout, encoding="utf-8")
    return log


def test_every_nodes_message_log_verifies_and_traces_the_documents(
    demo_lab: Lab, second_lab: Lab, tmp_path: Path
) -> None:
    assert Sent.document_id and Sent.across, "the send tests did not run"
    peer = demo_lab.province.machines_with_role(MachineRole.national_peer)[0].name
    logs = [node_log(demo_lab, node(demo_lab), tmp_path), node_log(demo_lab, peer, tmp_path),
            node_log(second_lab, node(second_lab), tmp_path)]  # fmt: skip
    for log in logs:
        verified = run_provcloud("axis", "verify", str(log))
        assert verified.returncode == 0, verified.stdout + verified.stderr

    traced = run_provcloud("axis", "trace", Sent.document_id, str(logs[0]))
    assert traced.returncode == 0, traced.stdout + traced.stderr
    for event in ("sent", "received", "notice"):
        assert event in traced.stdout, traced.stdout
    across = run_provcloud("axis", "trace", Sent.across, *map(str, logs))
    assert across.returncode == 0, across.stdout + across.stderr
    for where in ("lgsp-01", peer, "forwarded", "received", "accepted", "done"):
        assert where in across.stdout, across.stdout
    altered = run_provcloud("axis", "trace", Sent.altered, str(logs[2]))
    assert altered.returncode == 0 and "refused" in altered.stdout, altered.stdout + altered.stderr

    log = logs[0]
    original = log.read_text(encoding="utf-8")
    edited = original.replace('"event":"received"', '"event":"refused"', 1)
    assert edited != original
    log.write_text(edited, encoding="utf-8")
    assert run_provcloud("axis", "verify", str(log)).returncode == 1, "a log edited by hand must fail verification"


@pytest.mark.parametrize("which", ["demo_lab", "second_lab"])
def test_a_second_converge_of_the_exchange_changes_nothing(which: str, request: pytest.FixtureRequest) -> None:
    lab: Lab = request.getfixturevalue(which)
    result = lab.converge("--limit", "lgsp_nodes:national_peer", "--tags", "exchange")
    assert result.returncode == 0, result.stdout[-3000:]
    changed = {host: run.get("changed_tasks") for host, run in lab.last_run().items() if run.get("changed_tasks")}
    assert not changed, f"a second converge of {lab.province.slug} changed: {changed}"
