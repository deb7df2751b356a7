"""An agency's system talking to the shared document system through the LGSP node.

Two credentials travel with every call: the node's (client certificate + `Authorization: Bearer`
token, from the agency's source address) and the document system's own (the agency's API token in
`X-Docsystem-Authorization`, which the node passes through and the document system's nginx hands
to the application). Used by `provcloud demo`, the lab tests and the benchmark.
"""

import http.client
import json
import ssl
import time
import uuid
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from provcloud.controller_state import ControllerPaths
from provcloud.errors import UserError
from provcloud.gateway import Answer, ConsumerCredentials

SERVICE = "docsystem"
"""The catalogue service name the document system is published under."""
API = "/api/v4/"


@dataclass(frozen=True)
class DocsystemState:
    """What the docsystem role left on the controller: `<state dir>/docsystem/docsystem.json`."""

    url: str
    admin_username: str
    admin_password_file: Path
    credentials_dir: Path
    agencies: dict[str, dict[str, int]]
    """Per agency slug, the ids of its objects (group_id, cabinet_id, document_type_id...)."""
    exchange_cabinets: dict[str, dict[str, int]]
    """Per agency slug, the ids of its exchange cabinets by label (outbox, inbox); empty without the exchange."""
    exchange_account: str
    """The login of the document exchange's account ("" when the role made none)."""

    @property
    def host(self) -> str:
        """The name the document system answers to, from its URL."""
        return urlsplit(self.url).hostname or ""

    def token(self, agency: str) -> str:
        file = self.credentials_dir / f"{agency}.token"
        if not file.is_file():
            raise UserError(f"{file}: no document-system token for agency {agency!r} (converge the docsystem role)")
        return file.read_text().strip()


def docsystem_state(state: Path) -> DocsystemState:
    file = ControllerPaths(state).docsystem_record
    if not file.is_file():
        raise UserError(f"{file} does not exist: the document system has not been converged for this province")
    data = json.loads(file.read_text())
    return DocsystemState(
        url=data["url"],
        admin_username=data["admin_username"],
        admin_password_file=Path(data["admin_password_file"]),
        credentials_dir=Path(data["credentials_dir"]),
        agencies={
            slug: {key: value for key, value in objects.items() if isinstance(value, int)}
            for slug, objects in data["agencies"].items()
        },
        exchange_cabinets={slug: objects.get("exchange_cabinet_ids", {}) for slug, objects in data["agencies"].items()},
        exchange_account=data.get("exchange_account", ""),
    )


