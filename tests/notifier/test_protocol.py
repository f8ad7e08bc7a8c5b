"""The Bayeux protocol's edges over real HTTP and WebSocket connections, with raw requests:
denied handshakes, unknown clients, forbidden publishes, malformed input, held connects,
`multiple-clients` advice, expiry, CORS and the operational endpoints."""

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets

from agent_access.session import SESSION_COOKIE, issue_session_token
from tests.eventually import eventually
from tests.notifier.conftest import RunningNotifier, StartNotifier, basic
from tests.notifier.raw import RawBayeux

pytestmark = pytest.mark.kafka

HANDSHAKE = {
    "channel": "/meta/handshake",
    "version": "1.0",
    "supportedConnectionTypes": ["long-polling", "websocket"],
    "id": "h1",
}


@pytest.fixture
async def raw(running_notifier: RunningNotifier) -> AsyncIterator[RawBayeux]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield RawBayeux(running_notifier, http)


async def until_held(notifier: RunningNotifier, client_id: str) -> None:
    """Polls (bounded): a held connect has no event a test could await."""

    def held() -> bool:
        session = notifier.notifier.registry.get(client_id)
        return session is not None and session.held is not None

    await eventually(held, within=5, every=0.01, what="the connect held")


async def assert_healthy(raw: RawBayeux) -> None:
    health = await raw.http.get(raw.url.rsplit("/api/", 1)[0] + "/healthz")
    assert health.status_code == 200
    assert await raw.handshake()


# Marks a cookie's request as a script's (a cookie-signed POST needs it, or Origin).
SCRIPT = {"X-Requested-With": "XMLHttpRequest"}


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"Authorization": basic("agent1").replace("Basic ", "Basic x")},
        {"Authorization": "Basic " + "YWdlbnQxOndyb25n"},  # agent1:wrong
        {"Cookie": f"{SESSION_COOKIE}=forged.token", **SCRIPT},
        {
            "Cookie": f"{SESSION_COOKIE}="
            + issue_session_token(
                "agent1", "other", now=0, ttl_seconds=10**10, password_version="any"
            ),
            **SCRIPT,
        },
    ],
    ids=["none", "malformed-basic", "wrong-password", "forged-cookie", "foreign-secret"],
)
async def test_a_handshake_without_valid_credentials_is_denied(
    raw: RawBayeux, credentials: dict[str, str]
) -> None:
    response = await raw.http.post(raw.url, json=[HANDSHAKE], headers=credentials)
    [reply] = response.json()
    assert reply["channel"] == "/meta/handshake"
    assert reply["id"] == "h1"
    assert reply["successful"] is False
    assert reply["error"].startswith("403::")
    assert reply["advice"]["reconnect"] == "none"
    assert "clientId" not in reply
    await assert_healthy(raw)


async def test_an_unknown_client_is_told_to_handshake_again(raw: RawBayeux) -> None:
    for channel in ("/meta/connect", "/meta/subscribe", "/meta/unsubscribe", "/meta/disconnect"):
        [reply] = await raw.send(
            {"channel": channel, "clientId": "nobody", "subscription": "/me/internal", "id": "7"}
        )
        assert reply == {
            "channel": channel,
            "id": "7",
            "successful": False,
            "error": "402::Unknown client",
            "advice": {"reconnect": "handshake", "interval": 0},
        }
    await assert_healthy(raw)


async def test_one_request_mints_at_most_one_session(
    raw: RawBayeux, running_notifier: RunningNotifier
) -> None:
    batch = [{**HANDSHAKE, "id": str(n)} for n in range(50)]
    replies = await raw.send(*batch, authorization=basic("agent1"))
    [first, *rest] = replies
    assert first["successful"] is True
    assert [(r["id"], r["successful"], r["error"]) for r in rest] == [
        (str(n), False, "400::One handshake per request") for n in range(1, 50)
    ]
    assert len(running_notifier.notifier.registry.sessions_of("agent1")) == 1


async def test_clients_may_not_publish_on_server_channels(raw: RawBayeux) -> None:
    client_id = await raw.handshake()
    for channel in ("/v2/me/outbound", "/me/internal", "/meta/custom", "/meta/handshake/x"):
        [reply] = await raw.send({"channel": channel, "clientId": client_id, "data": {}, "id": "p"})
        assert reply["successful"] is False, channel
        assert reply["error"] == "403::Publish denied"
        assert reply["channel"] == channel
        assert reply["id"] == "p"
    [service] = await raw.send({"channel": "/service/echo", "clientId": client_id, "data": {}})
    assert service["successful"] is True
    await assert_healthy(raw)


