"""Sign-out and password changes across instances, on the real broker and over real HTTP and
CometD: two gateways and a notifier share `ocs.session-revocations`; a sign-out at one gateway
is refused by the other and by the notifier, whose live sessions of that token end at once;
a password changed with the `add-user` CLI ends the user's sessions while everything runs."""

import asyncio
import base64
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from agent_access.session import SESSION_COOKIE
from outbound_contracts.topics import TopicNames
from tests.eventually import eventually
from tests.gateway.conftest import kafka_settings, running_gateway
from tests.kafka import REPO
from tests.notifier.conftest import SESSION_SECRET, RunningNotifier, StartNotifier, basic
from tests.notifier.raw import CHANNELS, Message, RawBayeux, sample

pytestmark = pytest.mark.kafka

SIGN_OUT = {"operationName": "EndContactCenterSession"}
HANDSHAKE = {
    "channel": "/meta/handshake",
    "version": "1.0",
    "supportedConnectionTypes": ["long-polling", "websocket"],
}
WITHIN_S = 15


def cookie(token: str) -> dict[str, str]:
    # As a desktop's script: a cookie-signed POST carries X-Requested-With (or Origin).
    return {"Cookie": f"{SESSION_COOKIE}={token}", "X-Requested-With": "XMLHttpRequest"}


async def sign_in(gateway: httpx.AsyncClient, authorization: str) -> str:
    reply = await gateway.get("/api/v2/me", headers={"Authorization": authorization})
    assert reply.status_code == 200, reply.text
    return reply.cookies[SESSION_COOKIE]


