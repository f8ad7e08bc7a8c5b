"""Bayeux load: many sessions subscribed to `/v2/me/outbound`, over long-polling (raw HTTP/1.1)
or websocket. The same code drives our notifier and the Faye baseline.

Every delivered message carries `referenceId = "<seq>:<injected at, epoch ns>"`, so a delivery's
latency is its receipt time minus its injection time, whatever injected it."""

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Protocol

from websockets.asyncio.client import ClientConnection, connect

from bench.raw_http import HttpConnection, HttpError

CHANNEL = "/v2/me/outbound"
_OPENING_CONCURRENCY = 100

Transport = Literal["long-polling", "websocket"]
Message = dict[str, Any]
Handlers = Mapping[str, Callable[[Message], None]]
"""What to do with the data of each channel a session subscribes to."""


class BayeuxError(RuntimeError):
    """The server refused a handshake, subscribe or connect."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str
    port: int
    path: str
    headers: dict[str, str] = field(default_factory=dict)


def reference_id(sequence: int, injected_ns: int) -> str:
    return f"{sequence}:{injected_ns}"


class Level:
    """A count that can be awaited until it reaches a level."""

    def __init__(self) -> None:
        self.value = 0
        self._changed = asyncio.Event()

    def add(self, amount: int = 1) -> None:
        self.value += amount
        self._changed.set()

    def poke(self) -> None:
        """Re-check waiters whose level depends on something else that changed."""
        self._changed.set()

    async def reach(self, level: Callable[[], int], within: float) -> bool:
        """True once `value >= level()`; False if `within` seconds pass first."""
        try:
            async with asyncio.timeout(within):
                while self.value < level():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            return False
        return True


class Deliveries:
    """What the sessions received: one latency sample per delivered message of ours (other
    messages, such as outcomes of set-up commands, carry no injection time and are skipped)."""

    def __init__(self) -> None:
        self.latencies_ns: list[int] = []
        self.errors = 0
        self.last_at_ns = 0
        self._count = Level()

    def record(self, data: Message) -> None:
        now = time.time_ns()
        sequence, _, injected = str(data.get("referenceId", "")).partition(":")
        if not (sequence.isdigit() and injected.isdigit()):
            return
        self.latencies_ns.append(now - int(injected))
        self.errors += data.get("notificationType") == "Error"
        self.last_at_ns = now
        self._count.add()

    @property
    def count(self) -> int:
        return len(self.latencies_ns)

    def clear(self) -> None:
        self.latencies_ns.clear()
        self.errors = 0
        self.last_at_ns = 0
        self._count.value = 0

    async def wait_for(self, count: int, within: float) -> bool:
        """True once `count` messages arrived; False if `within` seconds passed first."""
        return await self._count.reach(lambda: count, within)


@dataclass(slots=True)
class Resumption:
    """CometD's acknowledgement extension and our replay (docs/notifier.md), client side: a
    session that loses nothing across lost replies and re-handshakes."""

    acknowledging: bool = False
    batch: int = 0
    position: str | None = None
    last_on_channel: dict[str, str] = field(default_factory=dict)
    rehandshakes: int = 0
    reconnects: int = 0
    """Connects sent again on a new connection after the old one was lost (acknowledged
    batches make that lossless: the server sends an unacknowledged batch again)."""

    def handshake(self, message: Message) -> Message:
        return {**message, "ext": {"ack": True}}

    def handshaken(self, reply: Message) -> None:
        self.acknowledging = reply.get("ext", {}).get("ack") is True
        self.batch = 0

    def subscribe(self, messages: list[Message]) -> list[Message]:
        if self.position is None:
            return messages
        return [{**message, "ext": {"replay": self.position}} for message in messages]

    def connect(self, message: Message) -> Message:
        return {**message, "ext": {"ack": self.batch}} if self.acknowledging else message

    def received(self, replies: list[Message]) -> list[Message]:
        """The replies without messages already received (by position); notes the newest
        position and the connect reply's batch."""
        kept = []
        for message in replies:
            channel, position = message.get("channel"), message.get("ext", {}).get("replay")
            if message.get("channel") == "/meta/connect" and message.get("successful"):
                self.batch = message.get("ext", {}).get("ack", self.batch)
            if isinstance(channel, str) and isinstance(position, str):
                if position <= self.last_on_channel.get(channel, ""):
                    continue
                self.last_on_channel[channel] = position
                self.position = max(position, self.position or "")
            kept.append(message)
        return kept


class Session(Protocol):
    async def open(self) -> None: ...
    async def run(self) -> None: ...
    async def close(self) -> None: ...


