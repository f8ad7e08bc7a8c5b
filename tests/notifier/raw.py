"""Our own raw Bayeux requests, for the protocol's error cases (real HTTP, no client library)."""

import asyncio
from typing import Any

import httpx

from notifier.app import Notifier
from tests.notifier.conftest import RunningNotifier, basic

Message = dict[str, Any]
CHANNELS = ("/v2/me/outbound", "/me/internal")


class RawBayeux:
    """One browser-like HTTP client (it keeps cookies) talking long-polling to the notifier."""

    def __init__(self, notifier: RunningNotifier, http: httpx.AsyncClient) -> None:
        self.url = notifier.url
        self.http = http

    async def send(self, *messages: object, authorization: str | None = None) -> list[Message]:
        headers = {"Authorization": authorization} if authorization else {}
        response = await self.http.post(self.url, json=list(messages), headers=headers)
        assert response.status_code == 200, response.text
        replies: list[Message] = response.json()
        return replies

    async def handshake(self, user_name: str = "agent1") -> str:
        [reply] = await self.send(
            {
                "channel": "/meta/handshake",
                "version": "1.0",
                "supportedConnectionTypes": ["long-polling"],
            },
            authorization=basic(user_name),
        )
        assert reply["successful"] is True, reply
        client_id: str = reply["clientId"]
        return client_id

    async def connect(self, client_id: str, **fields: Any) -> list[Message]:
        return await self.send(
            {
                "channel": "/meta/connect",
                "clientId": client_id,
                "connectionType": "long-polling",
                **fields,
            }
        )

    async def subscribe(self, client_id: str, *channels: str) -> Message:
        [reply] = await self.send(
            {"channel": "/meta/subscribe", "clientId": client_id, "subscription": list(channels)}
        )
        return reply


async def subscribed_session(raw: RawBayeux, user_name: str = "agent1") -> str:
    client_id = await raw.handshake(user_name)
    assert (await raw.subscribe(client_id, *CHANNELS))["successful"] is True
    await raw.connect(client_id)  # the first connect returns at once
    return client_id


async def poll(raw: RawBayeux, client_id: str, count: int, within: float = 15) -> list[Message]:
    """Long-polls like a client that keeps reading, until `count` messages have arrived."""
    received: list[Message] = []
    async with asyncio.timeout(within):
        while len(received) < count:
            replies = await raw.connect(client_id)
            assert replies[-1]["successful"] is True, replies[-1]
            received.extend(replies[:-1])
    return received


def sample(notifier: Notifier, name: str, **labels: str) -> float:
    return notifier.metrics.registry.get_sample_value(name, labels) or 0.0
