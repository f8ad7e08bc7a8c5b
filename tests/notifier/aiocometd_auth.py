"""HTTP Basic for aiocometd-ng: the same Authorization header on every request and on the
WebSocket upgrade (the notifier authenticates the handshake by it)."""

from typing import Any

from aiocometd_ng.extensions import AuthExtension


class BasicAuth(AuthExtension):
    def __init__(self, authorization: str) -> None:
        self._header = authorization

    async def outgoing(self, payload: Any, headers: Any) -> None:
        headers["Authorization"] = self._header

    async def incoming(self, payload: Any, headers: Any = None) -> None:
        return None

    async def authenticate(self) -> None:
        return None
