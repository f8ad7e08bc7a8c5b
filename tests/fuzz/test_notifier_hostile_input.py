"""Hostile Bayeux input, case by case, over long-polling and websocket: thousands of messages
in one batch, bodies and frames over the size limit, unknown and illegal channels, messages
before a handshake or for unknown clients, other HTTP methods. Every reply is checked as in
`bayeux_replies`. Tests named after a case are regressions for bugs the fuzzing found."""

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from agent_access.session import SESSION_COOKIE
from tests.fuzz.bayeux_replies import Message, assert_long_polling_reply, parse_replies
from tests.notifier.conftest import RunningNotifier, basic
from tests.notifier.raw import RawBayeux

pytestmark = pytest.mark.kafka

HANDSHAKE: Message = {
    "channel": "/meta/handshake",
    "version": "1.0",
    "supportedConnectionTypes": ["long-polling", "websocket"],
}


@pytest.fixture
async def raw(running_notifier: RunningNotifier) -> AsyncIterator[RawBayeux]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield RawBayeux(running_notifier, http)


async def post(raw: RawBayeux, body: bytes, **headers: str) -> httpx.Response:
    return await raw.http.post(
        raw.url, content=body, headers={"Content-Type": "application/json", **headers}
    )


async def post_batch(raw: RawBayeux, body: bytes, batch_size: int) -> list[Message]:
    response = await post(raw, body)
    assert response.status_code == 200, response.text
    return assert_long_polling_reply(200, response.headers, response.content, batch_size)


async def refused(raw: RawBayeux, body: bytes, status: int = 400) -> str:
    """The error of a body refused whole, with HTTP `status`."""
    response = await post(raw, body)
    assert response.status_code == status, response.text
    [error] = assert_long_polling_reply(status, response.headers, response.content, None)
    message: str = error["error"]
    return message


def websocket_url(notifier: RunningNotifier) -> str:
    return notifier.url.replace("http://", "ws://")


async def frame_replies(socket: websockets.ClientConnection, frame: str) -> list[Message]:
    await socket.send(frame)
    return parse_replies(await socket.recv())


async def test_a_batch_of_thousands_of_messages_gets_one_reply_each(
    raw: RawBayeux, running_notifier: RunningNotifier
) -> None:
    batch = [{"channel": "/meta/connect"}] * 1500 + [{}] * 4000
    replies = await post_batch(raw, json.dumps(batch).encode(), len(batch))
    assert [reply["error"] for reply in replies] == ["402::Unknown client"] * 1500 + [
        "400::Message without a channel"
    ] * 4000
    client_id = await raw.handshake()
    subscribes = [
        {"channel": "/meta/subscribe", "clientId": client_id, "subscription": f"/many/{n}"}
        for n in range(600)
    ]
    replies = await post_batch(raw, json.dumps(subscribes).encode(), len(subscribes))
    cap = running_notifier.settings.max_subscriptions_per_session
    assert all(reply["successful"] for reply in replies[:cap])
    assert {reply["error"] for reply in replies[cap:]} == {
        f"403::Subscription denied: at most {cap} per session"
    }


