"""Issue 12's done-when, in-process: two provinces and the national peer over loopback HTTP."""

from datetime import UTC, datetime, timedelta

from axis.pki import Issued, agency_certificate
from conftest import run_provcloud
from exchange.conftest import LETTER, Axis, Province, agency_layout
from provcloud.edxml.model import Document, Organ, Status
from provcloud.edxml.parse import parse
from provcloud.exchange.agencies import SigningAgency
from provcloud.exchange.mayan import STATUS
from provcloud.exchange.queue import State
from provcloud.exchange.transport import post
from provcloud.message_log import trace


def statuses(side: Province, document: int) -> list[str]:
    return [comment.split()[1] for comment in side.mayan.comments.get(document, [])]


def queued(side: Province) -> Document:
    assert side.node.local is not None
    message = parse(side.node.local.queue.all()[-1].message)
    assert isinstance(message, Document)
    return message


def test_a_letter_arrives_byte_identical_and_its_statuses_flow_back(axis: Axis) -> None:
    h49, h29 = axis.h49, axis.h29
    sent = h49.outbox_document(LETTER, "125", h29.agency.organ_id)
    assert h49.send() == 1
    assert h49.send() == 0, "a document already sent is not packaged again"
    assert h49.node.deliver_due() == 1

    [filed] = h29.documents_in("inbox")
    assert h29.mayan.files[filed][0]["content"] == LETTER, "the file arrives byte-identical"
    values = {value["metadata_type"]["name"]: value["value"] for value in h29.mayan.document_metadata[filed]}
    assert values == {
        "exchange_number": "125",
        "exchange_notation": "STC-NS",
        "exchange_date": "2026-12-03",
        "exchange_subject": "Về việc quyết toán",
        "exchange_sender": "000.03.00.H49",
        "exchange_document_id": "000.03.00.H49,2026/12/03,125/STC-NS",
    }
    assert statuses(h49, sent) == ["inbox"]

    document = queued(h49)
    h29.node.report(document, h29.agency.organ_id, Status.ACCEPTED)
    h29.node.report(document, h29.agency.organ_id, Status.DONE, "Đã xử lý xong")
    assert h29.node.deliver_due() == 2
    assert statuses(h49, sent) == ["inbox", "accepted", "done"]
    status = {value["metadata_type"]["name"]: value["value"] for value in h49.mayan.document_metadata[sent]}[STATUS]
    assert status == "000.05.00.H29: done"

    result = run_provcloud("axis", "verify", *map(str, axis.logs))
    assert result.returncode == 0, result.stdout + result.stderr
    trace = run_provcloud("axis", "trace", document.document_id, *map(str, axis.logs))
    assert trace.returncode == 0, trace.stdout + trace.stderr


def test_a_tampered_message_is_rejected_with_the_reason_and_filed_nowhere(axis: Axis) -> None:
    h49, h29 = axis.h49, axis.h29
    h49.outbox_document(LETTER, "126", h29.agency.organ_id)
    h49.send()
    assert h49.node.local is not None
    signed = h49.node.local.queue.all()[0].message
    tampered = signed.replace("Về việc quyết toán".encode(), "Về việc chuyển tiền".encode())
    reply = post(h49.node.endpoint, "messages", h29.agency.organ_id, tampered)
    notice = parse(reply.body)
    assert reply.status == 200
    assert not isinstance(notice, Document)
    assert notice.status is Status.REJECTED
    assert notice.description.startswith("digest mismatch: the message was changed after it was signed")
    assert h29.documents_in("inbox") == []
    assert any('"event":"refused"' in line for line in h29.log.read_text().splitlines())
    assert run_provcloud("axis", "verify", *map(str, axis.logs)).returncode == 0


def test_with_the_national_peer_down_the_send_waits_and_is_delivered_once_after(axis: Axis) -> None:
    h49, h29 = axis.h49, axis.h29
    assert h49.node.local is not None
    h49.outbox_document(LETTER, "127", h29.agency.organ_id)
    h49.send()
    axis.national_down()
    assert h49.node.deliver_due() == 0
    [row] = h49.node.local.queue.all()
    assert (row.state, row.attempts) == (State.QUEUED, 1)
    assert "127.0.0.1" in row.last_error
    assert h29.documents_in("inbox") == []
    axis.national_up()
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert h49.node.deliver_due(now=later) == 1
    assert h49.node.deliver_due(now=later + timedelta(hours=1)) == 0
    assert len(h29.documents_in("inbox")) == 1
    assert h49.node.local.queue.all()[0].state is State.SENT


def test_the_same_document_twice_files_once_and_answers_the_first_answer(axis: Axis) -> None:
    h49, h29 = axis.h49, axis.h29
    assert h49.node.local is not None
    h49.outbox_document(LETTER, "128", h29.agency.organ_id)
    h49.send()
    signed = h49.node.local.queue.all()[0].message
    first = post(h49.node.endpoint, "messages", h29.agency.organ_id, signed)
    second = post(h49.node.endpoint, "messages", h29.agency.organ_id, signed)
    assert first.status == second.status == 200
    assert second.body == first.body
    assert len(h29.documents_in("inbox")) == 1
    assert run_provcloud("axis", "verify", *map(str, axis.logs)).returncode == 0


def test_inside_one_province_agency_to_agency_goes_without_the_national_hop(axis: Axis, cas: dict[str, Issued]) -> None:
    h49 = axis.h49
    assert h49.node.local is not None
    commune = Organ("000.00.001.H49", "UBND phường Hồng Gai")
    agency_layout(h49.mayan, commune)
    signing = agency_certificate(cas["H49"], commune.organ_id)
    h49.node.local.agencies = {
        **h49.node.local.agencies,
        commune.organ_id: SigningAgency(commune, signing.key, [signing.certificate]),
    }
    h49.outbox_document(LETTER, "131", commune.organ_id)
    h49.send()
    axis.national_down()  # not needed: the letter never leaves the province
    assert h49.node.deliver_due() == 1, h49.node.local.queue.all()[0].last_error
    inbox = h49.filing.cabinet(commune.organ_id, "inbox")
    [filed] = h49.mayan.cabinet_documents[inbox]
    assert h49.mayan.files[filed][0]["content"] == LETTER
    assert not axis.national_log.exists(), "the national peer saw nothing"


def test_a_trace_across_the_nodes_shows_the_letters_way_in_order(axis: Axis) -> None:
    """The national peer's `forwarded` is dated when it handed the letter on, so it comes between the
    sender's `sent` and the receiver's `received` — not after, when the receiver's answer came back."""
    h49, h29 = axis.h49, axis.h29
    h49.outbox_document(LETTER, "126", h29.agency.organ_id)
    h49.send()
    h49.node.deliver_due()
    document = queued(h49)
    events = [(logged.entry.node, logged.entry.event.value) for logged in trace(document.document_id, axis.logs)]
    assert events[:3] == [(h49.node.name, "sent"), (axis.national.name, "forwarded"), (h29.node.name, "received")]
