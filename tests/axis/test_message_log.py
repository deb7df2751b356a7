"""The hash-chained message log: it reads back what was written and names the line a hand edited."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from axis.conftest import RECIPIENT, letter
from provcloud.edxml.build import to_bytes
from provcloud.edxml.model import Status
from provcloud.edxml.notices import notice_for
from provcloud.message_log import Event, LogBroken, MessageLog, entry_for, read, trace, verify

T0 = datetime(2026, 12, 3, 2, 15, tzinfo=UTC)


def written_log(path: Path, events: int = 4) -> Path:
    document = letter()
    data = to_bytes(document)
    log = MessageLog(path)
    log.append(entry_for(data, document, node="lgsp-h49", event=Event.SENT, at=T0))
    for n in range(1, events):
        notice = notice_for(document, RECIPIENT, list(Status)[n % 5], datetime(2026, 12, 3, 9, 30 + n))
        log.append(
            entry_for(to_bytes(notice), notice, node="lgsp-h49", event=Event.NOTICE, at=T0.replace(minute=20 + n))
        )
    return path


def edit_line(path: Path, number: int, change: Callable[[str], str]) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[number - 1] = change(lines[number - 1])
    path.write_text("".join(lines))


def broken(path: Path) -> str:
    with pytest.raises(LogBroken) as error:
        verify(path)
    return str(error.value)


def test_a_written_log_verifies_and_reads_back(tmp_path: Path) -> None:
    path = written_log(tmp_path / "node.log")
    head = verify(path)
    assert head.entries == 4
    entries = [logged.entry for logged in read(path)]
    assert (
        entries[0].event is Event.SENT
        and entries[0].digest == "sha256:" + __import__("hashlib").sha256(to_bytes(letter())).hexdigest()
    )
    assert [entry.status for entry in entries] == ["", "rejected", "accepted", "processing"]
    assert all(entry.document_id == letter().document_id for entry in entries)


def test_a_hand_edited_status_is_named_by_its_line(tmp_path: Path) -> None:
    path = written_log(tmp_path / "node.log")
    edit_line(path, 2, lambda line: line.replace('"rejected"', '"accepted"'))
    assert broken(path) == f"{path}:2: the line's hash does not match its content (edited after it was written)"


def test_an_edit_that_recomputes_the_lines_hash_breaks_the_next_line(tmp_path: Path) -> None:
    from provcloud.message_log import _hash

    path = written_log(tmp_path / "node.log")

    def forge(line: str) -> str:
        record = json.loads(line)
        record["digest"] = "sha256:" + "0" * 64
        record.pop("hash")
        record["hash"] = _hash(record)
        return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"

    edit_line(path, 1, forge)
    assert broken(path).startswith(f"{path}:2: does not follow the line before it")


def test_a_removed_line_is_found(tmp_path: Path) -> None:
    path = written_log(tmp_path / "node.log")
    edit_line(path, 2, lambda line: "")
    assert broken(path).startswith(f"{path}:2: sequence number 3 where 2 was expected")


def test_swapped_lines_are_found(tmp_path: Path) -> None:
    path = written_log(tmp_path / "node.log")
    lines = path.read_text().splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    path.write_text("".join(lines))
    assert broken(path).startswith(f"{path}:2: sequence number 3")


def test_a_line_cut_off_by_a_crash_is_reported_and_no_more_is_appended(tmp_path: Path) -> None:
    path = written_log(tmp_path / "node.log")
    path.write_bytes(path.read_bytes()[:-10])
    assert broken(path) == f"{path}:4: the line is cut off (a write did not finish)"
    with pytest.raises(LogBroken, match="the last line is cut off"):
        MessageLog(path).append(entry_for(b"x", letter(), node="n", event=Event.SENT))


def test_garbage_lines_are_named(tmp_path: Path) -> None:
    path = written_log(tmp_path / "node.log")
    edit_line(path, 3, lambda line: "not json\n")
    assert broken(path) == f"{path}:3: not a JSON log entry"


def test_trace_gathers_a_document_across_logs_oldest_first(tmp_path: Path) -> None:
    document = letter()
    data = to_bytes(document)
    sender_node, peer = MessageLog(tmp_path / "h49.log"), MessageLog(tmp_path / "national.log")
    sender_node.append(entry_for(data, document, node="lgsp-h49", event=Event.SENT, at=T0))
    peer.append(entry_for(data, document, node="national", event=Event.FORWARDED, at=T0.replace(second=2)))
    other = letter(document_id="another")
    sender_node.append(entry_for(to_bytes(other), other, node="lgsp-h49", event=Event.SENT, at=T0.replace(second=1)))
    found = trace(document.document_id, [peer.path, sender_node.path])
    assert [(logged.entry.node, logged.entry.event) for logged in found] == [
        ("lgsp-h49", Event.SENT),
        ("national", Event.FORWARDED),
    ]


def _append_many(path: Path, node: str, count: int) -> None:
    log = MessageLog(path)
    document = letter()
    data = to_bytes(document)
    for _ in range(count):
        log.append(entry_for(data, document, node=node, event=Event.SENT))


def test_concurrent_writers_keep_one_unbroken_chain(tmp_path: Path) -> None:
    import multiprocessing

    path = tmp_path / "node.log"
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_append_many, args=(path, f"writer-{n}", 40)) for n in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=60)
    assert [writer.exitcode for writer in writers] == [0, 0, 0, 0]
    assert verify(path).entries == 160
    assert {logged.entry.node for logged in read(path)} == {f"writer-{n}" for n in range(4)}


def test_a_notice_time_given_in_utc_is_written_in_vietnam_time() -> None:
    notice = notice_for(letter(), RECIPIENT, Status.DONE, datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
    assert notice.timestamp == datetime(2026, 12, 3, 9, 0)
