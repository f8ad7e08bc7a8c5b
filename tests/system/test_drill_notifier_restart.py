"""Drill: the notifier is stopped (SIGTERM), then killed (SIGKILL), each time with the official
CometD JS client connected over long-polling and over websocket, and started again on the
same port. The clients handshake again on their own and hear the outcomes of commands sent
after the restart. An outcome produced while the notifier was down is never delivered: a
notifier starts at the end of every events partition (docs/notifier.md).

On SIGTERM a held long poll is answered `402::Unknown client` with `reconnect: "handshake"`;
on SIGKILL the connection just drops and the client learns of the lost session from the new
process (the same 402 on its next connect)."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from functools import partial

import httpx
import pytest

from devstack.children import ChildProcess
from outbound_contracts.topics import TopicNames
from tests.eventually import eventually
from tests.gateway.conftest import basic
from tests.notifier.js import JsClient, js_client
from tests.ocs_worker.stream import committed_outcomes
from tests.system.conftest import DEMO_CAMPAIGN, System
from tests.system.desktop import Desktop
from tests.system.outbound_api import send

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

CHANNELS = ["/v2/me/outbound", "/me/internal"]
OUTAGES: list[tuple[Callable[[ChildProcess], None], tuple[str | None, str | None]]] = [
    (ChildProcess.stop, ("402::Unknown client", "handshake")),  # SIGTERM: sessions are ended
    (ChildProcess.kill, (None, None)),  # SIGKILL: the connection drops
]
"""Each outage, and how the long-polling client's held connect ends."""
REHANDSHAKE_WITHIN_S = 60
"""The CometD client backs off by one more second per failed attempt while the server is away."""


def agent1_client(url: str, transport: str) -> AbstractAsyncContextManager[JsClient]:
    """Subscribed to both channels; exits once it has heard an outcome after each outage."""
    return js_client(
        url,
        transport=transport,
        subscriptions=CHANNELS,
        expect=2 * len(OUTAGES),
        authorization=basic("agent1")["Authorization"],
        timeout_ms=300_000,
    )


async def committed(bootstrap: str, topics: TopicNames, reference_id: str) -> bool:
    outcomes = await committed_outcomes(bootstrap, topics)
    return any(outcome.reference_id == reference_id for outcome in outcomes)


async def held_connect_end(client: JsClient) -> tuple[str | None, str | None]:
    """Error and advised reconnect of the first unsuccessful connect reply; (None, None)
    when the connection failed without a reply."""
    while True:
        reply = (await client.next("connect"))["message"]
        if not reply["successful"]:
            return reply.get("error"), reply.get("advice", {}).get("reconnect")


async def next_outcome(client: JsClient) -> tuple[list[str], str]:
    """The channels of the next outcome's two messages, and its referenceId."""
    messages = await client.messages(2, within=30)
    return [m["channel"] for m in messages], messages[0]["data"]["referenceId"]


async def test_cometd_clients_handshake_again_after_notifier_restarts_and_miss_only_the_outage(
    system: System,
) -> None:
    requests = Desktop("agent1", DEMO_CAMPAIGN).cycle()
    async with (
        httpx.AsyncClient(base_url=system.gateway_url, timeout=30) as http,
        agent1_client(system.cometd_url, "long-polling") as polling,
        agent1_client(system.cometd_url, "websocket") as socket,
    ):
        clients = (polling, socket)
        for client in clients:
            await client.next("ready")
        for outage, polling_told in OUTAGES:
            outage(system.notifier)
            assert await held_connect_end(polling) == polling_told
            missed = next(requests)
            await send(http, missed)
            await eventually(
                partial(committed, system.bootstrap, system.topics, missed.reference_id),
                every=0.25,
                within=90,
            )
            await system.notifier.start_async()
            for client in clients:
                await client.next("ready", within=REHANDSHAKE_WITHIN_S)

            heard = next(requests)
            await send(http, heard)
            # Had the missed outcome been delivered, it would come first: same user, same
            # events partition, written earlier.
            for client in clients:
                assert await next_outcome(client) == (CHANNELS, heard.reference_id)
        for client in clients:
            await client.next("done")
