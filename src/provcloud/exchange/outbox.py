"""From a document in an agency's outbox to a signed edXML message in the queue."""

from collections.abc import Mapping

from provcloud.edxml.model import (
    Attachment,
    Document,
    DocumentCode,
    DocumentType,
    Organ,
    Promulgation,
    Signer,
    TraceHeader,
    document_id_for,
    vietnam_now,
)
from provcloud.errors import UserError
from provcloud.exchange.mayan import DOCUMENT_ID, NOTATION, NUMBER, SUBJECT, MayanFiling, OutboxDocument
from provcloud.exchange.node import Node

OFFICIAL_LETTER = DocumentType(1, "Công văn")


def package(item: OutboxDocument, sender: Organ, directory: Mapping[str, Organ], place: str) -> Document:
    """The edXML document for an outbox item; UserError naming the document and field when metadata is missing."""
    missing = [name for name in (NUMBER, SUBJECT) if not item.metadata.get(name)]
    if missing:
        raise UserError(f"outbox document {item.id} of {sender.organ_id}: metadata {', '.join(missing)} is empty")
    try:
        promulgated = item.promulgated
    except (KeyError, ValueError):
        raise UserError(f"outbox document {item.id} of {sender.organ_id}: exchange_date is not yyyy-mm-dd") from None
    code = DocumentCode(item.metadata[NUMBER], item.metadata.get(NOTATION, ""))
    return Document(
        sender=sender,
        recipients=tuple(directory.get(code_, Organ(code_, code_)) for code_ in item.recipients),
        document_id=document_id_for(sender.organ_id, promulgated, code),
        code=code,
        promulgation=Promulgation(place, promulgated),
        document_type=OFFICIAL_LETTER,
        subject=item.metadata[SUBJECT],
        signer=Signer(sender.organ_name),
        trace=(TraceHeader(sender.organ_id, vietnam_now()),),
        attachments=(Attachment("file1", item.filename, "application/octet-stream", item.content),),
    )


def send_outbox(node: Node, filing: MayanFiling, org_code: str, directory: Mapping[str, Organ], place: str) -> int:
    """Queue every outbox document of `org_code` not sent yet; how many were queued."""
    if node.local is None or org_code not in node.local.agencies:
        raise UserError(f"{node.name} does not sign for agency {org_code}")
    agency = node.local.agencies[org_code]
    queued = 0
    for item in filing.outbox(org_code):
        if item.metadata.get(DOCUMENT_ID):
            continue
        document = package(item, agency.organ, directory, place)
        node.send(document, agency.sign(document))
        filing.mark_sent(item.id, document.document_id)
        queued += 1
    return queued
