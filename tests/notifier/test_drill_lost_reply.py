"""Drill: a `/meta/connect` reply carrying an outcome is lost between the notifier and the
official CometD JS client (the server wrote it whole; a TCP proxy swallows it and cuts the
connection, tests/notifier/fault_proxy.py). With CometD's AckExtension the outcome arrives on
the client's next connect, once; without it, it is lost (at most once, as before ack)."""

import asyncio

import pytest

from tests.notifier.conftest import EventWriter, RunningNotifier, basic
from tests.notifier.fault_proxy import FaultProxy, Unit
from tests.notifier.heard import both, heard, outcome
from tests.notifier.js import JsClient, js_client
from tests.notifier.raw import CHANNELS, sample

pytestmark = pytest.mark.kafka

CHANNELS_LIST = list(CHANNELS)


async def lose_the_reply_carrying(
    proxy: FaultProxy, client: JsClient, events: EventWriter, reference: str
) -> None:
    await client.next("ready")
    lost = proxy.drop_next(lambda unit: f'"referenceId":"{reference}"'.encode() in unit)
    await events.outcomes(outcome(reference))
    async with asyncio.timeout(15):
        dropped: Unit = await lost
    assert b'"/meta/connect"' in dropped, "the lost unit is a connect reply"


@pytest.mark.parametrize("transport", ["long-polling", "websocket"])
async def test_with_ack_a_lost_connect_reply_arrives_on_the_next_connect_once(
    running_notifier: RunningNotifier, events: EventWriter, transport: str
) -> None:
    async with (
        FaultProxy(running_notifier.settings.port) as proxy,
        js_client(
            f"http://127.0.0.1:{proxy.port}{running_notifier.settings.path}",
            transport=transport,
            subscriptions=CHANNELS_LIST,
            authorization=basic("agent1"),
            ack=True,
            expect=10_000,
            timeout_ms=120_000,
        ) as client,
    ):
        handshake = (await client.next("handshake"))["message"]
        assert handshake["ext"]["ack"] is True
        await lose_the_reply_carrying(proxy, client, events, "lost")
        await events.outcomes(outcome("next"))
        assert heard(await client.messages(4, within=30)) == both("lost", "next")
        await events.outcomes(outcome("last"))  # a second copy of "lost" would come first
        assert heard(await client.messages(2, within=30)) == both("last")
    assert sample(running_notifier.notifier, "notifier_messages_resent_total") >= 2


async def test_without_ack_a_lost_connect_reply_is_lost(
    running_notifier: RunningNotifier, events: EventWriter
) -> None:
    async with (
        FaultProxy(running_notifier.settings.port) as proxy,
        js_client(
            f"http://127.0.0.1:{proxy.port}{running_notifier.settings.path}",
            transport="long-polling",
            subscriptions=CHANNELS_LIST,
            authorization=basic("agent1"),
            expect=10_000,
            timeout_ms=120_000,
        ) as client,
    ):
        await lose_the_reply_carrying(proxy, client, events, "lost")
        await events.outcomes(outcome("next"))
        assert heard(await client.messages(2, within=30)) == both("next")
