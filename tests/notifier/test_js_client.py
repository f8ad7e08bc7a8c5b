"""Conformance with the official CometD JavaScript client (npm `cometd` 9 with the
`cometd-nodejs-client` adapter) in Node, over both transports, against the real broker."""

import time
from pathlib import Path

import pytest

from agent_access.session import SESSION_COOKIE
from tests.notifier.conftest import EventWriter, RunningNotifier, basic, session_token
from tests.notifier.js import js_client
from tests.notifier.vectors import (
    assert_connect_reply_matches,
    assert_messages_match,
    outcome_for,
)

pytestmark = pytest.mark.kafka

CHANNELS = ["/v2/me/outbound", "/me/internal"]


@pytest.mark.parametrize("transport", ["long-polling", "websocket"])
async def test_js_client_receives_an_outcome_as_the_vector_documents(
    running_notifier: RunningNotifier, events: EventWriter, transport: str
) -> None:
    async with js_client(
        running_notifier.url,
        transport=transport,
        subscriptions=CHANNELS,
        authorization=basic("agent1"),
    ) as client:
        record = await client.next("handshake")
        assert record["transport"] == transport
        handshake = record["message"]
        assert handshake["successful"] is True
        assert set(handshake["supportedConnectionTypes"]) == {"long-polling", "websocket"}
        await client.next("ready")

        await events.outcomes(outcome_for("reject-record", received_at_ns=time.time_ns()))

        assert_messages_match(await client.messages(2), "reject-record")
        connect = (await client.next("connect"))["message"]
        assert_connect_reply_matches(connect, "reject-record")


async def test_outcomes_reach_every_session_of_their_user_and_nobody_else(
    running_notifier: RunningNotifier, events: EventWriter, notifier_users: Path
) -> None:
    cookie = session_token(notifier_users, "agent1")
    url = running_notifier.url
    async with (
        js_client(
            url, transport="long-polling", subscriptions=CHANNELS, authorization=basic("agent1")
        ) as tab1,
        js_client(
            url,
            transport="websocket",
            subscriptions=["/v2/**", "/me/*", "/me/internal"],  # overlapping: still once each
            cookie=f"{SESSION_COOKIE}={cookie}",
        ) as tab2,
        js_client(
            url, transport="websocket", subscriptions=CHANNELS, authorization=basic("agent2")
        ) as other,
    ):
        for client in (tab1, tab2, other):
            await client.next("ready")

        await events.outcomes(outcome_for("reject-record", received_at_ns=time.time_ns()))
        assert_messages_match(await tab1.messages(2), "reject-record")
        assert_messages_match(await tab2.messages(2), "reject-record")

        # agent1's outcome was queued before agent2's was even written: had agent2's session
        # been given it, it would come first.
        await events.outcomes(outcome_for("cancel-record", received_at_ns=time.time_ns()))
        assert_messages_match(await other.messages(2), "cancel-record")


@pytest.mark.parametrize("transport", ["long-polling", "websocket"])
async def test_a_dropped_session_makes_the_js_client_handshake_again_and_keep_receiving(
    running_notifier: RunningNotifier, events: EventWriter, transport: str
) -> None:
    async with js_client(
        running_notifier.url,
        transport=transport,
        subscriptions=CHANNELS,
        authorization=basic("agent1"),
    ) as client:
        first = (await client.next("handshake"))["message"]["clientId"]
        await client.next("ready")
        running_notifier.notifier.end_all_sessions("test")  # e.g. dropped as a slow reader

        again = await client.next("handshake")
        assert again["message"]["successful"] is True
        assert again["message"]["clientId"] != first
        await client.next("ready")
        await events.outcomes(outcome_for("reject-record", received_at_ns=time.time_ns()))
        assert_messages_match(await client.messages(2), "reject-record")
