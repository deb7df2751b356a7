"""An exchange node: a province's (delivers to its own agencies, the rest through the national peer)
or the national peer (routes by province). Every event goes to the node's MessageLog."""

import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from provcloud.edxml.certificates import TrustList
from provcloud.edxml.errors import MessageRefused
from provcloud.edxml.model import Document, ResponseFor, Status, StatusNotice
from provcloud.edxml.notices import notice_for, receive
from provcloud.edxml.parse import parse
from provcloud.edxml.signing import verify
from provcloud.exchange.agencies import SigningAgency
from provcloud.exchange.filing import Filing
from provcloud.exchange.queue import Outbound, OutboundQueue, State
from provcloud.exchange.receipts import Receipts
from provcloud.exchange.transport import Reply, Unreachable, post
from provcloud.message_log import Event, MessageLog, entry_for

MESSAGES = "messages"
NOTICES = "notices"


class Routes(Protocol):
    def endpoint(self, organ_id: str) -> str: ...


class Refused(Exception):
    """Answered 4xx with `reason`: nothing can be answered as a notice (no readable DocumentId, wrong recipient)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class Local:
    """What a province node has that the national peer does not: its agencies and their document system."""

    agencies: Mapping[str, SigningAgency]
    """By OrganId."""
    filing: Filing
    receipts: Receipts
    queue: OutboundQueue


@dataclass
class Node:
    name: str
    endpoint: str
    """This node's own endpoint, as `routes` names it."""
    routes: Routes
    trust: TrustList
    log: MessageLog
    local: Local | None = None
    tls: ssl.SSLContext | None = None
    """How this node calls the others (its client certificate, the CAs it trusts); None: plain HTTP."""
    guard: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    """Held while the log, queue and receipts change (requests, the outbox pass, marking a send);
    never while waiting for another node, which may be this one."""

    def handle(self, kind: str, to: str, data: bytes) -> Reply:
        """A message or notice for `to`: forwarded, or (here) received. Refused -> 4xx; Unreachable -> 503."""
        endpoint = self.routes.endpoint(to)
        if endpoint != self.endpoint:
            return self.forward(kind, to, data, endpoint)
        if self.local is None or to not in self.local.agencies:
            raise Refused(f"no agency {to} at {self.name}", 404)
        if kind == MESSAGES:
            return Reply(200, self.receive(data, self.local, self.local.agencies[to]))
        self.notice(data, self.local)
        return Reply(200, b"")

    def forward(self, kind: str, to: str, data: bytes, endpoint: str) -> Reply:
        try:
            message = parse(data)
        except MessageRefused as refused:
            raise Refused(refused.reason) from None
        at = datetime.now(UTC)  # when it was handed on: the receiver's events come after, in a trace
        reply = post(endpoint, kind, to, data, context=self.tls)
        self.log.append(entry_for(data, message, node=self.name, event=Event.FORWARDED, reason=f"to {endpoint}", at=at))
        return reply

    def receive(self, data: bytes, local: Local, recipient: SigningAgency) -> bytes:
        receipt = receive(data, self.trust, recipient.organ)
        if receipt.notice is None:
            raise Refused(receipt.reason or "a status notice was sent as a message")
        if receipt.verified is None:
            answer = recipient.sign(receipt.notice)
            claimed = parse(data)
            self.log.append(entry_for(data, claimed, node=self.name, event=Event.REFUSED, reason=receipt.reason))
            self.log.append(entry_for(answer, receipt.notice, node=self.name, event=Event.NOTICE))
            return answer
        document = receipt.verified.message
        assert isinstance(document, Document)  # receive answers only documents
        if recipient.organ.organ_id not in {organ.organ_id for organ in document.recipients}:
            raise Refused(f"{recipient.organ.organ_id} is not a recipient of {document.document_id}")
        known = local.receipts.answer(document.document_id, document.sender.organ_id, recipient.organ.organ_id)
        self.log.append(entry_for(data, document, node=self.name, event=Event.RECEIVED))
        if known is not None:
            return known  # the same document again: the first answer, nothing filed twice
        local.filing.file(document, recipient.organ.organ_id, data)
        answer = recipient.sign(receipt.notice)
        local.receipts.record(document.document_id, document.sender.organ_id, recipient.organ.organ_id, answer)
        self.log.append(entry_for(answer, receipt.notice, node=self.name, event=Event.NOTICE))
        return answer

    def notice(self, data: bytes, local: Local) -> StatusNotice:
        """A verified status notice about one of our agencies' documents: shown on that document."""
        try:
            message = verify(data, self.trust).message
        except MessageRefused as refused:
            raise Refused(refused.reason) from None
        if not isinstance(message, StatusNotice):
            raise Refused("a document was sent as a status notice")
        local.filing.record_status(message)
        self.log.append(entry_for(data, message, node=self.name, event=Event.NOTICE))
        return message

    def send(self, document: Document, data: bytes) -> None:
        """Queue a signed document for each of its recipients."""
        local = self._local()
        for recipient in document.recipients:
            if local.queue.enqueue(document.document_id, recipient.organ_id, data):
                self.log.append(entry_for(data, document, node=self.name, event=Event.SENT))

    def report(self, document: Document, recipient: str, status: Status, description: str = "") -> None:
        """The recipient agency's status (accepted, processing, done) on a document, queued back to its sender."""
        local = self._local()
        self._queue_notice(
            notice_for(document, local.agencies[recipient].organ, status, datetime.now(UTC), description)
        )

    def report_for(self, response_for: ResponseFor, recipient: str, status: Status, description: str = "") -> bool:
        """`report` for a filed document known by its metadata; False when that status was queued already."""
        local = self._local()
        notice = notice_for(response_for, local.agencies[recipient].organ, status, datetime.now(UTC), description)
        return self._queue_notice(notice)

    def _queue_notice(self, notice: StatusNotice) -> bool:
        """Sign and queue a notice once per document, recipient and status."""
        local = self._local()
        data = local.agencies[notice.sender.organ_id].sign(notice)
        key = f"{notice.response_for.document_id} {notice.sender.organ_id} {notice.status.label}"
        if not local.queue.enqueue(key, notice.response_for.organ_id, data, kind=NOTICES):
            return False
        self.log.append(entry_for(data, notice, node=self.name, event=Event.NOTICE))
        return True

    def deliver_due(self, *, now: datetime | None = None) -> int:
        """Send what is due from the queue; how many were answered. Takes `guard` itself, around the
        queue only: the post may reach this very node (an agency writing to one of the province's)."""
        local = self._local()
        answered = 0
        with self.guard:
            rows = local.queue.due(now=now)
        for row in rows:
            try:
                reply = post(
                    self.routes.endpoint(row.recipient), row.kind, row.recipient, row.message, context=self.tls
                )
            except Unreachable as error:
                with self.guard:
                    local.queue.retry_later(row.document_id, row.recipient, str(error))
                continue
            answered += 1
            with self.guard:
                self._answered(local, row, reply)
        return answered

    def _answered(self, local: Local, row: Outbound, reply: Reply) -> None:
        """Record the other side's answer to one send."""
        if reply.status != 200:
            local.queue.mark(row.document_id, row.recipient, State.FAILED, reply.body[:500].decode(errors="replace"))
            return
        if row.kind == NOTICES:
            local.queue.mark(row.document_id, row.recipient, State.DELIVERED)
            return
        notice = self.notice(reply.body, local)
        state = State.FAILED if notice.status is Status.REJECTED else State.SENT
        local.queue.mark(row.document_id, row.recipient, state, notice.description)

    def _local(self) -> Local:
        if self.local is None:
            raise RuntimeError(f"{self.name} is a routing node: it neither sends nor files")
        return self.local