async def status_with(gateway: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return (await gateway.get("/api/v2/me", headers=headers)).status_code


class HeldLongPoll:
    """A long-polling session whose `/meta/connect` is being held by the notifier."""

    def __init__(self, raw: RawBayeux, client_id: str, reply: asyncio.Task[list[Message]]):
        self.raw, self.client_id, self.reply = raw, client_id, reply


async def held_long_poll(
    notifier: RunningNotifier, http: httpx.AsyncClient, authorization: str | None = None
) -> HeldLongPoll:
    raw = RawBayeux(notifier, http)
    [handshake] = await raw.send(HANDSHAKE, authorization=authorization)
    assert handshake["successful"] is True, handshake
    client_id: str = handshake["clientId"]
    assert (await raw.subscribe(client_id, *CHANNELS))["successful"] is True
    await raw.connect(client_id)  # the first connect returns at once
    reply = asyncio.create_task(raw.connect(client_id))
    session = notifier.notifier.registry.get(client_id)
    assert session is not None

    async def is_held() -> bool:
        return session.held is not None

    await eventually(is_held, within=WITHIN_S, what="the connect is held")
    return HeldLongPoll(raw, client_id, reply)


def assert_told_to_handshake(replies: list[Message]) -> None:
    [reply] = replies
    assert reply["successful"] is False, reply
    assert reply["error"] == "402::Unknown client"
    assert reply["advice"]["reconnect"] == "handshake"


def assert_handshake_denied(reply: Message) -> None:
    assert reply["successful"] is False, reply
    assert reply["error"] == "403::Handshake denied: authentication required"
    assert reply["advice"]["reconnect"] == "none"


async def frames(socket: websockets.ClientConnection, *messages: Any) -> list[Message]:
    await socket.send(json.dumps(list(messages)))
    replies: list[Message] = json.loads(await socket.recv())
    return replies


async def test_a_sign_out_is_refused_everywhere_and_ends_that_tokens_cometd_sessions(
    kafka_bootstrap: str, topics: TopicNames, notifier_users: Path, start_notifier: StartNotifier
) -> None:
    notifier = await start_notifier()
    gateway = kafka_settings(
        kafka_bootstrap, topics, users_file=notifier_users, session_secret=SESSION_SECRET
    )
    async with (
        running_gateway(gateway) as first_url,
        running_gateway(gateway) as second_url,
        httpx.AsyncClient(base_url=first_url, timeout=30, headers={"Origin": first_url}) as first,
        httpx.AsyncClient(base_url=second_url, timeout=30) as second,
    ):
        token = await sign_in(first, basic("agent1"))
        other_token = await sign_in(second, basic("agent1"))  # another desktop of agent1
        assert await status_with(second, cookie(token)) == 200
        async with (
            httpx.AsyncClient(headers=cookie(token), timeout=60) as polling,
            httpx.AsyncClient(headers=cookie(other_token), timeout=60) as other_polling,
            websockets.connect(
                notifier.url.replace("http://", "ws://"), additional_headers=cookie(token)
            ) as socket,
        ):
            long_poll = await held_long_poll(notifier, polling)
            other = await held_long_poll(notifier, other_polling)
            [handshake] = await frames(socket, HANDSHAKE)
            socket_client = handshake["clientId"]
            connect = {"channel": "/meta/connect", "clientId": socket_client}
            subscribe = {
                "channel": "/meta/subscribe",
                "clientId": socket_client,
                "subscription": list(CHANNELS),
            }
            await frames(socket, subscribe)
            await frames(socket, {**connect, "connectionType": "websocket"})
            await socket.send(json.dumps([{**connect, "connectionType": "websocket"}]))
            on_socket = notifier.notifier.registry.get(socket_client)
            assert on_socket is not None

            async def socket_connect_held() -> bool:
                return on_socket.held is not None

            await eventually(
                socket_connect_held, within=WITHIN_S, what="the websocket's connect is held"
            )

            signed_out = await first.post("/api/v2/me", json=SIGN_OUT)
            assert (signed_out.status_code, signed_out.json()) == (200, {"statusCode": 0})

            # The notifier answers both held connects at once: handshake again...
            assert_told_to_handshake(await asyncio.wait_for(long_poll.reply, WITHIN_S))
            assert_told_to_handshake(json.loads(await asyncio.wait_for(socket.recv(), WITHIN_S)))
            # ...and the handshake with that cookie is refused, on either transport.
            [again] = await long_poll.raw.send(HANDSHAKE)
            assert_handshake_denied(again)
            [again_on_socket] = await frames(socket, HANDSHAKE)
            assert_handshake_denied(again_on_socket)
            assert not other.reply.done()  # the other desktop's session goes on
            other.reply.cancel()

        # The gateway that signed out refuses the cookie at once, the other one soon after.
        assert await status_with(first, cookie(token)) == 401

        async def second_refuses() -> bool:
            return await status_with(second, cookie(token)) == 401

        await eventually(
            second_refuses, within=WITHIN_S, what="the second gateway refuses the revoked cookie"
        )
        refused = await second.get("/api/v2/me", headers=cookie(token))
        assert refused.json() == {"statusCode": 20, "statusMessage": "Access denied"}
        assert await status_with(second, cookie(other_token)) == 200
        metrics = (await second.get("/metrics")).text
    assert "gateway_revoked_sessions 1.0" in metrics
    assert sample(notifier.notifier, "notifier_sessions_ended_total", reason="revoked") == 2
    assert sample(notifier.notifier, "notifier_revoked_sessions") == 1


def authorization(user_name: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user_name}:{password}".encode()).decode()


async def change_password(users_file: Path, user_name: str, password: str) -> None:
    cli = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", "add-user", "--users-file", str(users_file),
        "--password-stdin", user_name,
        cwd=REPO,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(cli.communicate(f"{password}\n".encode()), 60)
    assert cli.returncode == 0, output.decode()


async def test_a_password_changed_with_add_user_ends_the_users_sessions_without_a_restart(
    kafka_bootstrap: str,
    topics: TopicNames,
    notifier_users: Path,
    start_notifier: StartNotifier,
    tmp_path: Path,
) -> None:
    users_file = tmp_path / "users.json"
    shutil.copy(notifier_users, users_file)
    notifier = await start_notifier(users_file=users_file, users_file_poll_seconds=0.1)
    gateway = kafka_settings(
        kafka_bootstrap,
        topics,
        users_file=users_file,
        session_secret=SESSION_SECRET,
        users_file_poll_seconds=0.1,
    )
    async with (
        running_gateway(gateway) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=30) as http,
    ):
        token = await sign_in(http, basic("agent1"))
        agent2 = await sign_in(http, basic("agent2"))
        async with (
            httpx.AsyncClient(headers=cookie(token), timeout=60) as by_cookie,
            httpx.AsyncClient(timeout=60) as by_basic,
            httpx.AsyncClient(headers=cookie(agent2), timeout=60) as agent2_polling,
        ):
            cookie_session = await held_long_poll(notifier, by_cookie)
            basic_session = await held_long_poll(notifier, by_basic, basic("agent1"))
            agent2_session = await held_long_poll(notifier, agent2_polling)

            await change_password(users_file, "agent1", "a-new-password-2")

            for held in (cookie_session, basic_session):
                assert_told_to_handshake(await asyncio.wait_for(held.reply, WITHIN_S))
            [with_cookie] = await cookie_session.raw.send(HANDSHAKE)
            assert_handshake_denied(with_cookie)
            [with_old_password] = await basic_session.raw.send(
                HANDSHAKE, authorization=basic("agent1")
            )
            assert_handshake_denied(with_old_password)
            new = authorization("agent1", "a-new-password-2")
            [with_new_password] = await basic_session.raw.send(HANDSHAKE, authorization=new)
            assert with_new_password["successful"] is True
            assert not agent2_session.reply.done()
            agent2_session.reply.cancel()

        async def cookie_refused() -> bool:
            return await status_with(http, cookie(token)) == 401

        await eventually(
            cookie_refused,
            within=WITHIN_S,
            what="the gateway refuses the cookie of the old password",
        )
        assert await status_with(http, {"Authorization": basic("agent1")}) == 401
        assert await status_with(http, {"Authorization": new}) == 200
        assert await status_with(http, cookie(agent2)) == 200
        metrics = (await http.get("/metrics")).text
    assert 'gateway_users_file_reloads_total{result="loaded"} 1.0' in metrics
    assert sample(notifier.notifier, "notifier_sessions_ended_total", reason="revoked") == 2
