"""Cross-site websocket hijacking, kept closed: a page on an origin that is neither allowed
nor the notifier's own gets no session with the agent's cookie, over websocket (the upgrade is
refused 403) or long-polling (the POST is refused 403); clients that send no `Origin`
(aiocometd, the CometD Java client) are unaffected."""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from agent_access.session import SESSION_COOKIE
from notifier.transports import UNMARKED_COOKIE_REFUSED
from tests.notifier.conftest import EventWriter, RunningNotifier, StartNotifier, session_token
from tests.notifier.vectors import outcome_for

pytestmark = pytest.mark.kafka

DESKTOP = "http://127.0.0.1:8080"
FOREIGN = "http://127.0.0.1:8098"
CHANNELS = ["/v2/me/outbound", "/me/internal"]
Message = dict[str, Any]


@pytest.fixture
async def notifier(start_notifier: StartNotifier) -> RunningNotifier:
    return await start_notifier(allowed_origins=[DESKTOP])


def agent_cookie(notifier: RunningNotifier) -> str:
    return f"{SESSION_COOKIE}={session_token(notifier.settings.users_file, 'agent1')}"


def own_origin(notifier: RunningNotifier) -> str:
    return notifier.base_url


def refused_origins(notifier: RunningNotifier) -> float:
    total = 0.0
    for transport in ("websocket", "long-polling"):
        labels = {"transport": transport}
        sample = notifier.notifier.metrics.registry.get_sample_value(
            "notifier_origins_refused_total", labels
        )
        total += sample or 0.0
    return total


def handshake(transport: str) -> Message:
    return {
        "channel": "/meta/handshake",
        "version": "1.0",
        "supportedConnectionTypes": [transport],
    }


def open_websocket(notifier: RunningNotifier, origin: str | None) -> websockets.connect:
    return websockets.connect(
        notifier.url.replace("http://", "ws://"),
        origin=Origin(origin) if origin else None,
        additional_headers={"Cookie": agent_cookie(notifier)},
    )


async def upgrade_status(notifier: RunningNotifier, origin: str) -> int:
    """The HTTP status of a websocket upgrade carrying the agent's cookie from `origin`."""
    try:
        async with open_websocket(notifier, origin):
            return 101
    except InvalidStatus as refusal:
        return refusal.response.status_code


@asynccontextmanager
async def subscribed_websocket(
    notifier: RunningNotifier, origin: str | None
) -> AsyncIterator[Callable[[], Awaitable[list[Message]]]]:
    """Handshakes with the agent's cookie and subscribes; yields a function that long-polls
    once over the socket and returns the messages delivered."""
    async with open_websocket(notifier, origin) as socket:

        async def exchange(message: Message) -> list[Message]:
            await socket.send(json.dumps([message]))
            replies: list[Message] = json.loads(await socket.recv())
            return replies

        [shaken] = await exchange(handshake("websocket"))
        assert shaken["successful"] is True, shaken
        client_id = shaken["clientId"]
        subscribe = {"channel": "/meta/subscribe", "clientId": client_id, "subscription": CHANNELS}
        [subscribed] = await exchange(subscribe)
        assert subscribed["successful"] is True, subscribed
        connect = {"channel": "/meta/connect", "clientId": client_id, "connectionType": "websocket"}
        await exchange(connect)  # the first connect returns at once

        async def delivered() -> list[Message]:
            return [reply for reply in await exchange(connect) if reply["channel"] in CHANNELS]

        yield delivered


async def long_polling_post(
    http: httpx.AsyncClient,
    notifier: RunningNotifier,
    origin: str | None,
    batch: list[Message],
    *,
    marked: bool = False,
) -> httpx.Response:
    """A POST with the agent's cookie; `marked`: with `X-Requested-With`, as scripts send it."""
    headers = {"Cookie": agent_cookie(notifier), "Content-Type": "application/json"}
    if origin:
        headers["Origin"] = origin
    if marked:
        headers["X-Requested-With"] = "XMLHttpRequest"
    return await http.post(notifier.url, content=json.dumps(batch), headers=headers)


async def test_a_websocket_from_a_foreign_origin_gets_no_session_with_the_agents_cookie(
    notifier: RunningNotifier,
) -> None:
    assert await upgrade_status(notifier, FOREIGN) == 403
    assert len(notifier.notifier.registry.all()) == 0
    assert refused_origins(notifier) == 1


