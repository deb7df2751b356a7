"""The outbound queue: idempotent enqueue, at-least-once after a crash, capped backoff."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from provcloud.exchange.queue import RETRY_CAP, OutboundQueue, State, backoff

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def test_the_same_document_to_the_same_recipient_is_queued_once(tmp_path: Path) -> None:
    queue = OutboundQueue(tmp_path / "queue.db")
    assert queue.enqueue("D1", "000.05.00.H29", b"one", now=T0)
    assert not queue.enqueue("D1", "000.05.00.H29", b"other bytes", now=T0)
    assert queue.enqueue("D1", "000.06.00.H29", b"one", now=T0)
    assert [(row.recipient, row.message) for row in queue.all()] == [
        ("000.05.00.H29", b"one"),
        ("000.06.00.H29", b"one"),
    ]


def test_a_send_killed_before_its_answer_is_sent_again_after_a_restart(tmp_path: Path) -> None:
    queue = OutboundQueue(tmp_path / "queue.db")
    queue.enqueue("D1", "R", b"letter", now=T0)
    assert [row.document_id for row in queue.due(now=T0)] == ["D1"]
    queue.close()  # killed: no mark() ever ran
    restarted = OutboundQueue(tmp_path / "queue.db")
    assert restarted.due(now=T0) == [], "a row handed out waits for its backoff, not resent at once"
    again = restarted.due(now=T0 + backoff(1))
    assert [(row.document_id, row.attempts, row.state) for row in again] == [("D1", 2, State.QUEUED)]
    restarted.mark("D1", "R", State.SENT)
    assert restarted.due(now=T0 + timedelta(days=1)) == [], "a sent row is not sent again"


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(40) == RETRY_CAP


def test_the_queue_is_in_wal_mode(tmp_path: Path) -> None:
    queue = OutboundQueue(tmp_path / "queue.db")
    assert queue.connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
