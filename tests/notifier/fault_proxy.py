"""A TCP proxy in front of the notifier that can lose one server reply on the way: the
server writes it whole, the proxy swallows it and cuts both connections, as a proxy timeout
or a Wi-Fi blip does. It reads just enough of the byte stream to find reply boundaries: HTTP
responses (`Content-Length` bodies) and, after a `101` upgrade, websocket frames. Like many
proxies it offers no websocket extensions, so that frames are not compressed."""

import asyncio
import contextlib
from collections.abc import Callable

Unit = bytes
"""One HTTP response, or one websocket frame, as the server wrote it."""


class FaultProxy:
    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._server: asyncio.Server | None = None
        self._drop: tuple[Callable[[Unit], bool], asyncio.Future[Unit]] | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def __aenter__(self) -> "FaultProxy":
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._open):
            writer.close()
        await self._server.wait_closed()

    def drop_next(self, matching: Callable[[Unit], bool]) -> asyncio.Future[Unit]:
        """Lose the next server reply `matching`; the future gets it once it is lost."""
        lost: asyncio.Future[Unit] = asyncio.get_running_loop().create_future()
        self._drop = (matching, lost)
        return lost

    async def _serve(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        server_in, server_out = await asyncio.open_connection("127.0.0.1", self._target_port)
        self._open.update((client_out, server_out))
        upstream: asyncio.Task[None] | None = None
        try:
            server_out.write(_without_extensions(await client_in.readuntil(b"\r\n\r\n")))
            upstream = asyncio.create_task(_pipe(client_in, server_out))
            await self._replies(server_in, client_out)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if upstream is not None:
                upstream.cancel()
            for writer in (client_out, server_out):
                self._open.discard(writer)
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()

    async def _replies(self, server: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        upgraded = False
        while True:
            unit = await (_frame(server) if upgraded else _response(server))
            upgraded = upgraded or unit.startswith(b"HTTP/1.1 101")
            if self._drop is not None and self._drop[0](unit):
                _, lost = self._drop
                self._drop = None
                lost.set_result(unit)
                return  # swallowed: both connections are cut
            client.write(unit)
            await client.drain()


def _without_extensions(head: bytes) -> bytes:
    lines = head.split(b"\r\n")
    kept = [line for line in lines if not line.lower().startswith(b"sec-websocket-extensions:")]
    return b"\r\n".join(kept)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while chunk := await source.read(65536):
            sink.write(chunk)
            await sink.drain()
    sink.close()


async def _response(server: asyncio.StreamReader) -> Unit:
    head = await server.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head + await server.readexactly(length)


async def _frame(server: asyncio.StreamReader) -> Unit:
    header = await server.readexactly(2)
    length = header[1] & 0x7F
    extended = b""
    if length == 126:
        extended = await server.readexactly(2)
    elif length == 127:
        extended = await server.readexactly(8)
    if extended:
        length = int.from_bytes(extended, "big")
    return header + extended + await server.readexactly(length)