async def test_malformed_input_gets_a_bayeux_error(raw: RawBayeux) -> None:
    not_json = await raw.http.post(
        raw.url, content=b"[{", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    assert not_json.json()[0]["error"].startswith("400::Malformed JSON")
    scalar = await raw.http.post(raw.url, json=42)
    assert scalar.status_code == 400

    client_id = await raw.handshake()
    replies = await raw.send(
        "not a message",
        {"id": "no-channel", "clientId": client_id},
        {
            "channel": "/meta/subscribe",
            "clientId": client_id,
            "subscription": "/a/**/b",
            "id": "s1",
        },
        {
            "channel": "/meta/subscribe",
            "clientId": client_id,
            "subscription": "/meta/**",
            "id": "s2",
        },
        {"channel": "/meta/subscribe", "clientId": client_id, "subscription": [], "id": "s3"},
        {"channel": "/meta/handshake", "id": "h", "supportedConnectionTypes": "long-polling"},
        {"channel": "/chat/*", "clientId": client_id, "data": {}, "id": "p"},
    )
    assert [r.get("id") for r in replies] == [None, "no-channel", "s1", "s2", "s3", "h", "p"]
    assert all(r["successful"] is False for r in replies)
    assert [r["error"].split(":")[0] for r in replies] == [
        "400",
        "400",
        "400",
        "403",
        "400",
        "400",
        "400",
    ]

    too_big = await raw.http.post(raw.url, content=b"[" + b" " * 70_000 + b"]")
    assert too_big.status_code == 413
    await assert_healthy(raw)


async def test_replies_echo_ids_and_pass_ext_through(raw: RawBayeux) -> None:
    [handshake] = await raw.send(
        {**HANDSHAKE, "ext": {"app": {"tab": 3}}}, authorization=basic("agent1")
    )
    assert handshake["ext"] == {"app": {"tab": 3}}
    client_id = handshake["clientId"]
    replies = await raw.send(
        {
            "channel": "/meta/subscribe",
            "clientId": client_id,
            "subscription": "/me/*",
            "id": "a",
            "ext": {"x": 1},
        },
        {"channel": "/meta/unsubscribe", "clientId": client_id, "subscription": "/me/*", "id": "b"},
        {
            "channel": "/meta/connect",
            "clientId": client_id,
            "connectionType": "long-polling",
            "id": "c",
        },
    )
    assert [(r["channel"], r["id"], r["successful"]) for r in replies] == [
        ("/meta/subscribe", "a", True),
        ("/meta/unsubscribe", "b", True),
        ("/meta/connect", "c", True),
    ]
    assert replies[0]["subscription"] == "/me/*"
    assert replies[0]["ext"] == {"x": 1}
    assert "ext" not in replies[1]
    [disconnect] = await raw.send({"channel": "/meta/disconnect", "clientId": client_id, "id": "d"})
    assert disconnect["successful"] is True
    [after] = await raw.connect(client_id)
    assert after["error"] == "402::Unknown client"


async def test_a_connect_is_held_until_its_timeout_and_a_newer_connect_releases_it(
    start_notifier: StartNotifier,
) -> None:
    notifier = await start_notifier(connect_timeout_ms=400)
    async with httpx.AsyncClient(timeout=10) as http:
        raw = RawBayeux(notifier, http)
        client_id = await raw.handshake()
        [first] = await raw.connect(client_id)  # the first connect is answered at once
        assert first["advice"] == {"interval": 0, "timeout": 400, "reconnect": "retry"}

        loop = asyncio.get_running_loop()
        started = loop.time()
        [timed_out] = await raw.connect(client_id, id="t")
        assert timed_out["successful"] is True
        assert loop.time() - started >= 0.35

        # A connect asking for no wait is answered at once.
        [immediate] = await raw.connect(client_id, advice={"timeout": 0})
        assert immediate["successful"] is True

        async with httpx.AsyncClient(timeout=10) as other_tab:  # another cookie jar
            held = asyncio.create_task(raw.connect(client_id, id="old", advice={"timeout": 5000}))
            await until_held(notifier, client_id)
            newer = asyncio.create_task(
                RawBayeux(notifier, other_tab).connect(
                    client_id, id="new", advice={"timeout": 5000}
                )
            )
            async with asyncio.timeout(2):
                [released] = await held
            assert released["id"] == "old"
            assert released["successful"] is True
            await raw.send({"channel": "/meta/disconnect", "clientId": client_id})
            async with asyncio.timeout(2):
                [ended] = await newer
            assert ended["id"] == "new"


async def test_a_second_tab_of_one_browser_is_told_to_take_turns(
    running_notifier: RunningNotifier, raw: RawBayeux
) -> None:
    first, second = await raw.handshake(), await raw.handshake()
    await raw.connect(first)
    await raw.connect(second)
    held = asyncio.create_task(raw.connect(first, advice={"timeout": 5000}))
    await until_held(running_notifier, first)
    async with asyncio.timeout(5):
        [reply] = await raw.connect(second, advice={"timeout": 5000})
    assert reply["successful"] is True
    assert reply["advice"]["multiple-clients"] is True
    assert reply["advice"]["interval"] > 0
    assert not held.done()
    await raw.send({"channel": "/meta/disconnect", "clientId": first})
    async with asyncio.timeout(2):
        await held


async def test_a_session_that_stops_connecting_expires(start_notifier: StartNotifier) -> None:
    notifier = await start_notifier(max_interval_ms=200, sweep_interval_ms=50)
    async with httpx.AsyncClient(timeout=10) as http:
        raw = RawBayeux(notifier, http)
        client_id = await raw.handshake()
        await raw.connect(client_id)
        await eventually(
            lambda: notifier.notifier.registry.get(client_id) is None, within=5, what="ended"
        )
        [reply] = await raw.connect(client_id)
        assert reply["error"] == "402::Unknown client"
        assert reply["advice"]["reconnect"] == "handshake"


@pytest.mark.parametrize("offered", [False, True])
async def test_permessage_deflate_is_negotiated_only_when_configured(
    start_notifier: StartNotifier, offered: bool
) -> None:
    notifier = await start_notifier(websocket_compression=offered)
    url = notifier.url.replace("http://", "ws://")
    async with websockets.connect(url, compression="deflate") as socket:
        assert socket.response is not None
        extensions = socket.response.headers.get("Sec-WebSocket-Extensions", "")
        await socket.send(json.dumps(HANDSHAKE))
        [handshake] = json.loads(await socket.recv())
    assert ("permessage-deflate" in extensions) is offered
    assert handshake["successful"] is False  # no credentials: the socket itself still works


async def test_websocket_transport_survives_bad_frames(running_notifier: RunningNotifier) -> None:
    url = running_notifier.url.replace("http://", "ws://")
    async with websockets.connect(
        url, additional_headers={"Authorization": basic("agent2")}
    ) as socket:
        await socket.send("{not json")
        [error] = json.loads(await socket.recv())
        assert error["error"].startswith("400::Malformed JSON")
        await socket.send(json.dumps(HANDSHAKE))
        [handshake] = json.loads(await socket.recv())
        assert handshake["successful"] is True
        await socket.send(
            json.dumps(
                [
                    {
                        "channel": "/v2/me/outbound",
                        "clientId": handshake["clientId"],
                        "data": {},
                        "id": "9",
                    }
                ]
            )
        )
        [denied] = json.loads(await socket.recv())
        assert denied == {
            "channel": "/v2/me/outbound",
            "id": "9",
            "successful": False,
            "error": "403::Publish denied",
        }


async def test_cors_preflight_allows_the_configured_origin_with_credentials(
    start_notifier: StartNotifier,
) -> None:
    notifier = await start_notifier(allowed_origins=["http://127.0.0.1:8080"])
    async with httpx.AsyncClient(timeout=10) as http:
        preflight = await http.options(
            notifier.url + "/handshake",
            headers={
                "Origin": "http://127.0.0.1:8080",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "http://127.0.0.1:8080"
        assert preflight.headers["access-control-allow-credentials"] == "true"
        foreign = await http.options(
            notifier.url,
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in foreign.headers


async def test_without_configured_origins_no_cross_origin_request_is_allowed(
    start_notifier: StartNotifier,
) -> None:
    notifier = await start_notifier()
    async with httpx.AsyncClient(timeout=10) as http:
        preflight = await http.options(
            notifier.url + "/handshake",
            headers={"Origin": "http://127.0.0.1:8080", "Access-Control-Request-Method": "POST"},
        )
        cross_origin_post = await http.post(
            notifier.url, json=[], headers={"Origin": "http://127.0.0.1:8080"}
        )
    assert preflight.status_code != 200
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in cross_origin_post.headers


async def test_operational_endpoints(raw: RawBayeux) -> None:
    base = raw.url.rsplit("/api/", 1)[0]
    await raw.handshake()
    ready = await raw.http.get(base + "/readyz")
    assert ready.status_code == 200
    metrics = (await raw.http.get(base + "/metrics")).text
    assert "notifier_sessions 1.0" in metrics
    for name in (
        "notifier_subscriptions",
        "notifier_messages_delivered_total",
        "notifier_delivery_lag_seconds",
    ):
        assert name in metrics
