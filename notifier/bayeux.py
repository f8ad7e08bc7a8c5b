"""The Bayeux 1.0 protocol core, shared by both transports.

`Bayeux.handle(batch, request)` answers one batch of messages: the replies that can be sent
now, and at most one parked `/meta/connect` whose reply (queued messages first) is built by
`PendingConnect.finish()` once its future is done.
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Literal

from agent_access.credentials import Authenticator, SignInThrottled
from agent_access.password_checks import PasswordChecksBusy
from agent_access.session import token_id
from notifier import channels
from notifier.acks import Acknowledgements
from notifier.metrics import NotifierMetrics
from notifier.positions import InvalidPosition, parse_position
from notifier.replay import Replayer
from notifier.sessions import LimitReached, Message, Session, SessionRegistry

BAYEUX_VERSION = "1.0"
CONNECTION_TYPES = ("long-polling", "websocket")

Transport = Literal["long-polling", "websocket"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Request:
    """What the transport knows about the HTTP request (or WebSocket upgrade) carrying a batch."""

    transport: Transport
    authorization: str | None = None
    session_token: str | None = None
    browser_id: str | None = None
    client_address: str | None = None


@dataclass(frozen=True, slots=True)
class Advice:
    connect_timeout_ms: int
    multi_session_interval_ms: int


class PendingConnect:
    """A parked connect: await (or watch) `future`, then send `finish()`."""

    def __init__(
        self, bayeux: "Bayeux", session: Session, message: Message, future: asyncio.Future[None]
    ) -> None:
        self._bayeux = bayeux
        self._session = session
        self._message = message
        self.future = future

    def finish(self) -> list[Message]:
        return self._bayeux.connect_reply(self._session, self._message)


class Bayeux:
    def __init__(
        self,
        registry: SessionRegistry,
        authenticator: Authenticator,
        advice: Advice,
        metrics: NotifierMetrics,
        replayer: Replayer,
    ) -> None:
        self._registry = registry
        self._auth = authenticator
        self._advice = advice
        self._metrics = metrics
        self._replayer = replayer

    async def handle(
        self, batch: list[Any], request: Request
    ) -> tuple[list[Message], PendingConnect | None]:
        replies: list[Message] = []
        pending: PendingConnect | None = None
        handshaken = False
        for message in batch:
            if not isinstance(message, dict):
                replies.append({"successful": False, "error": "400::Message is not an object"})
                continue
            channel = message.get("channel")
            if not isinstance(channel, str) or not channel:
                replies.append(_failure(message, "400::Message without a channel"))
            elif channel == "/meta/handshake":
                replies.append(await self._handshake(message, request, first=not handshaken))
                handshaken = True
            elif channel == "/meta/connect":
                parked = self._connect(message, request, replies)
                if parked is not None:
                    if pending is not None:  # two connects in one batch: the later one wins
                        replies.extend(pending.finish())
                    pending = parked
            elif channel == "/meta/subscribe":
                replies.append(await self._subscribe(message))
            elif channel == "/meta/unsubscribe":
                replies.append(self._subscription(message, subscribe=False))
            elif channel == "/meta/disconnect":
                replies.append(self._disconnect(message))
            else:
                replies.append(self._publish(message, channel))
        return replies, pending

    def connect_reply(self, session: Session, message: Message) -> list[Message]:
        if session.ended is not None and session.ended != "disconnect":
            return [_unknown_client(message)]
        reconnect = "none" if session.ended == "disconnect" else "retry"
        reply = _reply(message, successful=True)
        reply["advice"] = {
            "interval": 0,
            "timeout": self._advice.connect_timeout_ms,
            "reconnect": reconnect,
        }
        return self._with_messages(session, reply)

    def _with_messages(self, session: Session, reply: Message) -> list[Message]:
        """The session's messages, then the connect reply (with its batch number when the
        client acknowledges batches)."""
        messages, batch = self._registry.take(session)
        if batch is not None:
            reply.setdefault("ext", {})["ack"] = batch
        return [*messages, reply]

    async def _handshake(self, message: Message, request: Request, *, first: bool) -> Message:
        if not first:  # a client handshakes alone; more in one request would only mint sessions
            return _failure(message, "400::One handshake per request")
        types = message.get("supportedConnectionTypes")
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            return _handshake_failure(message, "400::supportedConnectionTypes must be a list")
        user_name = await self._sign_in(message, request)
        if not isinstance(user_name, str):
            return user_name
        if not set(types) & set(CONNECTION_TYPES):
            return _handshake_failure(message, "403::Unsupported connection types")
        # Basic wins over the cookie: a session opened with Basic ends with no token's revocation.
        by_cookie = request.session_token if not request.authorization else None
        try:
            session = self._registry.create(
                user_name,
                token_id(by_cookie) if by_cookie else None,
                self._auth.session_expiry(by_cookie) if by_cookie else None,
            )
        except LimitReached as error:
            log.warning("handshake denied: sessions at their cap", extra={"user": user_name})
            return _handshake_failure(message, str(error))
        ext = message.get("ext")
        acknowledging = isinstance(ext, dict) and ext.get("ack") is True
        if acknowledging:
            session.acks = Acknowledgements()
        log.info(
            "handshake",
            extra={
                "session": session.log_name,
                "user": user_name,
                "transport": request.transport,
            },
        )
        reply = _reply(message, successful=True)
        reply.update(
            version=BAYEUX_VERSION,
            supportedConnectionTypes=list(CONNECTION_TYPES),
            clientId=session.client_id,
            advice={
                "reconnect": "retry",
                "interval": 0,
                "timeout": self._advice.connect_timeout_ms,
            },
        )
        if acknowledging:
            reply.setdefault("ext", {})["ack"] = True
        return reply

    async def _sign_in(self, message: Message, request: Request) -> str | Message:
        """The user the handshake's credentials prove, or the handshake's failure reply."""
        try:
            account = await self._auth.account_for(
                request.authorization, request.session_token, address=request.client_address
            )
        except SignInThrottled as throttled:
            self._metrics.handshakes_denied.inc()
            return _handshake_failure(message, f"403::Handshake denied: {throttled}")
        except PasswordChecksBusy as busy:
            self._metrics.handshakes_denied.inc()
            # Not checked for want of a hashing slot: the client may hand-shake again shortly.
            retry = {"reconnect": "handshake", "interval": busy.retry_after_s * 1000}
            return _handshake_failure(message, f"503::Sign-in busy: {busy}", retry)
        if account is None:
            self._metrics.handshakes_denied.inc()
            log.info("handshake denied", extra={"transport": request.transport})
            return _handshake_failure(message, "403::Handshake denied: authentication required")
        return account.user_name

    def _connect(
        self, message: Message, request: Request, replies: list[Message]
    ) -> PendingConnect | None:
        session = self._registry.get(message.get("clientId"))
        if session is None:
            replies.append(_unknown_client(message))
            return None
        timeout_ms = self._advice.connect_timeout_ms
        advice = message.get("advice")
        if isinstance(advice, dict) and isinstance(advice.get("timeout"), int | float):
            timeout_ms = max(0, min(timeout_ms, int(advice["timeout"])))
        first = not session.connected
        session.connected = True
        ext = message.get("ext")
        if isinstance(ext, dict) and type(ext.get("ack")) is int:
            self._registry.acknowledge(session, ext["ack"])
        # Messages the client has not acknowledged go again at once (its last reply was lost).
        unacknowledged = session.acks is not None and len(session.acks) > 0
        if first or timeout_ms == 0 or session.queue or unacknowledged:
            replies.extend(self.connect_reply(session, message))
            return None
        if self._registry.browser_busy(request.browser_id, session):
            # Another tab of this browser holds a long poll: answer now, tell it to take turns.
            reply = _reply(message, successful=True)
            reply["advice"] = {
                "reconnect": "retry",
                "interval": self._advice.multi_session_interval_ms,
                "timeout": self._advice.connect_timeout_ms,
                "multiple-clients": True,
            }
            replies.extend(self._with_messages(session, reply))
            return None
        future = self._registry.hold(session, timeout_ms / 1000, request.browser_id)
        return PendingConnect(self, session, message, future)

    async def _subscribe(self, message: Message) -> Message:
        """A subscription; with `ext.replay`, the agent's outcomes after that position first."""
        ext = message.get("ext")
        session = self._registry.get(message.get("clientId"))
        if session is None or not isinstance(ext, dict) or "replay" not in ext:
            return self._subscription(message, subscribe=True)
        requested = ext["replay"]
        try:
            position = parse_position(requested, session.user_name)
        except InvalidPosition as error:
            self._metrics.replays.labels("refused").inc()
            return _failure(message, str(error))
        if session.replay_requested is None:
            if not isinstance(refusal := _patterns(message), list):
                return refusal
            try:
                await self._replayer.start(session, position, requested)
            except InvalidPosition as error:
                return _failure(message, str(error))
        elif session.replay_requested != requested:
            self._metrics.replays.labels("refused").inc()
            return _failure(message, "400::Replay already started from another position")
        return self._subscription(message, subscribe=True)

    def _subscription(self, message: Message, *, subscribe: bool) -> Message:
        session = self._registry.get(message.get("clientId"))
        if session is None:
            return _unknown_client(message)
        patterns = _patterns(message)
        if not isinstance(patterns, list):
            return patterns
        if subscribe:
            try:
                self._registry.subscribe(session, patterns)
            except LimitReached as error:
                return _failure(message, str(error))
        else:
            self._registry.unsubscribe(session, patterns)
        reply = _reply(message, successful=True)
        reply["clientId"] = session.client_id
        reply["subscription"] = message.get("subscription")
        return reply

    def _disconnect(self, message: Message) -> Message:
        session = self._registry.get(message.get("clientId"))
        if session is None:
            return _unknown_client(message)
        self._registry.end(session, "disconnect")
        reply = _reply(message, successful=True)
        reply["clientId"] = session.client_id
        return reply

    def _publish(self, message: Message, channel: str) -> Message:
        if channels.is_meta(channel) or channels.is_server_only(channel):
            return _failure(message, "403::Publish denied")
        if not channels.is_valid_channel(channel):
            return _failure(message, f"400:{channel}:Invalid channel")
        session = self._registry.get(message.get("clientId"))
        if session is None:
            return _unknown_client(message)
        if "data" not in message:
            return _failure(message, "400::Publish without data")
        if not channels.is_service(channel):
            # Broadcasts stay within the publisher's own user: agents never reach each other.
            self._registry.deliver(
                session.user_name, [{"channel": channel, "data": message["data"]}]
            )
        return _reply(message, successful=True)


