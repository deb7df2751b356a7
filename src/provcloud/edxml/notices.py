"""What a receiver answers: `inbox` for a message it verified, `rejected` with the reason otherwise."""

from dataclasses import dataclass
from datetime import datetime

from provcloud.edxml.certificates import TrustList
from provcloud.edxml.errors import MessageRefused
from provcloud.edxml.model import (
    VIETNAM_TIME,
    Document,
    Organ,
    ResponseFor,
    StaffInfo,
    Status,
    StatusNotice,
    vietnam_now,
)
from provcloud.edxml.parse import DEFAULT_LIMITS, Limits, parse
from provcloud.edxml.signing import Verified, verify

NO_STAFF = StaffInfo()
DESCRIPTION_MAX = 2000
"""The schema's limit for a status Description."""


@dataclass(frozen=True)
class Receipt:
    """The outcome of receiving one message."""

    verified: Verified | None
    """The verified message; None when it was refused."""
    notice: StatusNotice | None
    """The notice to send back; None when nothing can be answered (a notice, or no readable DocumentId)."""
    reason: str = ""
    """Why it was refused, for the message log."""


def notice_for(
    about: Document | ResponseFor,
    receiver: Organ,
    status: Status,
    at: datetime,
    description: str = "",
    staff: StaffInfo = NO_STAFF,
) -> StatusNotice:
    """The notice `receiver` sends about a document: the message itself, or (when only its filed
    metadata is at hand) what identifies it to its sender."""
    if isinstance(about, Document):
        about = ResponseFor(about.sender.organ_id, str(about.code), about.promulgation.date, about.document_id)
    return StatusNotice(
        response_for=about,
        sender=receiver,
        status=status,
        timestamp=(at.astimezone(VIETNAM_TIME) if at.tzinfo else at).replace(microsecond=0, tzinfo=None),
        description=description[:DESCRIPTION_MAX],
        staff=staff,
    )


def receive(
    data: bytes, trust: TrustList, receiver: Organ, *, at: datetime | None = None, limits: Limits = DEFAULT_LIMITS
) -> Receipt:
    """Verify `data` and say what to answer. A refused document is answered `rejected` when the
    DocumentId it claims can still be read (the answer then names what was claimed, not what was proven)."""
    moment = at or vietnam_now()
    try:
        verified = verify(data, trust, limits=limits)
    except MessageRefused as refused:
        try:
            claimed = parse(data, limits=limits)
        except MessageRefused:
            return Receipt(None, None, refused.reason)
        if not isinstance(claimed, Document):
            return Receipt(None, None, refused.reason)
        return Receipt(None, notice_for(claimed, receiver, Status.REJECTED, moment, refused.reason), refused.reason)
    if not isinstance(verified.message, Document):
        return Receipt(verified, None)
    return Receipt(verified, notice_for(verified.message, receiver, Status.INBOX, moment))
