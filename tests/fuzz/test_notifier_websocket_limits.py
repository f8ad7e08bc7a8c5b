"""Websockets before any credential, against the real notifier as `main` serves it: a frame
is at most the request limit (the server closes the socket, 1009, before buffering more), a
socket that has not hand-shaken within the deadline is closed, and one address keeps at most
a few sockets that have not hand-shaken."""

import asyncio
import json

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from tests.fuzz.test_notifier_hostile_input import HANDSHAKE, frame_replies, websocket_url
from tests.notifier.conftest import RunningNotifier, StartNotifier, basic

pytestmark = pytest.mark.kafka


async def closed_with(socket: websockets.ClientConnection, within_s: float) -> int | None:
    """The close code the server sent, waiting at most `within_s`."""
    async with asyncio.timeout(within_s):
        await socket.wait_closed()
    return socket.close_code


async def test_an_anonymous_frame_over_the_request_limit_closes_the_socket_1009(
    running_notifier: RunningNotifier,
) -> None:
    limit = running_notifier.settings.max_request_bytes
    async with websockets.connect(websocket_url(running_notifier), max_size=None) as socket:
        await socket.send("[" + " " * limit + "]")
        assert await closed_with(socket, within_s=10) == 1009


async def test_a_socket_that_does_not_handshake_in_time_is_closed(
    start_notifier: StartNotifier,
) -> None:
    notifier = await start_notifier(websocket_handshake_timeout_seconds=0.5)
    async with websockets.connect(websocket_url(notifier)) as silent:
        assert await closed_with(silent, within_s=10) == 1008
    async with websockets.connect(websocket_url(notifier)) as chatty:
        # Frames that are not a successful handshake do not keep a socket open either.
        [reply] = await frame_replies(chatty, json.dumps({"channel": "/meta/connect"}))
        assert reply["error"] == "402::Unknown client"
        assert await closed_with(chatty, within_s=10) == 1008
    async with websockets.connect(
        websocket_url(notifier), additional_headers={"Authorization": basic("agent1")}
    ) as agent:
        [handshake] = await frame_replies(agent, json.dumps(HANDSHAKE))
        assert handshake["successful"] is True
        with pytest.raises(TimeoutError):  # hand-shaken: the socket stays
            await closed_with(agent, within_s=1.5)


async def test_one_address_keeps_at_most_the_cap_of_sockets_not_hand_shaken(
    start_notifier: StartNotifier,
) -> None:
    notifier = await start_notifier(websocket_anonymous_per_address=3)
    url = websocket_url(notifier)
    credentials = {"Authorization": basic("agent1")}
    async with (
        websockets.connect(url) as first,
        websockets.connect(url),
        websockets.connect(url, additional_headers=credentials) as third,
    ):
        with pytest.raises(InvalidStatus) as refused:
            await websockets.connect(url)
        assert refused.value.response.status_code == 403
        [handshake] = await frame_replies(third, json.dumps(HANDSHAKE))
        assert handshake["successful"] is True  # no longer anonymous: a place is free
        async with websockets.connect(url):
            with pytest.raises(InvalidStatus):  # three anonymous again
                await websockets.connect(url)
        await first.close()
