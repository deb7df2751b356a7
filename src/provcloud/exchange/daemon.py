"""The exchange node as a long-running service: `python -m provcloud.exchange.daemon SETTINGS`
(what the exchange role's systemd unit runs; `provcloud axis serve SETTINGS` is the same).

It answers other nodes on `listen` (mutual TLS with `tls`), and on a province's node, every
`poll_seconds`, packages what each agency put in its outbox and sends what the queue has due.
One line per event on stderr (the journal); SIGTERM or SIGINT stop it after the current pass.
"""

import logging
import signal
import ssl
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from cryptography.hazmat.primitives.serialization import load_pem_private_key

from provcloud.catalogue.problem import CatalogueError
from provcloud.edxml.certificates import TrustList, load_certificates, signing_problem
from provcloud.edxml.model import Organ
from provcloud.edxml.signing import SigningKey
from provcloud.errors import UserError
from provcloud.exchange.agencies import SigningAgency
from provcloud.exchange.filing import FilingUnavailable
from provcloud.exchange.mayan import MayanFiling
from provcloud.exchange.node import Local, Node, Refused
from provcloud.exchange.outbox import send_outbox
from provcloud.exchange.queue import OutboundQueue
from provcloud.exchange.receipts import Receipts
from provcloud.exchange.routing import ProvinceRoutes, load_routing_table
from provcloud.exchange.service import serving
from provcloud.exchange.settings import NodeSettings, ProvinceSide, Tls, load_settings
from provcloud.message_log import MessageLog

LOG = logging.getLogger("provcloud.exchange")
LOG_FILE = "messages.log"
QUEUE_FILE = "queue.sqlite"
RECEIPTS_FILE = "receipts.sqlite"


@dataclass
class Running:
    """A node built from its settings, with what its passes need."""

    settings: NodeSettings
    node: Node
    filing: MayanFiling | None
    directory: dict[str, Organ]


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise UserError(f"{path}: cannot read {what}: {error.strerror}") from None


def _ssl_file_error(path: Path, what: str, error: Exception) -> UserError:
    return UserError(f"{path}: {what} cannot be used: {error}")


def _context(tls: Tls, purpose: ssl.Purpose, cas: Path, whose: str) -> ssl.SSLContext:
    """TLS 1.2+ with the node's certificate and key, trusting only the CA certificates in `cas`."""
    context = ssl.create_default_context(purpose)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(tls.certificate), str(tls.private_key))
    except (OSError, ssl.SSLError) as error:
        raise _ssl_file_error(tls.certificate, "the node's certificate and key", error) from None
    try:
        context.load_verify_locations(cafile=str(cas))
    except (OSError, ssl.SSLError) as error:
        raise _ssl_file_error(cas, f"the CAs of {whose}", error) from None
    return context


def client_context(tls: Tls) -> ssl.SSLContext:
    """How this node calls the others: its certificate, and only the CAs in `server_ca`."""
    return _context(tls, ssl.Purpose.SERVER_AUTH, tls.server_ca, "the nodes this one calls")


def server_context(tls: Tls) -> ssl.SSLContext:
    """How the others call this node: a client certificate from `client_ca` is required."""
    context = _context(tls, ssl.Purpose.CLIENT_AUTH, tls.client_ca, "the nodes allowed to call")
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def signing_agency(organ: Organ, key_file: Path, certificate_file: Path) -> SigningAgency:
    """An agency's signing key and chain, checked now: a wrong file stops the start, not a send."""
    try:
        key = load_pem_private_key(_read(key_file, "the agency's signing key"), None)
    except (ValueError, TypeError) as error:
        raise UserError(f"{key_file}: not an unencrypted PEM private key: {error}") from None
    if not isinstance(key, SigningKey):
        raise UserError(f"{key_file}: an RSA or EC key signs edXML, not {type(key).__name__}")
    chain = load_certificates(certificate_file)
    if not chain:
        raise UserError(f"{certificate_file}: no certificate")
    problem = signing_problem(chain[0])
    if problem is not None:
        raise UserError(f"{certificate_file}: {problem}")
    return SigningAgency(organ, key, chain)


def _filing(side: ProvinceSide) -> MayanFiling:
    token = _read(side.docsystem.token_file, "the document system's token").decode().strip()
    if not token:
        raise UserError(f"{side.docsystem.token_file}: the document system's token is empty")
    context = None
    if side.docsystem.ca is not None:
        try:
            context = ssl.create_default_context(cafile=str(side.docsystem.ca))
        except (OSError, ssl.SSLError) as error:
            raise _ssl_file_error(side.docsystem.ca, "the document system's CA", error) from None
    return MayanFiling(side.docsystem.url, token, context=context)


