"""The exchange node over HTTP (stdlib http.server): POST /messages?to=ORGAN_ID and POST /notices?to=ORGAN_ID.

A message is answered with the signed status notice (200, application/xml); a refused request with
a short text reason (4xx); a next hop that cannot answer now with 503, so the sender's queue retries.
"""

import logging
import ssl
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from provcloud.edxml.parse import DEFAULT_LIMITS
from provcloud.errors import UserError
from provcloud.exchange.filing import FilingUnavailable
from provcloud.exchange.node import MESSAGES, NOTICES, Node, Refused
from provcloud.exchange.transport import CONTENT_TYPE, Reply, Unreachable

MAX_BODY = DEFAULT_LIMITS.message_bytes
"""The largest body read: the edXML limit, checked from Content-Length before reading."""
ACCEPTED_TYPES = ("application/xml", "text/xml")
REQUEST_TIMEOUT = 60.0
"""Seconds a caller may take for the handshake and each read before its connection is closed."""
LOG = logging.getLogger("provcloud.exchange")


def handle_request(node: Node, method: str, target: str, content_type: str, length: int | None, body: Any) -> Reply:
    """The answer to one request; `body` is read only once the request passed its checks."""
    parts = urlsplit(target)
    kind = parts.path.strip("/")
    if method != "POST":
        return Reply(405, b"only POST is answered\n")
    if kind not in (MESSAGES, NOTICES):
        return Reply(404, b"POST /messages?to=ORGAN_ID or /notices?to=ORGAN_ID\n")
    recipients = parse_qs(parts.query).get("to", [])
    if len(recipients) != 1:
        return Reply(400, b"name the recipient once: ?to=ORGAN_ID\n")
    if content_type.split(";")[0].strip().lower() not in ACCEPTED_TYPES:
        return Reply(415, f"Content-Type must be {CONTENT_TYPE}\n".encode())
    if length is None:
        return Reply(411, b"Content-Length is required\n")
    if length > MAX_BODY:
        return Reply(413, f"the body is {length} bytes, over the limit of {MAX_BODY}\n".encode())
    try:
        return node.handle(kind, recipients[0], body.read(length))
    except Refused as refused:
        return Reply(refused.status, refused.reason.encode() + b"\n")
    except (Unreachable, FilingUnavailable) as error:
        return Reply(503, f"cannot answer now, send again later: {error}\n".encode())
    except UserError as error:
        return Reply(400, str(error).encode() + b"\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line for a caller that failed the TLS handshake or hung up, not a traceback."""
        error = sys.exc_info()[1]
        # A connection closed before the handshake is a port probe (a health check, wait_for).
        level = logging.DEBUG if isinstance(error, ssl.SSLEOFError | ConnectionResetError) else logging.WARNING
        LOG.log(level, "request from %s failed: %s", client_address[0], error)


@contextmanager
def serving(
    node: Node, port: int = 0, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
) -> Iterator[tuple[str, ThreadingHTTPServer]]:
    """`node` answering on `host`:`port` (0: a free one) in a thread, over TLS with `tls` (a server
    context that requires client certificates); yields its URL and server."""

    class Handler(BaseHTTPRequestHandler):
        timeout = REQUEST_TIMEOUT

        def setup(self) -> None:
            self.request.settimeout(self.timeout)
            if isinstance(self.request, ssl.SSLSocket):
                self.request.do_handshake()  # here, in the request's thread (see below)
            super().setup()

        def answer(self) -> None:
            header = self.headers.get("Content-Length")
            length = int(header) if header and header.isdigit() else None
            with node.guard:  # one request at a time per node: the log, queue and receipts stay in order
                reply = handle_request(
                    node, self.command, self.path, self.headers.get("Content-Type", ""), length, self.rfile
                )
            self.send_response(reply.status)
            self.send_header("Content-Type", CONTENT_TYPE if reply.status == 200 else "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _Server((host, port), Handler)
    if tls is not None:
        # Handshakes happen in each request's thread (do_handshake_on_connect off): a caller that
        # connects and sends nothing holds one thread, not the accept loop.
        server.socket = tls.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls is not None else "http"
    try:
        yield f"{scheme}://{host}:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
