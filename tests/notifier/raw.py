"""Our own raw Bayeux requests, for the protocol's error cases (real HTTP, no client library)."""

from typing import Any

import httpx

from tests.notifier.conftest import RunningNotifier, basic

Message = dict[str, Any]


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
