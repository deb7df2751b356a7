"""The exchange's sqlite files (queue, receipts): WAL, and every commit on disk before it returns."""

import sqlite3
from pathlib import Path


def open_database(path: Path, schema: str) -> sqlite3.Connection:
    """`path` opened in autocommit mode (explicit BEGIN where several statements must hold together)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")  # a queued or answered message survives a power cut
    connection.execute(schema)
    return connection
