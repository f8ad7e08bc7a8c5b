"""Slow clients against both services served as their `main` serves them, on real sockets: a
connection that sends nothing, headers dribbled a byte at a time, or a body never finished is
answered 408 and closed once its deadline passes, and meanwhile the service serves others."""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.kafka import InMemoryPublisher
from tests.fuzz.gws_replies import assert_gws_error
from tests.gateway.conftest import basic, running_gateway, settings
from tests.notifier.conftest import StartNotifier

DEADLINE_S = 0.5
# Closed within the deadline and a loaded machine's slack; unbounded before the deadlines.
CLOSED_WITHIN_S = 8
DEADLINES = {
    "request_header_timeout_seconds": DEADLINE_S,
    "request_body_timeout_seconds": DEADLINE_S,
}
REQUEST_LINE = b"POST /api/v2/me/outbound-records/9 HTTP/1.1\r\nHost: 127.0.0.1\r\n"


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[str, int, InMemoryPublisher]]:
    published = InMemoryPublisher()
    async with running_gateway(settings(**DEADLINES), publisher=published) as base_url:
        yield base_url, int(base_url.rsplit(":", 1)[1]), published


async def until_closed(port: int, sent: bytes, dribble: bytes = b"") -> tuple[bytes, float]:
    """Sends `sent`, then `dribble` a byte every 50 ms; what the server answered until it
    closed the connection, and after how long."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()

    async def dribbling() -> None:
        for byte in dribble:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)

    writer.write(sent)
    drip = asyncio.create_task(dribbling())
    try:
        async with asyncio.timeout(CLOSED_WITHIN_S):
            answered = await reader.read()
        return answered, time.monotonic() - started
    finally:
        drip.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await drip
        writer.close()


def split_reply(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (h.partition(":") for h in lines)}
    return int(status_line.split()[1]), headers, body


def assert_gws_timeout(raw: bytes) -> None:
    status, headers, body = split_reply(raw)
    assert status == 408
    assert headers["connection"] == "close"
    assert_gws_error(status, headers, body)
    assert json.loads(body)["statusCode"] == 2


async def test_a_connection_that_sends_nothing_is_closed_with_408(
    gateway: tuple[str, int, InMemoryPublisher],
) -> None:
    _, port, _ = gateway
    answered, _ = await until_closed(port, b"")  # before: held until the client gave up
    assert_gws_timeout(answered)


async def test_headers_dribbled_byte_by_byte_are_cut_off_and_others_are_served(
    gateway: tuple[str, int, InMemoryPublisher],
) -> None:
    base_url, port, _ = gateway
    dribble = b"X-Slow: " + b"a" * 2000  # 100 s at 50 ms a byte
    slow = [asyncio.create_task(until_closed(port, REQUEST_LINE, dribble)) for _ in range(20)]
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as http:
        assert (await http.get("/healthz")).status_code == 200
    for answered, after_s in await asyncio.gather(*slow):
        assert_gws_timeout(answered)
        assert after_s < CLOSED_WITHIN_S


async def test_a_body_never_finished_is_cut_off_and_publishes_nothing(
    gateway: tuple[str, int, InMemoryPublisher],
) -> None:
    _, port, published = gateway
    authorization = basic("agent1")["Authorization"].encode()
    head = (
        REQUEST_LINE + b"Authorization: " + authorization + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: 400\r\n\r\n"
    )
    answered, _ = await until_closed(port, head + b'{"operationName": "Rej')
    assert_gws_timeout(answered)
    assert published.published == []


async def test_the_notifier_cuts_off_slow_headers_and_a_body_never_finished(
    start_notifier: StartNotifier,
) -> None:
    running = await start_notifier(**DEADLINES)
    port = int(running.base_url.rsplit(":", 1)[1])
    line = f"POST {running.settings.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
    unfinished = line + b"Content-Type: application/json\r\nContent-Length: 300\r\n\r\n[{"
    for answered, _ in await asyncio.gather(
        until_closed(port, unfinished), until_closed(port, line, b"X-Slow: " + b"a" * 2000)
    ):
        status, headers, reply = split_reply(answered)
        assert (status, headers["connection"]) == (408, "close")
        assert json.loads(reply) == [
            {"successful": False, "error": "408::Request not received in time"}
        ]
    async with httpx.AsyncClient(base_url=running.base_url, timeout=5) as http:
        assert (await http.get("/healthz")).status_code == 200
