"""A local TCP forward into the lab: connections to 127.0.0.1:PORT on the host are passed, byte for
byte, to a lab machine's port, leaving from an address of the host's own (the management zone's
gateway), so they enter the lab as the management zone's do. TLS passes through untouched: the
browser sees the machine's own certificate, and the machine's firewall and nginx judge the
connection as they judge management's. `provcloud lab open` runs it."""

import asyncio
import contextlib
import signal
from collections.abc import Callable
from dataclasses import dataclass

from provcloud.errors import UserError

CHUNK = 1 << 16


@dataclass(frozen=True)
class Forward:
    listen_host: str
    listen_port: int
    target_host: str
    target_port: int
    source: str
    """The host's address connections to the target leave from."""


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until end of stream, then pass the end on (a half-close, so the other way keeps going)."""
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()


async def _serve(forward: Forward, ready: Callable[[], None], failed: Callable[[str], None]) -> None:
    async def connection(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                forward.target_host, forward.target_port, local_addr=(forward.source, 0)
            )
        except OSError as error:
            failed(f"cannot reach {forward.target_host}:{forward.target_port} from {forward.source}: {error}")
            client_writer.close()
            return
        try:
            await asyncio.gather(_pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer))
        finally:
            for writer in (upstream_writer, client_writer):
                writer.close()

    try:
        server = await asyncio.start_server(connection, forward.listen_host, forward.listen_port)
    except OSError as error:
        raise UserError(
            f"cannot listen on {forward.listen_host}:{forward.listen_port} ({error.strerror}): choose another --port"
        ) from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        ready()
        await stop.wait()


def run_forward(forward: Forward, ready: Callable[[], None], failed: Callable[[str], None]) -> None:
    """Forward until SIGINT or SIGTERM; `ready` once listening, `failed` for each connection that
    could not reach the target."""
    asyncio.run(_serve(forward, ready, failed))
