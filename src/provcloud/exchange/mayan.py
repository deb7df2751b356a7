"""The exchange's side of the document system (Mayan EDMS 4 REST API v4).

Per agency the document system holds (docsystem role): a top-level cabinet labelled `<org code> — <name>`
and a document type labelled the same. The exchange adds, under that cabinet, the child cabinets
`outbox` (what the agency sends) and `inbox` (what it receives), and metadata types named in
METADATA attached to the agency's document type. A document in `outbox` is sent when it carries
`exchange_recipients` (org codes, comma-separated), number, notation, date (yyyy-mm-dd) and subject.
"""

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from provcloud.edxml.model import Document, DocumentCode, ResponseFor, Status, StatusNotice
from provcloud.errors import UserError
from provcloud.exchange.filing import FilingUnavailable

API = "/api/v4/"
OUTBOX = "outbox"
INBOX = "inbox"
RECIPIENTS = "exchange_recipients"
NUMBER = "exchange_number"
NOTATION = "exchange_notation"
DATE = "exchange_date"
SUBJECT = "exchange_subject"
SENDER = "exchange_sender"
DOCUMENT_ID = "exchange_document_id"
STATUS = "exchange_status"
METADATA = (RECIPIENTS, NUMBER, NOTATION, DATE, SUBJECT, SENDER, DOCUMENT_ID, STATUS)
"""The exchange's metadata types, each attached to every agency's document type."""
METADATA_LABELS = {
    RECIPIENTS: "Nơi nhận (mã định danh, cách nhau dấu phẩy)",
    NUMBER: "Số văn bản",
    NOTATION: "Ký hiệu văn bản",
    DATE: "Ngày ban hành (yyyy-mm-dd)",
    SUBJECT: "Trích yếu",
    SENDER: "Nơi gửi",
    DOCUMENT_ID: "Mã văn bản liên thông",
    STATUS: "Trạng thái liên thông",
}
"""What an agency's clerk sees for each (Mayan keeps labels of at most 48 characters)."""
EXCHANGE_ACCOUNT = "provcloud-exchange"
"""The login of the exchange's account in each province's document system (docsystem role)."""
EXCHANGE_CABINETS = (OUTBOX, INBOX)
"""The child cabinets of every agency's cabinet; the docsystem role makes them (role_inputs)."""
Json = dict[str, Any]


class DocsystemError(UserError):
    """The document system did not answer as the exchange needs (names the request and what to check)."""


class DocsystemUnavailable(DocsystemError, FilingUnavailable):
    """No answer, or a 5xx: the sender is told to try again later (HTTP 503), not that its message is bad."""


@dataclass(frozen=True)
class OutboxDocument:
    """A document an agency put in its outbox, with its exchange metadata and its file."""

    id: int
    metadata: dict[str, str]
    filename: str
    content: bytes

    @property
    def recipients(self) -> tuple[str, ...]:
        return tuple(code.strip() for code in self.metadata.get(RECIPIENTS, "").split(",") if code.strip())

    @property
    def promulgated(self) -> date:
        return date.fromisoformat(self.metadata[DATE])


REPORTED = (Status.ACCEPTED, Status.PROCESSING, Status.DONE)
"""What a recipient's clerk may set as `exchange_status` on an inbox document for the sender to see."""


@dataclass(frozen=True)
class InboxStatus:
    """A status a recipient's clerk set on a document in its inbox."""

    document: int
    response_for: ResponseFor
    status: Status


