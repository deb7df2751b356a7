"""What a receiver answered for each document it filed: a second delivery gets the same answer, nothing filed twice."""

from pathlib import Path

from provcloud.exchange.database import open_database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS receipts (
  document_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  answer BLOB NOT NULL,
  PRIMARY KEY (document_id, sender, recipient)
)
"""


class Receipts:
    def __init__(self, path: Path) -> None:
        self.connection = open_database(path, _SCHEMA)

    def answer(self, document_id: str, sender: str, recipient: str) -> bytes | None:
        row = self.connection.execute(
            "SELECT answer FROM receipts WHERE document_id = ? AND sender = ? AND recipient = ?",
            (document_id, sender, recipient),
        ).fetchone()
        return None if row is None else bytes(row[0])

    def record(self, document_id: str, sender: str, recipient: str, answer: bytes) -> None:
        self.connection.execute(
            "INSERT OR IGNORE INTO receipts VALUES (?,?,?,?)", (document_id, sender, recipient, answer)
        )