def build(settings: NodeSettings) -> Running:
    """The node the settings describe; UserError naming the file on a key, certificate or table that cannot be used."""
    trust = TrustList.from_files(settings.trust)
    state = settings.state_dir
    log = MessageLog(state / LOG_FILE)
    tls = client_context(settings.tls) if settings.tls is not None else None
    side = settings.province
    if side is None:
        assert settings.routing_table is not None  # NodeSettings: one tier or the other
        node = Node(settings.node, settings.endpoint, load_routing_table(settings.routing_table), trust, log, tls=tls)
        return Running(settings, node, None, {})
    filing = _filing(side)
    agencies = {
        agency.organ_id: signing_agency(Organ(agency.organ_id, agency.name), agency.key, agency.certificate)
        for agency in side.agencies
    }
    local = Local(agencies, filing, Receipts(state / RECEIPTS_FILE), OutboundQueue(state / QUEUE_FILE))
    routes = ProvinceRoutes(side.code, settings.endpoint.rstrip("/"), side.national.rstrip("/"))
    node = Node(settings.node, settings.endpoint.rstrip("/"), routes, trust, log, local, tls=tls)
    directory = {code: Organ(code, name) for code, name in side.directory.items()}
    directory |= {code: agency.organ for code, agency in agencies.items()}
    return Running(settings, node, filing, directory)


def one_pass(running: Running) -> tuple[int, int]:
    """Package every agency's new outbox documents and the statuses its clerks set on inbox documents,
    then send what is due: (queued, answered)."""
    side, filing = running.settings.province, running.filing
    if side is None or filing is None:
        return 0, 0
    queued = 0
    for agency in side.agencies:
        try:
            with running.node.guard:
                queued += send_outbox(running.node, filing, agency.organ_id, running.directory, side.place)
            for set_by_clerk in filing.inbox_statuses(agency.organ_id):
                with running.node.guard:
                    if running.node.report_for(set_by_clerk.response_for, agency.organ_id, set_by_clerk.status):
                        queued += 1
                        LOG.info("%s: %s on %s", agency.organ_id, set_by_clerk.status.label,
                                 set_by_clerk.response_for.document_id)  # fmt: skip
        except FilingUnavailable as error:
            LOG.warning("outbox of %s not read, next pass retries: %s", agency.organ_id, error)
        except UserError as error:  # a clerk's mistake in one document: say which, keep going
            LOG.error("outbox of %s: %s", agency.organ_id, error)
    try:
        answered = running.node.deliver_due()
    except Refused as refused:
        LOG.error("an answer was refused: %s", refused.reason)
        answered = 0
    if queued or answered:
        LOG.info("queued %d, answered %d", queued, answered)
    return queued, answered


@contextmanager
def started(running: Running) -> Iterator[str]:
    """The node answering on its `listen` address; yields the URL it is bound to."""
    settings = running.settings
    host, port = settings.listen_address
    tls = server_context(settings.tls) if settings.tls is not None else None
    try:
        with serving(running.node, port, host, tls) as (url, _):
            yield url
    except OSError as error:
        raise UserError(f"cannot listen on {settings.listen}: {error.strerror or error}") from None


def run(settings_file: Path, stop: threading.Event | None = None) -> None:
    """Serve until `stop` is set (or SIGTERM/SIGINT in the main thread)."""
    running = build(load_settings(settings_file))
    stopping = stop or threading.Event()
    if stop is None:

        def _stop(signum: int, frame: FrameType | None) -> None:
            stopping.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    side = running.settings.province
    with started(running) as url:
        tier = f"province {side.code}, {len(side.agencies)} agencies" if side else "national peer"
        LOG.info("%s (%s) answering on %s", running.settings.node, tier, url)
        while not stopping.is_set():
            one_pass(running)
            stopping.wait(side.poll_seconds if side else 3600)
    LOG.info("%s stopped", running.settings.node)


def configure_logging() -> None:
    """One line per event on stderr, which systemd hands to the journal."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1:
        print("usage: python -m provcloud.exchange.daemon SETTINGS_FILE", file=sys.stderr)
        return 2
    configure_logging()
    try:
        run(Path(arguments[0]))
    except (UserError, CatalogueError) as error:
        print(f"provcloud exchange: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