async def test_bodies_and_frames_over_the_size_limit_are_413(
    raw: RawBayeux, running_notifier: RunningNotifier
) -> None:
    limit = running_notifier.settings.max_request_bytes

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(limit // 1000 + 2):
            yield b" " * 1000

    streamed = await raw.http.post(raw.url, content=chunks())  # chunked: no declared length
    assert_long_polling_reply(streamed.status_code, streamed.headers, streamed.content, None)
    assert streamed.status_code == 413
    credentials = {"Authorization": basic("agent1")}
    async with websockets.connect(
        websocket_url(running_notifier), additional_headers=credentials, max_size=None
    ) as socket:
        [handshake] = await frame_replies(socket, json.dumps(HANDSHAKE))
        assert handshake["successful"] is True
        await socket.send("[" + " " * limit + "]")
        with pytest.raises(ConnectionClosed) as closed:  # the server buffers no more of it
            await socket.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1009


def channel_cases() -> Iterator[tuple[str, str | None, str | None]]:
    """(channel, publish error, subscribe error); None: successful."""
    long = "/" + "x" * 10_000
    yield "/meta/foo", "403::Publish denied", "403:/meta/foo:Subscription denied"
    yield "/meta/**", "403::Publish denied", "403:/meta/**:Subscription denied"
    yield "/service/x", None, None
    yield "/v2/me/outbound", "403::Publish denied", None
    yield "/a/*", "400:/a/*:Invalid channel", None
    yield "/*/b", "400:/*/b:Invalid channel", "400:/*/b:Invalid channel"
    yield "/a//b", "400:/a//b:Invalid channel", "400:/a//b:Invalid channel"
    yield "no-slash", "400:no-slash:Invalid channel", "400:no-slash:Invalid channel"
    yield "/", "400:/:Invalid channel", "400:/:Invalid channel"
    yield long, None, None


async def test_unknown_and_illegal_channels_get_their_bayeux_errors(raw: RawBayeux) -> None:
    client_id = await raw.handshake()
    for channel, publish_error, subscribe_error in channel_cases():
        publish = {"channel": channel, "clientId": client_id, "data": {}}
        subscribe = {"channel": "/meta/subscribe", "clientId": client_id, "subscription": channel}
        [published, subscribed] = await post_batch(
            raw, json.dumps([publish, subscribe]).encode(), 2
        )
        assert published.get("error") == publish_error, channel[:20]
        assert subscribed.get("error") == subscribe_error, channel[:20]
    empty = {"channel": "", "clientId": client_id, "data": {}}
    [reply] = await post_batch(raw, json.dumps(empty).encode(), 1)
    assert reply["error"] == "400::Message without a channel"


@pytest.mark.parametrize("client_id", [None, "unknown", 42, [], {}, ""])
async def test_messages_before_a_handshake_or_of_unknown_clients_are_told_to_handshake(
    raw: RawBayeux, client_id: object
) -> None:
    messages: list[Message] = [
        {"channel": "/meta/subscribe", "subscription": "/v2/me/outbound"},
        {"channel": "/meta/unsubscribe", "subscription": "/v2/me/outbound"},
        {"channel": "/meta/connect", "connectionType": "long-polling"},
        {"channel": "/meta/disconnect"},
        {"channel": "/chat/room", "data": {}},
    ]
    if client_id is not None:
        messages = [{**message, "clientId": client_id} for message in messages]
    replies = await post_batch(raw, json.dumps(messages).encode(), len(messages))
    for reply in replies:
        assert reply["error"] == "402::Unknown client"
        assert reply["advice"]["reconnect"] == "handshake"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_other_http_methods_are_405(raw: RawBayeux, method: str) -> None:
    response = await raw.http.request(method, raw.url)
    assert response.status_code == 405  # Starlette's {"detail": ...}: see docs/notifier.md


async def test_json_nested_deeper_than_the_parser_goes_is_400(
    raw: RawBayeux, running_notifier: RunningNotifier
) -> None:
    deep = "[" * 60_000
    error = await refused(raw, deep.encode())  # was 500 (RecursionError)
    assert error.startswith("400::Malformed JSON")
    credentials = {"Authorization": basic("agent1")}
    async with websockets.connect(
        websocket_url(running_notifier), additional_headers=credentials
    ) as socket:
        [reply] = await frame_replies(socket, deep)  # the socket was dropped
        assert reply["error"].startswith("400::Malformed JSON")
        [handshake] = await frame_replies(socket, json.dumps(HANDSHAKE))
        assert handshake["successful"] is True


async def test_a_value_nested_too_deep_to_echo_is_400(raw: RawBayeux) -> None:
    nested = "[" * 900 + "]" * 900
    body = f'{{"channel": "/meta/subscribe", "id": {nested}}}'.encode()
    error = await refused(raw, body)  # was 500: parsed, but the reply could not be encoded
    assert error == "400::Nested deeper than 64 levels"


@pytest.mark.parametrize(
    ("field", "number"),
    [("id", "NaN"), ("ext", "-Infinity"), ("data", "1e400"), ("advice", "Infinity")],
)
async def test_non_finite_numbers_are_400_malformed_json(
    raw: RawBayeux, field: str, number: str
) -> None:
    client_id = await raw.handshake()
    await raw.subscribe(client_id, "/own/**")
    value = f'{{"timeout": {number}}}' if field == "advice" else number
    value = f'{{"app": {number}}}' if field == "ext" else value
    channel = "/meta/connect" if field == "advice" else "/own/x"
    message = f'{{"channel": "{channel}", "clientId": "{client_id}", "{field}": {value}}}'
    error = await refused(raw, message.encode())  # was 500
    assert error.startswith("400::Malformed JSON")
    # A published NaN was queued for the publisher's own session, whose next connect was then
    # a 500 with the queue lost; now nothing was published and the session connects.
    replies = await raw.connect(client_id, advice={"timeout": 0})
    assert [reply["channel"] for reply in replies] == ["/meta/connect"]
    assert replies[0]["successful"] is True


async def test_a_lone_surrogate_is_echoed_escaped(raw: RawBayeux) -> None:
    body = b'{"channel": "/meta/subscribe", "clientId": "x", "id": "\\ud800"}'
    [reply] = await post_batch(raw, body, 1)  # was 500: not encodable as UTF-8
    assert reply["id"] == "\ud800"


async def test_a_handshake_with_a_non_ascii_session_cookie_is_denied_403(
    raw: RawBayeux,
) -> None:
    cookie = f"{SESSION_COOKIE}=e30.sïgnature".encode("latin-1")
    response = await raw.http.post(
        raw.url,
        content=json.dumps(HANDSHAKE).encode(),
        headers=[(b"Cookie", cookie), (b"X-Requested-With", b"XMLHttpRequest")],
    )
    assert response.status_code == 200  # was 500: hmac.compare_digest refused non-ASCII str
    [reply] = assert_long_polling_reply(200, response.headers, response.content, 1)
    assert reply["error"] == "403::Handshake denied: authentication required"
