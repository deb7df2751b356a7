"""Write a `Document` or `StatusNotice` as edXML (lxml), checked against the project's XSD."""

import base64

from lxml import etree

from provcloud.edxml.errors import InvalidDocument
from provcloud.edxml.model import (
    DATE_FORMAT,
    NAMESPACE,
    TIMESTAMP_FORMAT,
    Document,
    Message,
    Organ,
    StatusNotice,
)
from provcloud.edxml.schema import schema_problem

Element = etree._Element


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _add(parent: Element, name: str, text: str | int | None = None) -> Element:
    element = etree.SubElement(parent, _tag(name))
    if text is not None:
        try:
            element.text = str(text)
        except ValueError as error:  # lxml refuses control characters XML cannot carry
            raise InvalidDocument(f"{name}: {error}") from None
    return element


def _organ(parent: Element, name: str, organ: Organ) -> None:
    element = _add(parent, name)
    _add(element, "OrganId", organ.organ_id)
    _add(element, "OrganizationInCharge", organ.organization_in_charge)
    _add(element, "OrganName", organ.organ_name)


def _message_header(header: Element, document: Document) -> None:
    message = _add(header, "MessageHeader")
    _organ(message, "From", document.sender)
    for recipient in document.recipients:
        _organ(message, "To", recipient)
    code = _add(message, "Code")
    _add(code, "CodeNumber", document.code.number)
    _add(code, "CodeNotation", document.code.notation)
    promulgation = _add(message, "PromulgationInfo")
    _add(promulgation, "Place", document.promulgation.place)
    _add(promulgation, "PromulgationDate", document.promulgation.date.strftime(DATE_FORMAT))
    kind = _add(message, "DocumentType")
    _add(kind, "Type", document.document_type.type)
    _add(kind, "TypeName", document.document_type.type_name)
    _add(message, "Subject", document.subject)
    _add(message, "Content", document.content)
    signer = _add(message, "SignerInfo")
    _add(signer, "Competence", document.signer.competence)
    _add(signer, "Position", document.signer.position)
    _add(signer, "FullName", document.signer.full_name)
    other = document.other_info
    info = _add(message, "OtherInfo")
    _add(info, "Priority", other.priority)
    _add(info, "SphereOfPromulgation", other.sphere_of_promulgation)
    _add(info, "TyperNotation", other.typer_notation)
    _add(info, "PromulgationAmount", other.promulgation_amount)
    _add(info, "PageAmount", other.page_amount)
    _add(info, "Direction", "true" if other.direction else "false")
    _add(message, "SteeringType", document.steering_type)
    _add(message, "DocumentId", document.document_id)
    trace = _add(header, "TraceHeaderList")
    for hop in document.trace:
        entry = _add(trace, "TraceHeader")
        _add(entry, "OrganId", hop.organ_id)
        _add(entry, "Timestamp", hop.timestamp.strftime(TIMESTAMP_FORMAT))


def _attachments(root: Element, envelope: Element, document: Document) -> None:
    manifest = _add(_add(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    if not document.attachments:
        return
    encoded = _add(root, "AttachmentEncoded")
    for attachment in document.attachments:
        reference = _add(manifest, "Reference")
        _add(reference, "ContentId", f"cid:{attachment.content_id}")
        _add(reference, "ContentType", attachment.content_type)
        _add(reference, "AttachmentName", attachment.name)
        _add(reference, "Description", attachment.description)
        carried = _add(encoded, "Attachment")
        _add(carried, "ContentId", attachment.content_id)
        _add(carried, "AttachmentName", attachment.name)
        _add(carried, "ContentType", attachment.content_type)
        _add(carried, "ContentTransferEncoded", base64.b64encode(attachment.content).decode("ascii"))


def _status(header: Element, notice: StatusNotice) -> None:
    status = _add(header, "Status")
    answered = _add(status, "ResponseFor")
    _add(answered, "OrganId", notice.response_for.organ_id)
    _add(answered, "Code", notice.response_for.code)
    _add(answered, "PromulgationDate", notice.response_for.promulgation_date.strftime(DATE_FORMAT))
    _add(answered, "DocumentId", notice.response_for.document_id)
    _organ(status, "From", notice.sender)
    _add(status, "StatusCode", notice.status.value)
    _add(status, "Description", notice.description)
    _add(status, "Timestamp", notice.timestamp.strftime(TIMESTAMP_FORMAT))
    staff = _add(status, "StaffInfo")
    _add(staff, "Department", notice.staff.department)
    _add(staff, "Staff", notice.staff.staff)
    _add(staff, "Mobile", notice.staff.mobile)
    _add(staff, "Email", notice.staff.email)


def to_element(message: Message) -> Element:
    """The message as an lxml tree, valid against the XSD (raises InvalidDocument naming the field)."""
    root = etree.Element(_tag("edXML"), nsmap={None: NAMESPACE})  # type: ignore[dict-item]  # lxml-stubs: no default ns
    envelope = _add(root, "edXMLEnvelope")
    header = _add(envelope, "edXMLHeader")
    if isinstance(message, Document):
        _check_attachments(message)
        _message_header(header, message)
        _attachments(root, envelope, message)
    else:
        _status(header, message)
    problem = schema_problem(root)
    if problem:
        raise InvalidDocument(problem)
    return root


def to_bytes(message: Message) -> bytes:
    """The message as a UTF-8 edXML file."""
    return serialize(to_element(message))


def serialize(root: Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _check_attachments(document: Document) -> None:
    seen: set[str] = set()
    for attachment in document.attachments:
        if attachment.content_id in seen:
            raise InvalidDocument(f"Attachment {attachment.name!r}: ContentId {attachment.content_id!r} used twice")
        seen.add(attachment.content_id)
