"""Read edXML from bytes that came over the wire: fail closed on anything malformed or hostile.

The parser never resolves entities, reads a DTD or touches the network, keeps libxml2's size
limits on (no `huge_tree`), and refuses any message with a DOCTYPE at all: edXML has no use for one,
so external entities (XXE) and entity expansion ("billion laughs") are refused before they mean
anything. A message is then checked against the project's XSD, and every attachment must be
declared in the manifest and carried, once, within the size limit.
"""

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lxml import etree

from provcloud.edxml.errors import MessageRefused
from provcloud.edxml.model import (
    DATE_FORMAT,
    NAMESPACE,
    TIMESTAMP_FORMAT,
    Attachment,
    Document,
    DocumentCode,
    DocumentType,
    Message,
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
from provcloud.edxml.schema import schema_problem

Element = etree._Element
_NS = {"e": NAMESPACE}


@dataclass(frozen=True)
class Limits:
    """How big a message may be. Checked before the bytes are parsed or decoded."""

    message_bytes: int = 40 * 2**20
    attachment_bytes: int = 7 * 2**20
    """7 MiB: its base64 (9.3 MB) stays under libxml2's 10 MB limit for one text node; larger files
    would need `huge_tree`, which turns off libxml2's own hardening against hostile input."""


DEFAULT_LIMITS = Limits()
_POSITION = re.compile(r", line \d+, column \d+$")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def read_tree(data: bytes, *, limits: Limits = DEFAULT_LIMITS, source: str = "") -> Element:
    """The message's root element, safely parsed and valid against the edXML schema."""
    if len(data) > limits.message_bytes:
        raise MessageRefused(
            f"message is {len(data):,} bytes, over the limit of {limits.message_bytes:,}", source=source
        )
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise MessageRefused("message has a DOCTYPE or ENTITY declaration: edXML allows none", source=source)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        where = _POSITION.sub("", error.msg)  # lxml appends ", line L, column C": say it once, first
        raise MessageRefused(f"not well-formed XML: line {error.lineno}: {where}", source=source) from None
    docinfo: Any = root.getroottree().docinfo  # lxml-stubs lack DocInfo.doctype
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        # The byte check above misses a DOCTYPE in another encoding (UTF-16): refuse it here too.
        raise MessageRefused("message has a DOCTYPE declaration: edXML allows none", source=source)
    expected = f"{{{NAMESPACE}}}edXML"
    if root.tag != expected:
        found = etree.QName(root)
        raise MessageRefused(
            f"root element is {found.localname!r} in namespace {found.namespace or '(none)'!r}; "
            f"an edXML message is 'edXML' in {NAMESPACE!r}",
            source=source,
        )
    problem = schema_problem(root)
    if problem:
        raise MessageRefused(f"does not match the edXML schema: {problem}", source=source)
    return root


def parse(data: bytes, *, limits: Limits = DEFAULT_LIMITS, source: str = "") -> Message:
    """The document or status notice in `data`; MessageRefused with the reason when it is not one."""
    return message_from_tree(read_tree(data, limits=limits, source=source), limits=limits, source=source)


def message_from_tree(root: Element, *, limits: Limits = DEFAULT_LIMITS, source: str = "") -> Message:
    """The model of a schema-valid tree (see read_tree), with the checks the XSD cannot express."""
    reader = _Reader(source)
    header = reader.one(root, "e:edXMLEnvelope/e:edXMLHeader")
    status = header.find("e:Status", _NS)
    if status is not None:
        if (
            root.find("e:edXMLEnvelope/e:edXMLBody", _NS) is not None
            or root.find("e:AttachmentEncoded", _NS) is not None
        ):
            raise MessageRefused("a status notice carries no edXMLBody or attachments", source=source)
        return reader.status_notice(status)
    return reader.document(root, header, limits)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def refuse(self, reason: str) -> MessageRefused:
        return MessageRefused(reason, source=self.source)

    def one(self, parent: Element, path: str) -> Element:
        found = parent.find(path, _NS)
        if found is None:
            raise self.refuse(f"{path.replace('e:', '')} is missing")
        return found

    def text(self, parent: Element, path: str) -> str:
        return self.one(parent, path).text or ""

    def integer(self, parent: Element, path: str) -> int:
        return int(self.text(parent, path))  # the schema has made it a small non-negative integer

    def date(self, parent: Element, path: str) -> date:
        value = self.text(parent, path)
        try:
            return datetime.strptime(value, DATE_FORMAT).date()
        except ValueError:
            raise self.refuse(f"{path.replace('e:', '')} {value!r} is not a date (yyyy/MM/dd)") from None

    def timestamp(self, parent: Element, path: str) -> datetime:
        value = self.text(parent, path)
        try:
            return datetime.strptime(value, TIMESTAMP_FORMAT)
        except ValueError:
            raise self.refuse(f"{path.replace('e:', '')} {value!r} is not a time (yyyy/MM/dd HH:mm:ss)") from None

    def organ(self, element: Element) -> Organ:
        return Organ(
            organ_id=self.text(element, "e:OrganId"),
            organ_name=self.text(element, "e:OrganName"),
            organization_in_charge=self.text(element, "e:OrganizationInCharge"),
        )

    def document(self, root: Element, header: Element, limits: Limits) -> Document:
        message = self.one(header, "e:MessageHeader")
        other = self.one(message, "e:OtherInfo")
        return Document(
            sender=self.organ(self.one(message, "e:From")),
            recipients=tuple(self.organ(to) for to in message.findall("e:To", _NS)),
            document_id=self.text(message, "e:DocumentId"),
            code=DocumentCode(self.text(message, "e:Code/e:CodeNumber"), self.text(message, "e:Code/e:CodeNotation")),
            promulgation=Promulgation(
                place=self.text(message, "e:PromulgationInfo/e:Place"),
                date=self.date(message, "e:PromulgationInfo/e:PromulgationDate"),
            ),
            document_type=DocumentType(
                self.integer(message, "e:DocumentType/e:Type"), self.text(message, "e:DocumentType/e:TypeName")
            ),
            subject=self.text(message, "e:Subject"),
            content=self.text(message, "e:Content"),
            signer=Signer(
                full_name=self.text(message, "e:SignerInfo/e:FullName"),
                position=self.text(message, "e:SignerInfo/e:Position"),
                competence=self.text(message, "e:SignerInfo/e:Competence"),
            ),
            other_info=OtherInfo(
                priority=self.integer(other, "e:Priority"),
                sphere_of_promulgation=self.text(other, "e:SphereOfPromulgation"),
                typer_notation=self.text(other, "e:TyperNotation"),
                promulgation_amount=self.integer(other, "e:PromulgationAmount"),
                page_amount=self.integer(other, "e:PageAmount"),
                direction=self.text(other, "e:Direction") in ("true", "1"),
            ),
            steering_type=self.integer(message, "e:SteeringType"),
            trace=tuple(
                TraceHeader(self.text(hop, "e:OrganId"), self.timestamp(hop, "e:Timestamp"))
                for hop in header.findall("e:TraceHeaderList/e:TraceHeader", _NS)
            ),
            attachments=self.attachments(root, limits),
        )

    def attachments(self, root: Element, limits: Limits) -> tuple[Attachment, ...]:
        manifest = root.find("e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest", _NS)
        if manifest is None:
            raise self.refuse("a document needs edXMLBody/edXMLManifest (it declares the attachments)")
        declared: dict[str, Element] = {}
        for reference in manifest.findall("e:Reference", _NS):
            content_id = _content_id(self.text(reference, "e:ContentId"))
            if content_id in declared:
                raise self.refuse(f"edXMLManifest declares ContentId {content_id!r} twice")
            declared[content_id] = reference
        carried: dict[str, Element] = {}
        for attachment in root.findall("e:AttachmentEncoded/e:Attachment", _NS):
            content_id = _content_id(self.text(attachment, "e:ContentId"))
            if content_id not in declared:
                raise self.refuse(f"attachment {content_id!r} is carried but not declared in edXMLManifest")
            if content_id in carried:
                raise self.refuse(f"attachment {content_id!r} is carried twice")
            carried[content_id] = attachment
        missing = [content_id for content_id in declared if content_id not in carried]
        if missing:
            raise self.refuse(f"attachment {missing[0]!r} is declared in edXMLManifest but not carried")
        return tuple(
            self.attachment(content_id, reference, carried[content_id], limits)
            for content_id, reference in declared.items()
        )

    def attachment(self, content_id: str, reference: Element, carried: Element, limits: Limits) -> Attachment:
        name = self.text(reference, "e:AttachmentName")
        content_type = self.text(reference, "e:ContentType")
        if (self.text(carried, "e:AttachmentName"), self.text(carried, "e:ContentType")) != (name, content_type):
            raise self.refuse(f"attachment {content_id!r}: name or content type differs from its manifest Reference")
        encoded = "".join(self.text(carried, "e:ContentTransferEncoded").split())
        if len(encoded) // 4 * 3 > limits.attachment_bytes + 2:
            raise self.refuse(
                f"attachment {name!r} is about {len(encoded) // 4 * 3:,} bytes, over the limit of "
                f"{limits.attachment_bytes:,}"
            )
        try:
            content = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise self.refuse(f"attachment {name!r}: ContentTransferEncoded is not base64") from None
        if len(content) > limits.attachment_bytes:
            raise self.refuse(
                f"attachment {name!r} is {len(content):,} bytes, over the limit of {limits.attachment_bytes:,}"
            )
        return Attachment(
            content_id=content_id,
            name=name,
            content_type=content_type,
            content=content,
            description=self.text(reference, "e:Description"),
        )

    def status_notice(self, status: Element) -> StatusNotice:
        answered = self.one(status, "e:ResponseFor")
        return StatusNotice(
            response_for=ResponseFor(
                organ_id=self.text(answered, "e:OrganId"),
                code=self.text(answered, "e:Code"),
                promulgation_date=self.date(answered, "e:PromulgationDate"),
                document_id=self.text(answered, "e:DocumentId"),
            ),
            sender=self.organ(self.one(status, "e:From")),
            status=Status(self.text(status, "e:StatusCode")),
            description=self.text(status, "e:Description"),
            timestamp=self.timestamp(status, "e:Timestamp"),
            staff=StaffInfo(
                department=self.text(status, "e:StaffInfo/e:Department"),
                staff=self.text(status, "e:StaffInfo/e:Staff"),
                mobile=self.text(status, "e:StaffInfo/e:Mobile"),
                email=self.text(status, "e:StaffInfo/e:Email"),
            ),
        )


def _content_id(value: str) -> str:
    """The manifest writes `cid:<id>`, the attachment `<id>` (as the national axis's gateways do)."""
    return value.removeprefix("cid:")
