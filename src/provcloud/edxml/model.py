"""The edXML message as typed data: an official document (văn bản) and a status notice about one.

Element names follow QCVN 102:2016/BTTTT (amended 2022); docs/document-axis.md
says which parts are the standard's and which are this project's reading of it. The XML itself is
written by `provcloud.edxml.build` and read by `provcloud.edxml.parse`; nothing here knows XML.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import Enum

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DATE_FORMAT = "%Y/%m/%d"
"""PromulgationDate as the national axis writes it: 2026/12/04."""
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"
"""TraceHeader and status Timestamp: 2026/12/04 08:30:00, Vietnam time (UTC+7) — the format carries
no offset, so the model's datetimes are naive and mean Vietnam time."""
VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")


def vietnam_now() -> datetime:
    """Now, as the naive Vietnam time edXML timestamps carry."""
    return datetime.now(VIETNAM_TIME).replace(microsecond=0, tzinfo=None)


@dataclass(frozen=True)
class Organ:
    """A sending or receiving agency (`From` / `To`): its identifier code under QĐ 20/2020."""

    organ_id: str
    organ_name: str
    organization_in_charge: str = ""


@dataclass(frozen=True)
class DocumentCode:
    """The document's number and notation (số, ký hiệu): 123 / UBND-VP."""

    number: str
    notation: str

    def __str__(self) -> str:
        return f"{self.number}/{self.notation}" if self.notation else self.number


@dataclass(frozen=True)
class Promulgation:
    """Where and when the document was issued (ban hành)."""

    place: str
    date: date


@dataclass(frozen=True)
class DocumentType:
    """The kind of document: Type 1 with TypeName Công văn (official letter), and so on."""

    type: int
    type_name: str


@dataclass(frozen=True)
class Signer:
    """Who signed the document on paper terms (người ký): competence, position, full name."""

    full_name: str
    position: str = ""
    competence: str = ""


@dataclass(frozen=True)
class OtherInfo:
    """Priority (độ khẩn), sphere of promulgation, typist's initials, copies, pages, direction."""

    priority: int = 0
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int = 1
    page_amount: int = 1
    direction: bool = False


@dataclass(frozen=True)
class TraceHeader:
    """One hop the message passed: the organ (or node) and when."""

    organ_id: str
    timestamp: datetime


@dataclass(frozen=True)
class Attachment:
    """A file carried in the message (the document itself, usually a signed PDF, and annexes)."""

    content_id: str
    """Without the `cid:` prefix the manifest writes in front of it."""
    name: str
    content_type: str
    content: bytes = field(repr=False)
    description: str = ""

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Document:
    """An official document message (edoc): header fields, the trace, and its attachments."""

    sender: Organ
    recipients: tuple[Organ, ...]
    document_id: str
    code: DocumentCode
    promulgation: Promulgation
    document_type: DocumentType
    subject: str
    signer: Signer
    content: str = ""
    other_info: OtherInfo = OtherInfo()
    steering_type: int = 0
    trace: tuple[TraceHeader, ...] = ()
    attachments: tuple[Attachment, ...] = ()


def document_id_for(sender: str, promulgated: date, code: DocumentCode) -> str:
    """The DocumentId the national axis expects: `<sender org code>,<yyyy/MM/dd>,<number>/<notation>`."""
    return f"{sender},{promulgated.strftime(DATE_FORMAT)},{code}"


class Status(Enum):
    """Where a received document stands, as the receiver reports it back to the sender."""

    INBOX = "01"
    """Arrived (đã đến): filed in the receiver's inbox, not yet looked at."""
    REJECTED = "02"
    """Refused (từ chối tiếp nhận): not filed; Description says why."""
    ACCEPTED = "03"
    """Accepted (đã tiếp nhận) and registered as an incoming document."""
    PROCESSING = "05"
    """Being handled (đang xử lý)."""
    DONE = "06"
    """Handled (hoàn thành)."""
    FAILED = "99"
    """Could not be delivered or filed for a technical reason (this project's code, see DOMAIN.md)."""

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class ResponseFor:
    """Which document a status notice answers."""

    organ_id: str
    code: str
    promulgation_date: date
    document_id: str


@dataclass(frozen=True)
class StaffInfo:
    """The person at the receiver who set the status."""

    department: str = ""
    staff: str = ""
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class StatusNotice:
    """A status notice (thông báo trạng thái) the receiver sends back about a document."""

    response_for: ResponseFor
    sender: Organ
    status: Status
    timestamp: datetime
    description: str = ""
    staff: StaffInfo = StaffInfo()


Message = Document | StatusNotice