@pytest.mark.parametrize("origin", [DESKTOP, "own", None], ids=["allowed", "own", "absent"])
async def test_a_websocket_from_an_allowed_own_or_no_origin_hears_the_agent(
    notifier: RunningNotifier, events: EventWriter, origin: str | None
) -> None:
    page = own_origin(notifier) if origin == "own" else origin
    outcome = outcome_for("reject-record", received_at_ns=time.time_ns())
    async with subscribed_websocket(notifier, page) as delivered:
        await events.outcomes(outcome)
        async with asyncio.timeout(15):
            outbound, *_ = await delivered()
    assert outbound["channel"] == "/v2/me/outbound"
    assert outbound["data"]["referenceId"] == outcome.reference_id
    assert refused_origins(notifier) == 0


async def test_long_polling_from_a_foreign_origin_gets_no_session_with_the_agents_cookie(
    notifier: RunningNotifier,
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await long_polling_post(http, notifier, FOREIGN, [handshake("long-polling")])
    assert response.status_code == 403
    assert response.json() == [{"successful": False, "error": "403::Origin not allowed"}]
    assert len(notifier.notifier.registry.all()) == 0
    assert refused_origins(notifier) == 1


@pytest.mark.parametrize("origin", [DESKTOP, "own", None], ids=["allowed", "own", "marked"])
async def test_long_polling_from_an_allowed_own_or_no_origin_handshakes(
    notifier: RunningNotifier, origin: str | None
) -> None:
    page = own_origin(notifier) if origin == "own" else origin
    async with httpx.AsyncClient(timeout=10) as http:
        response = await long_polling_post(
            http, notifier, page, [handshake("long-polling")], marked=origin is None
        )
    [shaken] = response.json()
    assert shaken["successful"] is True, shaken
    assert len(notifier.notifier.registry.all()) == 1
    assert refused_origins(notifier) == 0


@pytest.mark.parametrize(
    "origin",
    ["null", "http://127.0.0.1:8080.evil.example", "https://127.0.0.1:8080", "http://127.0.0.1"],
)
async def test_lookalike_origins_are_refused_on_both_transports(
    notifier: RunningNotifier, origin: str
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await long_polling_post(http, notifier, origin, [handshake("long-polling")])
    assert response.status_code == 403
    assert await upgrade_status(notifier, origin) == 403


async def test_a_cookie_post_with_neither_origin_nor_x_requested_with_gets_no_session(
    notifier: RunningNotifier,
) -> None:
    """A cross-site form post (a browser may send it without Origin) cannot open a session
    with the agent's cookie (issue 25, item 8); Basic, which no page can add, needs neither."""
    async with httpx.AsyncClient(timeout=10) as http:
        response = await long_polling_post(http, notifier, None, [handshake("long-polling")])
    assert response.status_code == 403  # was 200 with a session
    assert response.json() == [{"successful": False, "error": UNMARKED_COOKIE_REFUSED}]
    assert len(notifier.notifier.registry.all()) == 0
    assert refused_origins(notifier) == 1


async def test_a_host_not_allowed_is_refused_on_both_transports(
    notifier: RunningNotifier,
) -> None:
    """DNS rebinding: a page of another name pointed at the notifier's address (issue 25,
    item 8). By default the allowed names are the bound address and localhost."""
    rebound = f"rebound.example:{notifier.settings.port}"
    async with httpx.AsyncClient(timeout=10) as http:
        own = await long_polling_post(
            http, notifier, None, [handshake("long-polling")], marked=True
        )
        assert own.status_code == 200  # the notifier's own address
        response = await http.post(
            notifier.url,
            content=json.dumps([handshake("long-polling")]),
            headers={
                "Host": rebound,
                "Cookie": agent_cookie(notifier),
                "Origin": f"http://{rebound}",
            },
        )
    assert response.status_code == 400  # was 200: the page's own origin, so allowed
    assert response.json() == [{"successful": False, "error": "400::Host not allowed"}]
    reader, writer = await asyncio.open_connection("127.0.0.1", notifier.settings.port)
    upgrade = (
        f"GET {notifier.settings.path} HTTP/1.1\r\nHost: {rebound}\r\n"
        f"Origin: http://{rebound}\r\nCookie: {agent_cookie(notifier)}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    writer.write(upgrade.encode())
    try:
        async with asyncio.timeout(10):
            status_line = await reader.readline()
    finally:
        writer.close()
    assert status_line.split()[1] == b"403"  # was 101
    assert len(notifier.notifier.registry.all()) == 1  # the allowed handshake's only
