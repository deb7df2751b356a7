"""What the exchange needs from a document system: file a received document, show a status on a sent one."""

from typing import Protocol

from provcloud.edxml.model import Document, StatusNotice


class FilingUnavailable(Exception):
    """The document system cannot answer now: the sender is told to send again later (HTTP 503)."""


class Filing(Protocol):
    def file(self, document: Document, recipient: str, message: bytes) -> None:
        """Put `document` into the inbox of the agency `recipient` (an OrganId), with its metadata."""

    def record_status(self, notice: StatusNotice) -> None:
        """Show the notice's status on the sender's document it answers."""
