"""The message log every node of the document axis keeps: append-only, hash-chained JSON lines.

One line per event (a message sent, forwarded, received, refused; a status notice), saying who,
which document, the SHA-256 digest of the exact bytes, when, and which status. Each line carries
the hash of the line before it and its own hash over its content, so editing, inserting, removing
or reordering lines breaks the chain at the first line touched: `provcloud axis verify` names it.

What a chain alone cannot show is lines cut off at the end; `verify` prints the head (last sequence
number and hash) so it can be compared with a copy kept elsewhere — the other node's log holds
the same message digests. (X-Road goes further and timestamps batches of its log with a TSA.)
"""

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, BinaryIO

from provcloud.edxml.model import Document, Message
from provcloud.errors import UserError

GENESIS = "0" * 64
"""The `prev` of a log's first line."""


class Event(Enum):
    SENT = "sent"
    FORWARDED = "forwarded"
    RECEIVED = "received"
    REFUSED = "refused"
    NOTICE = "notice"
    """A status notice sent or received (its `status` says which)."""


@dataclass(frozen=True)
class Entry:
    """One event in a node's log."""

    node: str
    """Who keeps the log and saw the event: an LGSP node, the national peer, an agency's exchange service."""
    event: Event
    document_id: str
    """The document concerned (for a status notice: the document it answers)."""
    sender: str
    recipients: tuple[str, ...]
    digest: str
    """`sha256:<hex>` of the message exactly as sent or received."""
    at: datetime
    status: str = ""
    """For a notice: inbox, accepted, rejected, processing, done, failed."""
    reason: str = ""


@dataclass(frozen=True)
class Logged:
    """An entry as read back from a verified log."""

    path: Path
    line: int
    entry: Entry
    hash: str


class LogBroken(UserError):
    """A log whose chain does not hold: the message names the file and line."""


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def entry_for(
    data: bytes, message: Message, *, node: str, event: Event, reason: str = "", at: datetime | None = None
) -> Entry:
    """The log entry for `message` (whose bytes are `data`) as `node` saw it."""
    if isinstance(message, Document):
        document_id, recipients, status = message.document_id, tuple(r.organ_id for r in message.recipients), ""
    else:
        document_id, recipients, status = (
            message.response_for.document_id,
            (message.response_for.organ_id,),
            message.status.label,
        )
    return Entry(
        node=node,
        event=event,
        document_id=document_id,
        sender=message.sender.organ_id,
        recipients=recipients,
        digest=digest_of(data),
        at=at or datetime.now(UTC),
        status=status,
        reason=reason,
    )


def _record(entry: Entry, seq: int, prev: str) -> dict[str, Any]:
    fields = asdict(entry)
    fields["event"] = entry.event.value
    fields["recipients"] = list(entry.recipients)
    fields["at"] = entry.at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return {"seq": seq, **fields, "prev": prev}


def _hash(record: dict[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class MessageLog:
    """A node's log file. Appends are serialised by an exclusive lock and reach the disk (fsync)
    before `append` returns, so a crash loses at most the line being written — which `verify`
    then reports as cut off."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, entry: Entry) -> str:
        """Write `entry` as the next line; returns its hash."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
        with os.fdopen(descriptor, "r+b") as log:
            fcntl.flock(log, fcntl.LOCK_EX)
            last = _last_line(log)
            if last is None:
                seq, prev = 1, GENESIS
            else:
                try:
                    previous = json.loads(last)
                    seq, prev = int(previous["seq"]) + 1, str(previous["hash"])
                except (ValueError, KeyError, TypeError):
                    raise LogBroken(
                        f"{self.path}: the last line is not a log entry; run `provcloud axis verify`"
                    ) from None
            record = _record(entry, seq, prev)
            record["hash"] = _hash(record)
            log.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
            log.flush()
            os.fsync(log.fileno())
            return str(record["hash"])


def _last_line(log: BinaryIO) -> bytes | None:
    end = log.seek(0, os.SEEK_END)
    if end == 0:
        return None
    position, tail = end, b""
    while position > 0:
        step = min(65536, position)
        position -= step
        log.seek(position)
        tail = log.read(step) + tail
        lines = tail.rstrip(b"\n").rsplit(b"\n", 1)
        if len(lines) == 2 or position == 0:
            log.seek(0, os.SEEK_END)
            if not tail.endswith(b"\n"):
                raise LogBroken(f"{log.name}: the last line is cut off; run `provcloud axis verify`")
            return lines[-1]
    return None


_FIELDS = {
    "seq": int,
    "node": str,
    "event": str,
    "document_id": str,
    "sender": str,
    "recipients": list,
    "digest": str,
    "at": str,
    "status": str,
    "reason": str,
    "prev": str,
    "hash": str,
}


def read(path: Path) -> Iterator[Logged]:
    """The entries of `path`, each checked against the chain as it is read; LogBroken at the first break."""
    try:
        log = path.open("rb")
    except OSError as error:
        raise LogBroken(f"{path}: cannot read: {error.strerror}") from None
    prev = GENESIS
    with log:
        for number, raw in enumerate(log, start=1):
            where = f"{path}:{number}"
            if not raw.endswith(b"\n"):
                raise LogBroken(f"{where}: the line is cut off (a write did not finish)")
            try:
                record = json.loads(raw)
            except ValueError:
                raise LogBroken(f"{where}: not a JSON log entry") from None
            if not isinstance(record, dict) or set(record) != set(_FIELDS):
                raise LogBroken(f"{where}: not a log entry (fields {sorted(_FIELDS)})")
            wrong = [name for name, kind in _FIELDS.items() if not isinstance(record[name], kind)]
            if wrong:
                raise LogBroken(f"{where}: field {wrong[0]} has the wrong type")
            if record["seq"] != number:
                raise LogBroken(
                    f"{where}: sequence number {record['seq']} where {number} was expected (lines removed or inserted)"
                )
            if record["prev"] != prev:
                raise LogBroken(
                    f"{where}: does not follow the line before it (prev hash differs: lines removed, inserted or moved)"
                )
            claimed = record.pop("hash")
            if _hash(record) != claimed:
                raise LogBroken(f"{where}: the line's hash does not match its content (edited after it was written)")
            prev = claimed
            yield Logged(path, number, _entry(record, where), claimed)


def _entry(record: dict[str, Any], where: str) -> Entry:
    try:
        return Entry(
            node=record["node"],
            event=Event(record["event"]),
            document_id=record["document_id"],
            sender=record["sender"],
            recipients=tuple(str(recipient) for recipient in record["recipients"]),
            digest=record["digest"],
            at=datetime.fromisoformat(record["at"]),
            status=record["status"],
            reason=record["reason"],
        )
    except ValueError as error:
        raise LogBroken(f"{where}: {error}") from None


@dataclass(frozen=True)
class Head:
    """Where a verified log ends: compare with a copy kept elsewhere to see lines cut off the end."""

    path: Path
    entries: int
    hash: str


def verify(path: Path) -> Head:
    """Check the whole chain of `path`; LogBroken naming the first line that breaks it."""
    last: Logged | None = None
    for last in read(path):  # noqa: B007 — reading is the check; the last entry is the head
        pass
    return Head(path, last.line if last else 0, last.hash if last else GENESIS)


def trace(document_id: str, paths: Sequence[Path]) -> list[Logged]:
    """Every entry about `document_id` in the logs, oldest first (the logs are verified as they are read)."""
    found = [logged for path in paths for logged in read(path) if logged.entry.document_id == document_id]
    return sorted(found, key=lambda logged: logged.entry.at)
