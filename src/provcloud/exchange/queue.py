"""The durable outbound queue: one row per message and destination, in sqlite (WAL).

At-least-once: a row is `queued` until a send is answered; a process killed mid-send leaves the row
`queued` (its attempt was counted before the send), so the next `due()` after a restart sends it again.
The receiver's idempotent receipt makes the resend harmless. Enqueueing is idempotent by
DocumentId and recipient: the same document to the same recipient is one row, whatever the caller does.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path

from provcloud.exchange.database import open_database

FIRST_RETRY = timedelta(seconds=2)
RETRY_CAP = timedelta(minutes=10)
"""Backoff doubles from FIRST_RETRY after each failed attempt, never waiting longer than RETRY_CAP."""


class State(Enum):
    QUEUED = "queued"
    SENT = "sent"
    """Answered `inbox` (or any non-final status) by the receiver."""
    DELIVERED = "delivered"
    """A final status came back (accepted, done)."""
    FAILED = "failed"
    """Refused for good (`rejected`): resending the same bytes cannot help."""


@dataclass(frozen=True)
class Outbound:
    document_id: str
    recipient: str
    message: bytes
    state: State
    attempts: int
    next_attempt: datetime
    last_error: str
    kind: str
    """`messages` (a document) or `notices` (a status notice): the receiving endpoint's path."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbound (
  document_id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  message BLOB NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt TEXT NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL DEFAULT 'messages',
  PRIMARY KEY (document_id, recipient)
)
"""


def backoff(attempts: int) -> timedelta:
    """How long to wait after `attempts` failed attempts."""
    return min(FIRST_RETRY * (1 << max(attempts - 1, 0)), RETRY_CAP)


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class OutboundQueue:
    def __init__(self, path: Path) -> None:
        self.connection = open_database(path, _SCHEMA)

    def close(self) -> None:
        self.connection.close()

    def enqueue(
        self, document_id: str, recipient: str, message: bytes, *, kind: str = "messages", now: datetime | None = None
    ) -> bool:
        """Queue `message` for `recipient`; False when this DocumentId is already queued for it (nothing changes)."""
        cursor = self.connection.execute(
            "INSERT OR IGNORE INTO outbound (document_id, recipient, message, state, next_attempt, kind) "
            "VALUES (?,?,?,?,?,?)",
            (document_id, recipient, message, State.QUEUED.value, _at(now or datetime.now(UTC)), kind),
        )
        return cursor.rowcount == 1

    def due(self, *, now: datetime | None = None) -> list[Outbound]:
        """Queued rows whose next attempt has come; each one's attempt is counted (and its next one
        scheduled) before it is handed out, so a crash during the send is a retry, not a loss."""
        moment = now or datetime.now(UTC)
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            rows = self.connection.execute(
                "SELECT document_id, recipient, attempts FROM outbound WHERE state = ? AND next_attempt <= ?",
                (State.QUEUED.value, _at(moment)),
            ).fetchall()
            for document_id, recipient, attempts in rows:
                self.connection.execute(
                    "UPDATE outbound SET attempts = ?, next_attempt = ? WHERE document_id = ? AND recipient = ?",
                    (attempts + 1, _at(moment + backoff(attempts + 1)), document_id, recipient),
                )
            self.connection.execute("COMMIT")
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        return [self.get(document_id, recipient) for document_id, recipient, _ in rows]

    def mark(self, document_id: str, recipient: str, state: State, error: str = "") -> None:
        self.connection.execute(
            "UPDATE outbound SET state = ?, last_error = ? WHERE document_id = ? AND recipient = ?",
            (state.value, error, document_id, recipient),
        )

    def retry_later(self, document_id: str, recipient: str, error: str) -> None:
        """The send did not get an answer: stay queued (the next attempt was scheduled by `due`)."""
        self.mark(document_id, recipient, State.QUEUED, error)

    def get(self, document_id: str, recipient: str) -> Outbound:
        row = self.connection.execute(
            "SELECT document_id, recipient, message, state, attempts, next_attempt, last_error, kind FROM outbound "
            "WHERE document_id = ? AND recipient = ?",
            (document_id, recipient),
        ).fetchone()
        if row is None:
            raise KeyError(f"{document_id} to {recipient} is not in the queue")
        return Outbound(row[0], row[1], row[2], State(row[3]), row[4], datetime.fromisoformat(row[5]), row[6], row[7])

    def all(self) -> list[Outbound]:
        keys = self.connection.execute("SELECT document_id, recipient FROM outbound ORDER BY rowid").fetchall()
        return [self.get(document_id, recipient) for document_id, recipient in keys]
