"""A crowd of Bayeux sessions against a real local HTTP server that refuses or drops them:
the losses are counted and the crowd goes on."""

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.server import ServerConnection, serve

from bench.bayeux_client import BayeuxError, Crowd, Endpoint, SessionClosed
from bench.raw_http import HttpError


async def _refusing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers every request with a refused handshake, as a server at its limit would."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            await reader.readexactly(length)
            body = json.dumps(
                [{"channel": "/meta/handshake", "successful": False, "error": "403::full"}]
            ).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            await writer.drain()
    except asyncio.IncompleteReadError:
        pass
    finally:
        writer.close()


async def _dropping(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Closes every connection without answering."""
    writer.close()


@pytest.fixture
async def refusing_port() -> AsyncIterator[int]:
    server = await asyncio.start_server(_refusing, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


@pytest.fixture
async def dropping_port() -> AsyncIterator[int]:
    server = await asyncio.start_server(_dropping, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


async def test_refused_handshakes_are_lost_sessions_not_an_error(refusing_port: int) -> None:
    endpoint = Endpoint("127.0.0.1", refusing_port, "/cometd")

    async with Crowd(endpoint, "long-polling", 3, {"/x": lambda _: None}) as crowd:
        assert await crowd.wait_until_holding(5)
        assert crowd.live == 0
        assert len(crowd.failures) == 3
        assert all(isinstance(failure, BayeuxError) for failure in crowd.failures)


async def test_lost_sessions_are_replaced_and_their_history_kept(dropping_port: int) -> None:
    endpoint = Endpoint("127.0.0.1", dropping_port, "/cometd")

    async with Crowd(endpoint, "long-polling", 2, {"/x": lambda _: None}) as crowd:
        assert crowd.live == 0
        assert await crowd.replace_lost() == 2
        assert len(crowd.sessions) == 2
        assert len(crowd.failures) == 4
        assert all(isinstance(failure, HttpError) for failure in crowd.failures)


async def _closing_after_subscribe(connection: ServerConnection) -> None:
    """Handshakes and subscribes a websocket session, then closes it cleanly at its connect."""
    async for frame in connection:
        message = json.loads(frame)[0]
        if message["channel"] == "/meta/connect":
            await connection.close()
            return
        reply = {"channel": message["channel"], "successful": True, "clientId": "c1"}
        await connection.send(json.dumps([reply]))


async def test_a_websocket_the_server_closes_cleanly_is_a_lost_session() -> None:
    async with serve(_closing_after_subscribe, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        endpoint = Endpoint("127.0.0.1", port, "/cometd")

        async with Crowd(endpoint, "websocket", 1, {"/x": lambda _: None}) as crowd:
            assert await crowd.wait_until_holding(5)
            assert await crowd.wait_for_losses(1, within=5)
            assert crowd.live == 0

    assert [type(failure) for failure in crowd.failures] == [SessionClosed]


async def _refusing_connect(connection: ServerConnection) -> None:
    """Handshakes and subscribes a websocket session, then refuses its connect."""
    async for frame in connection:
        message = json.loads(frame)[0]
        successful = message["channel"] != "/meta/connect"
        reply = {"channel": message["channel"], "successful": successful, "clientId": "c1"}
        await connection.send(json.dumps([reply]))


async def test_a_refused_websocket_connect_is_lost_and_no_longer_counted_as_holding() -> None:
    async with serve(_refusing_connect, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        endpoint = Endpoint("127.0.0.1", port, "/cometd")

        async with Crowd(endpoint, "websocket", 1, {"/x": lambda _: None}) as crowd:
            assert await crowd.wait_for_losses(1, within=5)
            assert (crowd.live, crowd.holding) == (0, 0)
            assert [type(failure) for failure in crowd.failures] == [BayeuxError]
