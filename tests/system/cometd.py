"""CometD sessions of the demo agents on a running system, with both clients the notifier is
tested with: the official JavaScript client (Node, tests/notifier/js.py) and aiocometd-ng
(Python), over either transport, read with bounded waits."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import pytest
from aiocometd_ng.client import Client
from aiocometd_ng.constants import ConnectionType

from tests.gateway.conftest import basic
from tests.notifier.aiocometd_auth import BasicAuth
from tests.notifier.js import JsClient, js_client

OUTBOUND_CHANNELS = ("/v2/me/outbound", "/me/internal")
Message = dict[str, Any]
Library = Literal["js", "python"]
Transport = Literal["long-polling", "websocket"]

AIOCOMETD_WARNING = pytest.mark.filterwarnings(
    # aiocometd-ng 0.5.6 still passes aiohttp's deprecated `receive_timeout` to ws_connect.
    "ignore:float parameter 'receive_timeout' is deprecated:DeprecationWarning"
)


@dataclass(frozen=True)
class SessionKind:
    library: Library
    transport: Transport
    subscriptions: tuple[str, ...] = OUTBOUND_CHANNELS

    def __str__(self) -> str:
        return f"{self.library} {self.transport} {' '.join(self.subscriptions)}"


EVERY_KIND = (
    SessionKind("js", "long-polling"),
    SessionKind("js", "websocket"),
    SessionKind("python", "long-polling"),
    SessionKind("python", "websocket"),
)


class Session(Protocol):
    user: str
    kind: SessionKind

    async def ready(self) -> None:
        """Returns once the session is subscribed to all of its channels."""

    async def messages(self, count: int, within: float = 15) -> list[Message]:
        """The next `count` messages as `{channel, data}`, each awaited at most `within` s."""


@dataclass
class JsSession:
    user: str
    kind: SessionKind
    client: JsClient

    async def ready(self) -> None:
        await self.client.next("ready")

    async def messages(self, count: int, within: float = 15) -> list[Message]:
        return [_plain(message) for message in await self.client.messages(count, within)]


@dataclass
class PythonSession:
    user: str
    kind: SessionKind
    client: Client

    async def ready(self) -> None:
        for channel in self.kind.subscriptions:
            await self.client.subscribe(channel)

    async def messages(self, count: int, within: float = 15) -> list[Message]:
        received = []
        for _ in range(count):
            async with asyncio.timeout(within):
                received.append(_plain(await self.client.receive()))
        return received


@asynccontextmanager
async def cometd_sessions(
    url: str, user: str, kinds: Sequence[SessionKind] = EVERY_KIND
) -> AsyncIterator[list[Session]]:
    """One session of `user` per kind, all subscribed before this yields."""
    async with AsyncExitStack() as stack:
        sessions = [await _open(stack, url, user, kind) for kind in kinds]
        await asyncio.gather(*(session.ready() for session in sessions))
        yield sessions


async def _open(stack: AsyncExitStack, url: str, user: str, kind: SessionKind) -> Session:
    if kind.library == "js":
        client = await stack.enter_async_context(
            js_client(
                url,
                transport=kind.transport,
                subscriptions=list(kind.subscriptions),
                expect=10_000,  # never leave early: later messages must be seen too
                authorization=basic(user)["Authorization"],
                timeout_ms=300_000,
            )
        )
        return JsSession(user, kind, client)
    python_client = Client(
        url, ConnectionType(kind.transport), auth=BasicAuth(basic(user)["Authorization"]), ssl=True
    )
    await python_client.open()
    stack.push_async_callback(python_client.close)
    return PythonSession(user, kind, python_client)


def _plain(message: Message) -> Message:
    """What a message says, without the transport's bookkeeping (`id`, `clientId`)."""
    return {"channel": message["channel"], "data": message["data"]}
