"""The document-system adapter's refusals: what an operator sees when the layout or a status is wrong."""

from datetime import date, datetime

import pytest

from docsystem.fake_mayan import ADMIN, FakeMayan, serving
from exchange.conftest import FINANCE_H49, HEALTH_H29, LETTER, Axis, agency_layout
from provcloud.edxml.model import Organ, ResponseFor, Status, StatusNotice
from provcloud.errors import UserError
from provcloud.exchange.mayan import (
    DOCUMENT_ID,
    INBOX,
    DocsystemError,
    DocsystemUnavailable,
    MayanFiling,
    OutboxDocument,
)
from provcloud.exchange.outbox import package


def test_an_agency_without_the_exchange_cabinets_is_named() -> None:
    mayan = FakeMayan()
    mayan.add("cabinets", {"label": f"{HEALTH_H29.organ_id} — {HEALTH_H29.organ_name}", "parent": None})
    mayan.tokens["t"] = mayan.user(ADMIN)["id"]
    with serving(mayan) as url:
        filing = MayanFiling(url, "t")
        with pytest.raises(DocsystemError, match=r"agency 000.05.00.H29 has no 'inbox' cabinet under its cabinet"):
            filing.cabinet(HEALTH_H29.organ_id, INBOX)
        with pytest.raises(DocsystemError, match=r"the document system has no cabinet for agency 000.01.00.H01"):
            filing.cabinet("000.01.00.H01", INBOX)


def test_a_document_system_that_fails_is_unavailable_not_a_refusal() -> None:
    mayan = FakeMayan()
    agency_layout(mayan, HEALTH_H29)
    mayan.tokens["t"] = mayan.user(ADMIN)["id"]
    mayan.fail_with = 502
    with serving(mayan) as url, pytest.raises(DocsystemUnavailable, match="HTTP 502"):
        MayanFiling(url, "t").outbox(HEALTH_H29.organ_id)


def test_a_status_from_an_agency_that_is_not_a_recipient_is_not_shown(axis: Axis) -> None:
    h49 = axis.h49
    sent = h49.outbox_document(LETTER, "140", HEALTH_H29.organ_id)
    h49.send()
    intruder = Organ("000.09.00.H29", "Sở khác")
    notice = StatusNotice(
        ResponseFor(FINANCE_H49.organ_id, "140/STC-NS", date(2026, 12, 3), "000.03.00.H49,2026/12/03,140/STC-NS"),
        intruder,
        Status.DONE,
        datetime(2026, 12, 4, 9, 0),
    )
    with pytest.raises(DocsystemError, match=r"000.09.00.H29 sent a status for .* but is not one of its recipients"):
        h49.filing.record_status(notice)
    assert h49.mayan.comments.get(sent) is None


def test_an_outbox_document_without_a_number_is_named() -> None:
    item = OutboxDocument(7, {"exchange_recipients": HEALTH_H29.organ_id, "exchange_subject": "x"}, "a.pdf", b"%PDF")
    with pytest.raises(UserError, match=r"outbox document 7 of 000.03.00.H49: metadata exchange_number is empty"):
        package(item, FINANCE_H49, {}, "Hạ Long")


def test_a_status_reads_the_metadata_of_its_own_document_only(axis: Axis) -> None:
    """A busy outbox is not read document by document for every notice: the node knows which
    document it sent as which DocumentId."""
    h49 = axis.h49
    documents = {number: h49.outbox_document(LETTER, str(number), HEALTH_H29.organ_id) for number in range(150, 160)}
    h49.send()
    sent = documents[155]
    document_id = h49.filing.metadata(sent)[DOCUMENT_ID][1]
    h49.mayan.requests.clear()
    h49.filing.record_status(
        StatusNotice(
            ResponseFor(FINANCE_H49.organ_id, "155/STC-NS", date(2026, 12, 3), document_id),
            HEALTH_H29,
            Status.ACCEPTED,
            datetime(2026, 12, 4, 9, 0),
        )
    )
    read = [path for method, path in h49.mayan.requests if method == "GET" and "/metadata/" in path]
    assert read and set(read) == {f"documents/{sent}/metadata/"}, read
    assert h49.mayan.comments[sent]
