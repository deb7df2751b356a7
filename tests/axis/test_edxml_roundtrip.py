"""edXML round trip: every document and notice the model can hold is written valid and read back equal."""

from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from axis.conftest import letter
from axis.pki import agency_certificate, provincial_ca
from provcloud.catalogue.base import ORG_CODE_PATTERN
from provcloud.edxml.build import to_bytes
from provcloud.edxml.certificates import TrustList
from provcloud.edxml.model import (
    Attachment,
    Document,
    DocumentCode,
    DocumentType,
    Organ,
    OtherInfo,
    Promulgation,
    ResponseFor,
    Signer,
    StaffInfo,
    Status,
    StatusNotice,
    TraceHeader,
)
from provcloud.edxml.parse import parse
from provcloud.edxml.signing import sign, verify

# Any text XML 1.0 can carry: no surrogates or C0 controls other than tab, newline, carriage return.
text = st.text(st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("\t\n\r"), max_size=60)
organ_ids = st.from_regex(ORG_CODE_PATTERN, fullmatch=True).filter(lambda code: len(code) <= 35)
counts = st.integers(0, 99999)
dates = st.dates(date(1900, 1, 1), date(2999, 12, 31))
times = st.datetimes(datetime(1900, 1, 1), datetime(2999, 12, 31)).map(lambda moment: moment.replace(microsecond=0))
organs = st.builds(Organ, organ_ids, text, text)
document_ids = st.from_regex(r"[!-~]([ -~]{0,60}[!-~])?", fullmatch=True)
attachment_names = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="/\\"), min_size=1, max_size=40
).filter(lambda name: name.strip(".") != "")
content_types = st.from_regex(r"[a-z][a-z0-9.+\-]{0,15}/[a-z0-9][a-z0-9.+\-]{0,20}", fullmatch=True)


@st.composite
def attachment_lists(draw: st.DrawFn) -> tuple[Attachment, ...]:
    ids = draw(st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._@\-]{0,30}", fullmatch=True), max_size=4, unique=True))
    return tuple(
        Attachment(content_id, draw(attachment_names), draw(content_types), draw(st.binary(max_size=300)), draw(text))
        for content_id in ids
    )


documents = st.builds(
    Document,
    sender=organs,
    recipients=st.lists(organs, min_size=1, max_size=3).map(tuple),
    document_id=document_ids,
    code=st.builds(DocumentCode, text, text),
    promulgation=st.builds(Promulgation, text, dates),
    document_type=st.builds(DocumentType, counts, text),
    subject=text,
    signer=st.builds(Signer, text, text, text),
    content=text,
    other_info=st.builds(OtherInfo, counts, text, text, counts, counts, st.booleans()),
    steering_type=counts,
    trace=st.lists(st.builds(TraceHeader, organ_ids, times), max_size=3).map(tuple),
    attachments=attachment_lists(),
)
notices = st.builds(
    StatusNotice,
    response_for=st.builds(ResponseFor, organ_ids, text, dates, document_ids),
    sender=organs,
    status=st.sampled_from(Status),
    timestamp=times,
    description=text,
    staff=st.builds(StaffInfo, text, text, text, text),
)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_every_document_reads_back_as_written(document: Document) -> None:
    assert parse(to_bytes(document)) == document


@settings(max_examples=100, deadline=None)
@given(notices)
def test_every_status_notice_reads_back_as_written(notice: StatusNotice) -> None:
    assert parse(to_bytes(notice)) == notice


def test_a_letter_keeps_its_attachment_bytes_and_vietnamese_text() -> None:
    document = letter()
    back = parse(to_bytes(document))
    assert isinstance(back, Document)
    assert back.attachments[0].content == document.attachments[0].content
    assert back.subject == "Về việc phối hợp quyết toán kinh phí y tế năm 2026"
    assert back.attachments[0].digest == document.attachments[0].digest


@settings(max_examples=40, deadline=None)
@given(documents)
def test_every_document_signed_verifies_back_as_written(document: Document) -> None:
    ca = _SIGNING_CA
    signing = agency_certificate(ca, document.sender.organ_id)
    assert verify(sign(document, signing.key, [signing.certificate]), TrustList((ca.certificate,))).message == document


_SIGNING_CA = provincial_ca("Property test")
