"""Conformance with a third-party Python CometD client: `aiocometd-ng` (PyPI), asyncio, over
both transports, against the real broker (it works with our server on Python 3.11; its one
aiohttp deprecation warning is filtered below). Credentials go in the HTTP headers of every request
(long-polling) or of the WebSocket upgrade, through the client's own `AuthExtension` hook."""

import asyncio
import time

import pytest
from aiocometd_ng.client import Client
from aiocometd_ng.constants import ConnectionType

from tests.notifier.aiocometd_auth import BasicAuth
from tests.notifier.conftest import EventWriter, RunningNotifier, basic
from tests.notifier.vectors import assert_messages_match, outcome_for

pytestmark = [
    pytest.mark.kafka,
    # aiocometd-ng 0.5.6 still passes aiohttp's deprecated `receive_timeout` to ws_connect;
    # a warning of the client's, not of our server's.
    pytest.mark.filterwarnings(
        "ignore:float parameter 'receive_timeout' is deprecated:DeprecationWarning"
    ),
]


async def assert_client_hears_an_outcome(
    url: str, events: EventWriter, transport: ConnectionType
) -> None:
    """agent2 subscribes with aiocometd-ng and hears the cancel vector's outcome as documented
    (reused by tests/fuzz: a notifier must still serve this after hostile input)."""
    async with Client(url, transport, auth=BasicAuth(basic("agent2")), ssl=True) as client:
        await client.subscribe("/v2/me/outbound")
        await client.subscribe("/me/internal")
        await events.outcomes(outcome_for("cancel-record", received_at_ns=time.time_ns()))
        async with asyncio.timeout(15):
            received = [await client.receive(), await client.receive()]
    assert_messages_match(received, "cancel-record")


@pytest.mark.parametrize("transport", [ConnectionType.LONG_POLLING, ConnectionType.WEBSOCKET])
async def test_aiocometd_client_receives_an_outcome(
    running_notifier: RunningNotifier, events: EventWriter, transport: ConnectionType
) -> None:
    await assert_client_hears_an_outcome(running_notifier.url, events, transport)