@dataclass(frozen=True)
class AgencyClient:
    """One agency's system calling the document system through the LGSP node."""

    node: IPv4Address | str
    service_path: str
    credentials: ConsumerCredentials
    docsystem_token: str | None
    source: IPv4Address | str | None = None
    timeout: float = 60.0

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> tuple[Answer, bytes]:
        """`method` on the document system's `path` (e.g. `/api/v4/cabinets/`) through the node."""
        context = ssl.create_default_context(cafile=str(self.credentials.ca))
        context.load_cert_chain(str(self.credentials.certificate), str(self.credentials.private_key))
        connection = http.client.HTTPSConnection(
            str(self.node),
            443,
            context=context,
            timeout=self.timeout,
            source_address=(str(self.source), 0) if self.source else None,
        )
        headers = {"Authorization": f"Bearer {self.credentials.token}", "Accept": "application/json"}
        if self.docsystem_token:
            headers["X-Docsystem-Authorization"] = f"Token {self.docsystem_token}"
        if content_type:
            headers["Content-Type"] = content_type
        try:
            connection.request(method, self.service_path.rstrip("/") + path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            answer = Answer(
                response.status,
                {key.lower(): value for key, value in response.getheaders()},
                payload.decode(errors="replace"),
            )
            return answer, payload
        finally:
            connection.close()

    def api(self, method: str, path: str, data: dict[str, Any] | None = None) -> Answer:
        body = json.dumps(data).encode() if data is not None else None
        answer, _ = self.request(method, API + path, body, "application/json" if body is not None else None)
        return answer

    def upload(self, document_type_id: int, filename: str, content: bytes) -> Answer:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="document_type_id"\r\n\r\n{document_type_id}\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n",
        ]
        body = parts[0].encode() + parts[1].encode() + content + f"\r\n--{boundary}--\r\n".encode()
        answer, _ = self.request("POST", API + "documents/upload/", body, f"multipart/form-data; boundary={boundary}")
        return answer

    def add_to_cabinet(self, cabinet_id: int, document_id: int) -> Answer:
        return self.api("POST", f"cabinets/{cabinet_id}/documents/add/", {"document": document_id})

    def cabinet_documents(self, cabinet_id: int) -> Answer:
        return self.api("GET", f"cabinets/{cabinet_id}/documents/?page_size=100")

    def metadata_types(self, document_type_id: int) -> dict[str, int]:
        """The metadata types attached to a document type: name -> id."""
        answer = self.api("GET", f"document_types/{document_type_id}/metadata_types/?page_size=100")
        if answer.status != 200:
            raise RuntimeError(
                f"metadata types of document type {document_type_id}: {answer.status} {answer.body[:300]}"
            )
        return {link["metadata_type"]["name"]: link["metadata_type"]["id"] for link in answer.json()["results"]}

    def _metadata_values(self, document_id: int) -> list[dict[str, Any]]:
        answer = self.api("GET", f"documents/{document_id}/metadata/?page_size=100")
        if answer.status != 200:
            raise RuntimeError(f"metadata of document {document_id}: {answer.status} {answer.body[:300]}")
        return list(answer.json()["results"])

    def metadata(self, document_id: int) -> dict[str, str]:
        """A document's metadata values by type name."""
        return {value["metadata_type"]["name"]: value["value"] or "" for value in self._metadata_values(document_id)}

    def set_metadata(self, document_id: int, values: dict[str, str], types: dict[str, int]) -> None:
        """Set metadata of a document: a value added where the type has none yet, else changed (each
        type must be attached to its document type: `types`)."""
        present = {value["metadata_type"]["name"]: value["id"] for value in self._metadata_values(document_id)}
        for name, value in values.items():
            if name in present:
                done = self.api("PATCH", f"documents/{document_id}/metadata/{present[name]}/", {"value": value})
            else:
                done = self.api(
                    "POST", f"documents/{document_id}/metadata/", {"metadata_type_id": types[name], "value": value}
                )
            if done.status not in (200, 201):
                raise RuntimeError(
                    f"metadata {name} of document {document_id} refused: {done.status} {done.body[:300]}"
                )

    def wait_for_file(self, document_id: int, timeout: float = 120.0) -> int:
        """The id of the document's first file, once the background workers stored it."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.api("GET", f"documents/{document_id}/files/")
            if answer.status == 200 and answer.json()["results"]:
                return int(answer.json()["results"][0]["id"])
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"document {document_id} has no file after {timeout:.0f} s (last answer {answer.status})"
                )
            time.sleep(0.5)

    def download(self, document_id: int, file_id: int) -> tuple[Answer, bytes]:
        return self.request("GET", f"{API}documents/{document_id}/files/{file_id}/download/")

    def store(self, cabinet_id: int, document_type_id: int, filename: str, content: bytes) -> int:
        """Upload into the agency's cabinet; the new document's id."""
        uploaded = self.upload(document_type_id, filename, content)
        if uploaded.status != 201:
            raise RuntimeError(f"upload refused: {uploaded.status} {uploaded.body[:300]}")
        document_id = int(uploaded.json()["id"])
        added = self.add_to_cabinet(cabinet_id, document_id)
        if added.status not in (200, 201, 202, 204):
            raise RuntimeError(f"adding document {document_id} to cabinet {cabinet_id} refused: {added.status}")
        return document_id


def sample_pdf(text: str) -> bytes:
    """A small, valid one-page PDF showing `text` (ASCII), built without a PDF library."""
    safe = text.encode("ascii", "replace").decode().replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 14 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