def _patterns(message: Message) -> list[str] | Message:
    """The channels a (un)subscribe names, or its failure reply."""
    requested = message.get("subscription")
    patterns = [requested] if isinstance(requested, str) else requested
    if (
        not isinstance(patterns, list)
        or not patterns
        or not all(isinstance(p, str) for p in patterns)
    ):
        return _failure(message, "400::subscription must be a channel or a list of channels")
    for pattern in patterns:
        if not channels.is_valid_pattern(pattern):
            return _failure(message, f"400:{pattern}:Invalid channel")
        if channels.is_meta(pattern):
            return _failure(message, f"403:{pattern}:Subscription denied")
    return patterns


def _reply(message: Message, *, successful: bool) -> Message:
    reply: Message = {"channel": message.get("channel"), "successful": successful}
    if "id" in message:
        reply["id"] = message["id"]
    ext = message.get("ext")
    if isinstance(ext, dict):
        # Passed through untouched, except `ack`: the acknowledgement extension answers it.
        passed = {key: value for key, value in ext.items() if key != "ack"}
        if passed:
            reply["ext"] = passed
    return reply


def _failure(message: Message, error: str) -> Message:
    reply = _reply(message, successful=False)
    reply["error"] = error
    if reply["channel"] is None:
        del reply["channel"]
    return reply


def _handshake_failure(message: Message, error: str, advice: Message | None = None) -> Message:
    reply = _failure(message, error)
    reply["supportedConnectionTypes"] = list(CONNECTION_TYPES)
    reply["advice"] = advice or {"reconnect": "none", "interval": 0}
    return reply


def _unknown_client(message: Message) -> Message:
    reply = _failure(message, "402::Unknown client")
    reply["advice"] = {"reconnect": "handshake", "interval": 0}
    return reply