def _check(replies: Sequence[Message], channel: str) -> Message:
    reply = next((m for m in replies if m.get("channel") == channel), None)
    if reply is None or not reply.get("successful"):
        raise BayeuxError(f"{channel} failed: {replies}")
    return reply


def _check_all(replies: Sequence[Message]) -> None:
    if not replies or not all(reply.get("successful") for reply in replies):
        raise BayeuxError(f"subscribe failed: {replies}")


def _subscribe(client_id: str, handlers: Handlers) -> list[Message]:
    return [
        {"channel": "/meta/subscribe", "clientId": client_id, "subscription": channel}
        for channel in handlers
    ]


def _dispatch(handlers: Handlers, message: Message) -> None:
    handler = handlers.get(str(message.get("channel")))
    if handler is not None:
        handler(message["data"])


def _told_to_handshake(replies: Sequence[Message]) -> bool:
    return any(
        m.get("channel") == "/meta/connect"
        and not m.get("successful")
        and m.get("advice", {}).get("reconnect") == "handshake"
        for m in replies
    )


def _handshake(transport: Transport) -> Message:
    return {
        "channel": "/meta/handshake",
        "version": "1.0",
        "minimumVersion": "1.0",
        "supportedConnectionTypes": [transport],
    }


class LongPollingSession:
    """With `resumption`, the session acknowledges connect replies and, when the server ends
    it (`402::Unknown client`), handshakes again and replays from its last position."""

    def __init__(
        self,
        endpoint: Endpoint,
        handlers: Handlers,
        holding: Level,
        resumption: Resumption | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._handlers = handlers
        self._http = HttpConnection(endpoint.host, endpoint.port)
        self._client_id = ""
        self._holding = holding
        self.resumption = resumption

    async def open(self) -> None:
        handshake = _handshake("long-polling")
        if self.resumption is not None:
            handshake = self.resumption.handshake(handshake)
        reply = _check(await self._send([handshake]), "/meta/handshake")
        self._client_id = str(reply["clientId"])
        subscriptions = _subscribe(self._client_id, self._handlers)
        if self.resumption is not None:
            self.resumption.handshaken(reply)
            subscriptions = self.resumption.subscribe(subscriptions)
        _check_all(await self._send(subscriptions))

    async def run(self) -> None:
        while True:
            connect: Message = {
                "channel": "/meta/connect",
                "clientId": self._client_id,
                "connectionType": "long-polling",
            }
            if self.resumption is not None:
                connect = self.resumption.connect(connect)
            self._holding.add(1)
            try:
                replies = await self._send([connect])
            except HttpError:
                if self.resumption is None:
                    raise
                self.resumption.reconnects += 1
                continue
            finally:
                self._holding.add(-1)
            if self.resumption is not None:
                replies = self.resumption.received(replies)
            for message in replies:
                _dispatch(self._handlers, message)
            if self.resumption is not None and _told_to_handshake(replies):
                self.resumption.rehandshakes += 1
                await self.open()
                continue
            _check(replies, "/meta/connect")

    async def close(self) -> None:
        await self._http.close()

    async def _send(self, messages: list[Message]) -> list[Message]:
        response = await self._http.post(
            self._endpoint.path, json.dumps(messages).encode(), self._endpoint.headers
        )
        if response.status != 200:
            raise BayeuxError(f"HTTP {response.status}: {response.body[:200]!r}")
        replies: list[Message] = json.loads(response.body)
        return replies


class WebSocketSession:
    def __init__(self, endpoint: Endpoint, handlers: Handlers, holding: Level) -> None:
        self._endpoint = endpoint
        self._handlers = handlers
        self._socket: ClientConnection | None = None
        self._client_id = ""
        self._holding = holding

    async def open(self) -> None:
        endpoint = self._endpoint
        self._socket = await connect(
            f"ws://{endpoint.host}:{endpoint.port}{endpoint.path}",
            additional_headers=endpoint.headers,
            ping_interval=None,
            compression=None,
            open_timeout=60,
        )
        handshake = _check(await self._call([_handshake("websocket")]), "/meta/handshake")
        self._client_id = str(handshake["clientId"])
        _check_all(await self._call(_subscribe(self._client_id, self._handlers)))

    async def run(self) -> None:
        socket = self._connected()
        connect_message = json.dumps(
            [
                {
                    "channel": "/meta/connect",
                    "clientId": self._client_id,
                    "connectionType": "websocket",
                }
            ]
        )
        await socket.send(connect_message)
        self._holding.add(1)
        held = True
        try:
            async for frame in socket:
                for message in json.loads(frame):
                    if message.get("channel") == "/meta/connect":
                        self._holding.add(-1)
                        held = False
                        _check([message], "/meta/connect")
                        await socket.send(connect_message)
                        self._holding.add(1)
                        held = True
                    else:
                        _dispatch(self._handlers, message)
        finally:
            if held:
                self._holding.add(-1)

    async def close(self) -> None:
        socket, self._socket = self._socket, None
        if socket is not None:
            socket.transport.abort()

    async def _call(self, messages: list[Message]) -> list[Message]:
        socket = self._connected()
        await socket.send(json.dumps(messages))
        replies: list[Message] = json.loads(await socket.recv())
        return replies

    def _connected(self) -> ClientConnection:
        if self._socket is None:
            raise BayeuxError("the websocket is not open")
        return self._socket


class SessionClosed(BayeuxError):
    """The server closed a session's connection without a Bayeux reply saying why."""


class Crowd:
    """`size` sessions, opened with bounded concurrency, each running its connect loop;
    `lossless` ones (long-polling only) acknowledge and replay (`Resumption`).

    A session that cannot open, or that the server ends, is lost, not fatal: its error is
    kept in `failures` (the whole history) and `replace_lost` opens a fresh one instead."""

    def __init__(
        self,
        endpoint: Endpoint,
        transport: Transport,
        size: int,
        handlers: Handlers,
        *,
        lossless: bool = False,
    ) -> None:
        if lossless and transport != "long-polling":
            raise ValueError("lossless sessions are long-polling ones")
        self._holding = Level()

        def new_session() -> Session:
            if lossless:
                return LongPollingSession(endpoint, handlers, self._holding, Resumption())
            if transport == "long-polling":
                return LongPollingSession(endpoint, handlers, self._holding)
            return WebSocketSession(endpoint, handlers, self._holding)

        self._new_session = new_session
        self.sessions: list[Session] = [new_session() for _ in range(size)]
        self.failures: list[BaseException] = []
        self._losses = Level()
        self._lost: list[Session] = []
        self._retired: list[Resumption] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> "Crowd":
        await self._start(self.sessions)
        return self

    @property
    def rehandshakes(self) -> int:
        """How often lossless sessions were ended by the server and replayed."""
        return sum(resumption.rehandshakes for resumption in self._resumptions())

    @property
    def live(self) -> int:
        """Sessions not lost."""
        return len(self.sessions) - len(self._lost)

    async def wait_until_holding(self, within: float) -> bool:
        """True once every live session has a connect outstanding (held by the server);
        False if `within` seconds pass first."""
        return await self._holding.reach(lambda: self.live, within)

    async def wait_for_losses(self, count: int, within: float) -> bool:
        """True once `count` sessions were lost in all; False if `within` seconds pass first."""
        return await self._losses.reach(lambda: count, within)

    @property
    def holding(self) -> int:
        return self._holding.value

    async def replace_lost(self) -> int:
        """Closes the sessions lost so far and opens as many fresh ones; how many."""
        lost, self._lost = self._lost, []
        self._retired += _resumptions(lost)
        for session in lost:
            await session.close()
            self.sessions.remove(session)
        fresh = [self._new_session() for _ in lost]
        self.sessions += fresh
        await self._start(fresh)
        return len(fresh)

    @property
    def reconnects(self) -> int:
        """How often lossless sessions lost their connection and sent the connect again."""
        return sum(resumption.reconnects for resumption in self._resumptions())

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.gather(*(session.close() for session in self.sessions))

    async def _start(self, sessions: list[Session]) -> None:
        gate = asyncio.Semaphore(_OPENING_CONCURRENCY)

        async def start(session: Session) -> None:
            try:
                async with gate:
                    await session.open()
            except Exception as error:  # noqa: BLE001 - a session refused is counted, not fatal
                self._lose(session, error)
                return
            self._tasks.append(asyncio.create_task(self._run(session)))

        await asyncio.gather(*(start(session) for session in sessions))

    async def _run(self, session: Session) -> None:
        try:
            await session.run()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - a lost session is counted, not fatal
            self._lose(session, error)
        else:
            self._lose(session, SessionClosed("the server closed the connection"))

    def _resumptions(self) -> list[Resumption]:
        """Those of the lossless sessions, the replaced ones included."""
        return self._retired + _resumptions(self.sessions)

    def _lose(self, session: Session, error: BaseException) -> None:
        self.failures.append(error)
        self._losses.add()
        self._lost.append(session)
        self._holding.poke()


def _resumptions(sessions: Sequence[Session]) -> list[Resumption]:
    return [
        session.resumption
        for session in sessions
        if isinstance(session, LongPollingSession) and session.resumption is not None
    ]
