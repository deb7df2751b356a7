"""Why a message is refused: one exception, with the reason a receiver writes into a `rejected` notice."""

from provcloud.errors import UserError


class MessageRefused(UserError):
    """A message that is malformed, hostile, or fails its signature: nothing of it is used.

    `reason` is the sentence that goes into the `rejected` status notice's Description and the
    message log, so it names the field or check that failed and never echoes attacker text at length.
    """

    def __init__(self, reason: str, *, source: str = "") -> None:
        self.reason = reason
        self.source = source
        super().__init__(f"{source}: {reason}" if source else reason)


class InvalidDocument(ValueError):
    """A document the caller asked us to build cannot be written as valid edXML (names the field)."""
