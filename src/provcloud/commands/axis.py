"""`provcloud axis …`: look at what travels on the document axis — a message, and the nodes' logs."""

import unicodedata
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from provcloud.console import err, out
from provcloud.edxml.certificates import TrustList, describe
from provcloud.edxml.model import Document, Message, StatusNotice
from provcloud.edxml.parse import message_from_tree, read_tree
from provcloud.edxml.signing import is_signed, verify
from provcloud.errors import UserError
from provcloud.message_log import LogBroken, Logged, trace
from provcloud.message_log import verify as verify_log

axis_app = typer.Typer(
    help="The document axis: inspect edXML messages, verify and trace the nodes' message logs.",
    no_args_is_help=True,
)

LogFiles = Annotated[list[Path], typer.Argument(help="Message log files (JSON lines), one per node.")]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise UserError(f"{path}: cannot read: {error.strerror}") from None


@axis_app.command()
def inspect(
    file: Annotated[Path, typer.Argument(help="An edXML message (document or status notice).")],
    trust: Annotated[
        list[Path] | None,
        typer.Option("--trust", help="A trusted CA certificate file (PEM); repeat for each provincial CA."),
    ] = None,
) -> None:
    """Show a message as an operator needs it: parties, number, date, subject, attachments, signature.

    Exits 1 with the reason when the message is refused (malformed, hostile, or its signature fails).
    """
    trusted = TrustList.from_files(trust) if trust else None
    data = _read(file)
    source = str(file)
    root = read_tree(data, source=source)
    if trusted:
        verified = verify(data, trusted, source=source)
        message = verified.message
        signature = (
            f"[green]valid[/], signed by {describe(verified.signer)} (issuer {verified.signer.issuer.rfc4514_string()})"
        )
    else:
        message = message_from_tree(root, source=source)
        signature = "present, not checked (give --trust CA files)" if is_signed(root) else "[yellow]unsigned[/]"
    _show(message, signature)


def _show(message: Message, signature: str) -> None:
    rows: list[tuple[str, str]]
    if isinstance(message, Document):
        rows = [
            ("kind", f"document · {message.document_type.type_name} (type {message.document_type.type})"),
            ("from", f"{message.sender.organ_id} {message.sender.organ_name}"),
            *[("to", f"{to.organ_id} {to.organ_name}") for to in message.recipients],
            ("number", str(message.code)),
            ("date", f"{message.promulgation.date:%Y-%m-%d} ({message.promulgation.place})"),
            ("subject", message.subject),
            ("signer", ", ".join(part for part in (message.signer.full_name, message.signer.position) if part)),
            ("document id", message.document_id),
        ]
        rows += [("trace", f"{hop.timestamp:%Y-%m-%d %H:%M:%S} {hop.organ_id}") for hop in message.trace]
    else:
        rows = _notice_rows(message)
    rows.append(("signature", signature))
    table = Table(show_header=False, box=None)
    for name, value in rows:
        table.add_row(f"[bold]{name}[/]", value if name == "signature" else _safe(value))
    out.print(table)
    if isinstance(message, Document):
        out.print(f"[bold]attachments[/] ({len(message.attachments)})")
        for attachment in message.attachments:
            # One line each, never wrapped by rich: an operator compares the digest whole.
            line = (
                f"  {_safe(attachment.name)}  {attachment.content_type}  {attachment.size:,} bytes  {attachment.digest}"
            )
            out.print(line, soft_wrap=True)


def _safe(text: str) -> str:
    """Text from a message, shown as text: rich markup escaped, control characters (C0 and C1, which a
    terminal may obey as escape sequences) written as \\x.. instead."""
    shown = "".join(
        f"\\x{ord(char):02x}" if unicodedata.category(char) == "Cc" and char != "\n" else char for char in text
    )
    return escape(shown)


def _notice_rows(notice: StatusNotice) -> list[tuple[str, str]]:
    return [
        ("kind", f"status notice · {notice.status.label} ({notice.status.value})"),
        ("from", f"{notice.sender.organ_id} {notice.sender.organ_name}"),
        ("answers", f"{notice.response_for.document_id} (number {notice.response_for.code})"),
        ("time", f"{notice.timestamp:%Y-%m-%d %H:%M:%S}"),
        ("description", notice.description),
        ("staff", ", ".join(part for part in (notice.staff.staff, notice.staff.department) if part)),
    ]


@axis_app.command("verify")
def verify_logs(logs: LogFiles) -> None:
    """Check each message log's hash chain end to end; exit 1 naming the first line that breaks it."""
    broken = 0
    for path in logs:
        try:
            head = verify_log(path)
        except LogBroken as error:
            err.print(f"[red]broken:[/] {error}")
            broken += 1
            continue
        out.print(f"[green]ok[/] {path}: {head.entries} entries, chain intact; head #{head.entries} {head.hash}")
    if broken:
        raise typer.Exit(1)


@axis_app.command("trace")
def trace_document(
    document_id: Annotated[str, typer.Argument(help="The DocumentId, e.g. '000.03.00.H49,2026/12/03,125/STC-NS'.")],
    logs: LogFiles,
) -> None:
    """Show a document's path and statuses across the nodes' logs, oldest first (logs verified first).

    Exits 1 when a log is broken or when the document's digest differs between nodes.
    """
    found = trace(document_id, logs)
    if not found:
        raise UserError(f"no entry for DocumentId {document_id!r} in {', '.join(map(str, logs))}")
    table = Table("time (UTC)", "node", "event", "from → to", "status", "digest", "log")
    for logged in found:
        entry = logged.entry
        status = entry.status + (f" ({entry.reason})" if entry.reason else "")
        table.add_row(
            f"{entry.at:%Y-%m-%d %H:%M:%S}",
            _safe(entry.node),
            entry.event.value,
            _safe(f"{entry.sender} → {', '.join(entry.recipients)}"),
            _safe(status),
            _safe(entry.digest[:19]),
            _safe(f"{logged.path.name}:{logged.line}"),
        )
    out.print(table)
    _check_one_digest(found)


def _check_one_digest(found: list[Logged]) -> None:
    """The document is signed end to end: every node must have seen the same bytes."""
    documents = [logged for logged in found if not logged.entry.status]
    digests = {logged.entry.digest for logged in documents}
    if len(digests) > 1:
        first = documents[0]
        changed = next(logged for logged in documents if logged.entry.digest != first.entry.digest)
        err.print(
            f"[red]the document changed in transit:[/] {first.entry.node} logged {first.entry.digest}, "
            f"{changed.entry.node} logged {changed.entry.digest} ({changed.path}:{changed.line})"
        )
        raise typer.Exit(1)
    if digests:
        out.print(f"same document digest at every node: {digests.pop()}")


@axis_app.command("serve")
def serve(
    settings: Annotated[Path, typer.Argument(help="The node's settings file (provcloud.exchange.settings).")],
) -> None:
    """Run an exchange node: answer the other nodes and, on a province's node, send the agencies'
    outboxes. What the exchange role's service runs; SIGTERM stops it."""
    from provcloud.exchange.daemon import configure_logging, run

    configure_logging()
    run(settings)
