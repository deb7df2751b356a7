"""Run on a province's LGSP node with the exchange's own Python (tests/lab/test_exchange.py): a
message altered on its way. It takes a letter this node signed and sent, changes its DocumentId and
subject after the signature, and sends it to RECIPIENT through the national peer over mutual TLS
with this node's certificate, as a node on the path would. Prints the receiving node's answer as
JSON: the HTTP status, the new DocumentId, and the status and description of the signed notice.

    python tamper_letter.py SETTINGS DOCUMENT_ID RECIPIENT
"""

import json
import sqlite3
import sys
from pathlib import Path

from provcloud.edxml.model import StatusNotice
from provcloud.edxml.parse import parse
from provcloud.exchange.daemon import QUEUE_FILE, client_context
from provcloud.exchange.node import MESSAGES
from provcloud.exchange.settings import load_settings
from provcloud.exchange.transport import post


def main(settings_file: str, document_id: str, recipient: str) -> None:
    settings = load_settings(Path(settings_file))
    assert settings.province is not None and settings.tls is not None, "a province node's settings"
    with sqlite3.connect(settings.state_dir / QUEUE_FILE) as queue:
        row = queue.execute(
            "SELECT message FROM outbound WHERE document_id = ? AND recipient = ? AND kind = ?",
            (document_id, recipient, MESSAGES),
        ).fetchone()
    assert row is not None, f"{document_id} to {recipient} is not in the node's queue"
    altered_id = document_id + "-ALTERED"
    message = bytes(row[0])
    tampered = message.replace(document_id.encode(), altered_id.encode()).replace(
        b"<Subject>", b"<Subject>[altered] ", 1
    )
    assert tampered != message
    reply = post(settings.province.national, MESSAGES, recipient, tampered, context=client_context(settings.tls))
    answer: dict[str, object] = {"http": reply.status, "document_id": altered_id}
    if reply.status == 200:
        notice = parse(reply.body)
        assert isinstance(notice, StatusNotice), "the answer to a message is a status notice"
        answer |= {"status": notice.status.label, "description": notice.description}
    else:
        answer["body"] = reply.body[:500].decode(errors="replace")
    print(json.dumps(answer, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:4])
