"""The notifier's Bayeux endpoint fuzzed with hypothesis, over long-polling and websocket:
generated batches (every field with a wrong type too, illegal channels, non-objects, a real
session's clientId or unknown ones, with and without credentials) and raw bytes.

Each reply must be a well-formed Bayeux reply or the documented HTTP error (`bayeux_replies`).
All of a test's examples go to one notifier; once they are done, the same notifier must be
healthy and serve the third-party Python CometD client, which handshakes, subscribes to
/v2/me/outbound and hears an outcome written to `ocs.events` (checked as the fixture ends).

The examples run on the test's event loop (pytest-asyncio drives hypothesis), so nothing of the
notifier runs while hypothesis draws: it compares the global `random` state around each draw,
and the notifier's Kafka consumer uses `random`. For long-polling, connects are held at most
100 ms (the notifier's connect timeout) so that a generated connect never holds a request long;
a websocket answers held connects in frames of their own, so that notifier keeps the default."""

import asyncio
from collections.abc import AsyncIterator
from itertools import count

import httpx
import pytest
import websockets
from aiocometd_ng.constants import ConnectionType
from aiocometd_ng.transports.long_polling import LongPollingTransport
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.bayeux_messages import batch_size, batches, encode, raw_bodies, with_client_id
from tests.fuzz.bayeux_replies import Message, assert_long_polling_reply, parse_replies
from tests.fuzz.examples import fuzz_settings
from tests.notifier.conftest import EventWriter, RunningNotifier, StartNotifier, basic
from tests.notifier.test_python_client import assert_client_hears_an_outcome

pytestmark = [
    pytest.mark.kafka,
    # aiocometd-ng's own deprecation (see tests/notifier/test_python_client.py).
    pytest.mark.filterwarnings(
        "ignore:float parameter 'receive_timeout' is deprecated:DeprecationWarning"
    ),
]

# One notifier serves all of a test's examples on purpose: it is what must survive them.
FUZZ = settings(fuzz_settings(150), suppress_health_check=[HealthCheck.function_scoped_fixture])
HELD_CONNECT_MS = 100
HANDSHAKE: Message = {
    "channel": "/meta/handshake",
    "version": "1.0",
    "supportedConnectionTypes": ["long-polling", "websocket"],
}
# The live session listens here, so that generated publishes on /fuzz/own come back to it.
FUZZ_CHANNELS = "/fuzz/**"
# Sent with a generated batch: none, the session's user, a stranger.
AUTHORIZATIONS = [None, basic("agent1"), "Basic YWdlbnQxOndyb25n"]
message_ids = count()


async def assert_a_client_still_hears_its_outcome(
    notifier: RunningNotifier, events: EventWriter, transport: ConnectionType
) -> None:
    async with httpx.AsyncClient(base_url=notifier.base_url, timeout=10) as http:
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/readyz")).status_code == 200
    await assert_client_hears_an_outcome(notifier.url, events, transport)


# Each example hand-shakes a session of agent1's of its own: past the default cap of sessions
# per user (tested in test_notifier_user_limits.py) before the first ones expire.
MANY_SESSIONS = {"max_sessions_per_user": 100_000}


@pytest.fixture
async def long_polling_notifier(
    start_notifier: StartNotifier, events: EventWriter, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RunningNotifier]:
    notifier = await start_notifier(
        connect_timeout_ms=HELD_CONNECT_MS, log_level="warning", **MANY_SESSIONS
    )
    yield notifier
    # aiocometd-ng gives up on any request after 1.2 times the server's connect timeout: 120 ms
    # here, which a loaded CI machine exceeds ("Lost connection with the server"). The client
    # that checks the notifier afterwards waits up to 12 s; the notifier is the same.
    monkeypatch.setattr(LongPollingTransport, "REQUEST_TIMEOUT_INCREASE_FACTOR", 120)
    await assert_a_client_still_hears_its_outcome(notifier, events, ConnectionType.LONG_POLLING)


@pytest.fixture
async def websocket_notifier(
    start_notifier: StartNotifier, events: EventWriter
) -> AsyncIterator[RunningNotifier]:
    notifier = await start_notifier(log_level="warning", **MANY_SESSIONS)
    yield notifier
    await assert_a_client_still_hears_its_outcome(notifier, events, ConnectionType.WEBSOCKET)


async def live_client_id(http: httpx.AsyncClient, url: str) -> str:
    """A new session of agent1's, subscribed to the fuzz channels."""
    reply = await http.post(url, json=[HANDSHAKE], headers={"Authorization": basic("agent1")})
    client_id: str = reply.json()[0]["clientId"]
    subscribe = {"channel": "/meta/subscribe", "clientId": client_id}
    await http.post(url, json=[{**subscribe, "subscription": FUZZ_CHANNELS}])
    return client_id


@FUZZ
@given(
    body=st.one_of(
        batches.map(lambda batch: (encode(batch), batch_size(batch))),
        raw_bodies.map(lambda raw: (raw, None)),
    ),
    authorization=st.sampled_from(AUTHORIZATIONS),
)
async def test_fuzzed_long_polling_batches_get_bayeux_replies(
    long_polling_notifier: RunningNotifier,
    body: tuple[bytes, int | None],
    authorization: str | None,
) -> None:
    content, size = body
    url = long_polling_notifier.url
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    async with httpx.AsyncClient(timeout=10) as http:
        content = with_client_id(content, await live_client_id(http, url))
        response = await http.post(url, content=content, headers=headers)
    assert_long_polling_reply(response.status_code, response.headers, response.content, size)


async def reply_to(socket: websockets.ClientConnection, message_id: str) -> Message:
    """Reads frames, each checked, until the reply to the message `message_id`."""
    async with asyncio.timeout(10):
        while True:
            for reply in parse_replies(await socket.recv()):
                if reply.get("id") == message_id:
                    return reply


async def roundtrip(socket: websockets.ClientConnection, message: Message) -> Message:
    message_id = f"fuzz-{next(message_ids)}"
    await socket.send(encode([{**message, "id": message_id}]))
    return await reply_to(socket, message_id)


@FUZZ
@given(frame=st.one_of(batches.map(encode), raw_bodies))
async def test_fuzzed_websocket_frames_get_bayeux_replies_and_the_socket_stays(
    websocket_notifier: RunningNotifier, frame: bytes
) -> None:
    url = websocket_notifier.url.replace("http://", "ws://")
    credentials = {"Authorization": basic("agent1")}
    async with websockets.connect(url, additional_headers=credentials) as socket:
        client_id = (await roundtrip(socket, HANDSHAKE))["clientId"]
        subscribe = {"channel": "/meta/subscribe", "clientId": client_id}
        await roundtrip(socket, {**subscribe, "subscription": FUZZ_CHANNELS})
        frame = with_client_id(frame, client_id)
        try:
            await socket.send(frame.decode())  # text, as CometD clients send
        except UnicodeDecodeError:
            await socket.send(frame)
        if len(frame) > websocket_notifier.settings.max_request_bytes:
            async with asyncio.timeout(10):  # past the frame limit the server closes, 1009
                await socket.wait_closed()
            assert socket.close_code == 1009
            return
        sentinel = await roundtrip(socket, {"channel": "/meta/unsubscribe", "clientId": "none"})
        assert sentinel["error"] == "402::Unknown client"