class MayanFiling:
    """The exchange's calls to one province's document system, as an account that sees every agency."""

    def __init__(self, url: str, token: str, timeout: float = 60.0, context: ssl.SSLContext | None = None) -> None:
        self.base = url.rstrip("/") + API
        self.token = token
        self.timeout = timeout
        self.context = context
        """For an https URL: the CAs its certificate is checked against (None: the system's)."""
        self.sent: dict[str, int] = {}
        """Outbox document by the DocumentId it was sent as, since this process started: a status
        finds its document in one read instead of reading the metadata of the whole outbox."""

    # HTTP

    def call(self, method: str, path: str, body: Json | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        answer = self._request(method, path, data, "application/json" if data is not None else None)
        return json.loads(answer) if answer else None

    def _request(self, method: str, path: str, data: bytes | None, content_type: str | None) -> bytes:
        headers = {"Authorization": f"Token {self.token}", "Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        name = f"{method} {API}{path.split('?')[0]}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode(errors="replace")
            kind = DocsystemUnavailable if error.code >= 500 else DocsystemError
            raise kind(f"the document system refused {name}: HTTP {error.code} {detail}") from None
        except OSError as error:
            raise DocsystemUnavailable(f"cannot reach the document system for {name}: {error}") from None

    def all(self, path: str) -> list[Json]:
        results: list[Json] = []
        page: str | None = f"{path}{'&' if '?' in path else '?'}page_size=100"
        while page is not None:
            answer = self.call("GET", page)
            results.extend(answer["results"])
            following = answer.get("next")
            if not following:
                break
            parts = urllib.parse.urlsplit(following)  # `next` names the server's own idea of its host: keep ours
            page = parts.path[parts.path.index(API) + len(API) :] + (f"?{parts.query}" if parts.query else "")
        return results

    # The agency layout

    def _agency(self, collection: str, org_code: str) -> Json:
        for item in self.all(f"{collection}/"):
            label = str(item.get("label", ""))
            if (label == org_code or label.startswith(f"{org_code} ")) and item.get("parent_id") in (None, ""):
                return item
        raise DocsystemError(f"the document system has no {collection[:-1].replace('_', ' ')} for agency {org_code}")

    def cabinet(self, org_code: str, box: str) -> int:
        """The id of the agency's `outbox` or `inbox` cabinet."""
        parent = self._agency("cabinets", org_code)["id"]
        for item in self.all("cabinets/"):
            if item.get("parent_id") == parent and item.get("label") == box:
                return int(item["id"])
        raise DocsystemError(
            f"agency {org_code} has no {box!r} cabinet under its cabinet {parent} (the exchange's layout is missing)"
        )

    def metadata_types(self) -> dict[str, int]:
        return {str(item["name"]): int(item["id"]) for item in self.all("metadata_types/")}

    def metadata(self, document: int) -> dict[str, tuple[int, str]]:
        """A document's metadata values: name -> (value id, value)."""
        return {
            str(item["metadata_type"]["name"]): (int(item["id"]), str(item["value"] or ""))
            for item in self.all(f"documents/{document}/metadata/")
        }

    def set_metadata(self, document: int, values: dict[str, str]) -> None:
        types, present = self.metadata_types(), self.metadata(document)
        for name, value in values.items():
            if name in present:
                self.call("PATCH", f"documents/{document}/metadata/{present[name][0]}/", {"value": value})
            elif name in types:
                self.call("POST", f"documents/{document}/metadata/", {"metadata_type_id": types[name], "value": value})
            else:
                raise DocsystemError(f"the document system has no metadata type {name} (the exchange's layout)")

    # What the exchange does

    def outbox(self, org_code: str) -> list[OutboxDocument]:
        """The documents in the agency's outbox that carry recipients, with their first file."""
        found = []
        for item in self.all(f"cabinets/{self.cabinet(org_code, OUTBOX)}/documents/"):
            values = {name: value for name, (_, value) in self.metadata(int(item["id"])).items()}
            if not values.get(RECIPIENTS):
                continue
            files = self.all(f"documents/{item['id']}/files/")
            if not files:
                continue  # not yet stored by the document system's workers: taken on a later pass
            content = self._request("GET", f"documents/{item['id']}/files/{files[0]['id']}/download/", None, None)
            found.append(OutboxDocument(int(item["id"]), values, str(files[0]["filename"]), content))
        return found

    def inbox_statuses(self, org_code: str) -> list[InboxStatus]:
        """The inbox documents whose `exchange_status` the agency's clerk set to a status the sender is
        told (accepted, processing, done), with what identifies each to its sender."""
        found = []
        for item in self.all(f"cabinets/{self.cabinet(org_code, INBOX)}/documents/"):
            values = {name: value for name, (_, value) in self.metadata(int(item["id"])).items()}
            status = next((s for s in REPORTED if s.label == values.get(STATUS, "").strip().lower()), None)
            if status is None or not values.get(DOCUMENT_ID) or not values.get(SENDER):
                continue
            try:
                promulgated = date.fromisoformat(values.get(DATE, ""))
            except ValueError:
                raise DocsystemError(f"inbox document {item['id']} of {org_code}: {DATE} is not yyyy-mm-dd") from None
            code = DocumentCode(values.get(NUMBER, ""), values.get(NOTATION, ""))
            answered = ResponseFor(values[SENDER], str(code), promulgated, values[DOCUMENT_ID])
            found.append(InboxStatus(int(item["id"]), answered, status))
        return found

    def file(self, document: Document, recipient: str, message: bytes) -> None:
        """Upload the document's main attachment into the recipient's inbox, with its exchange metadata."""
        if not document.attachments:
            raise DocsystemError(f"{document.document_id} carries no file to file")
        attachment = document.attachments[0]
        document_type = self._agency("document_types", recipient)["id"]
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="document_type_id"\r\n\r\n{document_type}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{attachment.name}"\r\n'
                f"Content-Type: {attachment.content_type}\r\n\r\n"
            ).encode()
            + attachment.content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        uploaded = json.loads(
            self._request("POST", "documents/upload/", body, f"multipart/form-data; boundary={boundary}")
        )
        new = int(uploaded["id"])
        self.set_metadata(
            new,
            {
                NUMBER: document.code.number,
                NOTATION: document.code.notation,
                DATE: document.promulgation.date.isoformat(),
                SUBJECT: document.subject,
                SENDER: document.sender.organ_id,
                DOCUMENT_ID: document.document_id,
            },
        )
        self.call("POST", f"cabinets/{self.cabinet(recipient, INBOX)}/documents/add/", {"document": new})

    def record_status(self, notice: StatusNotice) -> None:
        """The status on the sender's outbox document (metadata `exchange_status`) and a comment saying who set it."""
        sender, document_id = notice.response_for.organ_id, notice.response_for.document_id
        for document in self._outbox_candidates(sender, document_id):
            values = self.metadata(document)
            if values.get(DOCUMENT_ID, (0, ""))[1] != document_id:
                continue
            recipients = {code.strip() for code in values.get(RECIPIENTS, (0, ""))[1].split(",")}
            if notice.sender.organ_id not in recipients:
                raise DocsystemError(
                    f"{notice.sender.organ_id} sent a status for {document_id} but is not one of its recipients"
                )
            self.set_metadata(document, {STATUS: f"{notice.sender.organ_id}: {notice.status.label}"})
            text = f"{notice.sender.organ_id} {notice.status.label} {notice.timestamp:%Y-%m-%d %H:%M}"
            if notice.description:
                text += f": {notice.description}"
            self.call("POST", f"documents/{document}/comments/", {"text": text})
            return
        raise DocsystemError(f"no document {document_id} in {sender}'s outbox for its status")

    def _outbox_candidates(self, sender: str, document_id: str) -> Iterator[int]:
        """The document this process sent as `document_id` first; then (sent before a restart, or
        since moved) every document of the sender's outbox."""
        known = self.sent.get(document_id)
        if known is not None:
            yield known
        for item in self.all(f"cabinets/{self.cabinet(sender, OUTBOX)}/documents/"):
            if int(item["id"]) != known:
                yield int(item["id"])

    def mark_sent(self, document: int, document_id: str) -> None:
        """Record on the outbox document the DocumentId it was sent as (what status notices are matched by)."""
        self.set_metadata(document, {DOCUMENT_ID: document_id})
        self.sent[document_id] = document
