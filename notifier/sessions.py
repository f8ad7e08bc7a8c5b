"""Bayeux sessions: who is connected, what each subscribed to, what waits for each.

Idle sessions must be cheap (10,000 per process is the target), so a session is a small
object with a bounded queue; a held `/meta/connect` is a Future and a place among the
registry's `Deadlines`, never a task or a timer of its own. Time comes from an injected
monotonic clock.
"""

import asyncio
import hashlib
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from notifier.acks import Acknowledgements
from notifier.channels import patterns_matching
from notifier.deadlines import Deadlines
from notifier.metrics import NotifierMetrics

Message = dict[str, Any]

log = logging.getLogger(__name__)


class LimitReached(Exception):
    """A user's sessions or a session's subscriptions are at their cap; the text is the
    Bayeux error."""


@dataclass(eq=False, slots=True)
class HeldConnect:
    future: asyncio.Future[None]
    deadline_slot: int
    browser_id: str | None


@dataclass(eq=False, slots=True)
class Replaying:
    """A session whose replay runs: live outcomes wait here (by offset) until it is done, and
    `room` is set whenever the session's queue drains."""

    requested: str
    held_back: list[tuple[int, list[Message]]] = field(default_factory=list)
    held_back_count: int = 0
    room: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(eq=False, slots=True)
class Session:
    client_id: str
    user_name: str
    expires_at: float
    token_id: str | None = None
    """The id of the session cookie that authenticated the handshake (None: Basic): a
    revocation of that token ends the session."""
    cookie_expires: float | None = None
    """When that cookie expires (epoch s): the session ends then, since after it the cookie
    could no longer be signed out."""
    subscriptions: set[str] = field(default_factory=set)
    queue: list[Message] = field(default_factory=list)
    """A list, not a deque: it is only appended to and emptied whole, and an empty deque
    costs 760 bytes against a list's 56 (docs/performance.md, round 2)."""
    connected: bool = False
    ended: str | None = None
    held: HeldConnect | None = None
    acks: Acknowledgements | None = None
    """Set when the client negotiated CometD's acknowledgement extension."""
    cursor: int | None = None
    """Offset in `ocs.events` of the last outcome queued: an outcome at or before it is a
    duplicate (live delivery meeting a replay)."""
    replay_requested: str | None = None
    replaying: Replaying | None = None

    @property
    def log_name(self) -> str:
        """How logs name the session: the clientId is its credential, so never that."""
        return hashlib.sha256(self.client_id.encode()).hexdigest()[:12]


class SessionRegistry:
    def __init__(
        self,
        *,
        queue_limit: int,
        max_interval_s: float,
        max_sessions_per_user: int,
        max_subscriptions_per_session: int,
        metrics: NotifierMetrics,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._queue_limit = queue_limit
        self._max_sessions_per_user = max_sessions_per_user
        self._max_subscriptions = max_subscriptions_per_session
        self._max_interval_s = max_interval_s
        self._metrics = metrics
        self._clock = clock
        self._wall_clock = wall_clock
        self._by_id: dict[str, Session] = {}
        self._by_user: dict[str, dict[str, Session]] = {}
        self._polling_browsers: dict[str, dict[str, HeldConnect]] = {}
        self._deadlines: Deadlines[Session] = Deadlines(self._wake)
        self._subscription_count = 0
        self._held_count = 0
        metrics.observe_registry(
            sessions=lambda: len(self._by_id),
            subscriptions=lambda: self._subscription_count,
            held=lambda: self._held_count,
        )

    def create(
        self, user_name: str, token_id: str | None = None, cookie_expires: float | None = None
    ) -> Session:
        """A new session of the user (opened by the cookie `token_id`, which expires at
        `cookie_expires`); `LimitReached` when the user has the most open."""
        if len(self._by_user.get(user_name, {})) >= self._max_sessions_per_user:
            raise LimitReached(
                f"403::Handshake denied: {self._max_sessions_per_user} sessions of this user "
                "are open"
            )
        session = Session(
            client_id=secrets.token_urlsafe(18),
            user_name=user_name,
            expires_at=self._clock() + self._max_interval_s,
            token_id=token_id,
            cookie_expires=cookie_expires,
        )
        self._by_id[session.client_id] = session
        self._by_user.setdefault(user_name, {})[session.client_id] = session
        return session

    def get(self, client_id: object) -> Session | None:
        return self._by_id.get(client_id) if isinstance(client_id, str) else None

    def sessions_of(self, user_name: str) -> list[Session]:
        return list(self._by_user.get(user_name, {}).values())

    def all(self) -> list[Session]:
        return list(self._by_id.values())

    def subscribe(self, session: Session, patterns: list[str]) -> None:
        """Add the patterns (all or, past the session's cap, none: `LimitReached`)."""
        if len(session.subscriptions | set(patterns)) > self._max_subscriptions:
            raise LimitReached(
                f"403::Subscription denied: at most {self._max_subscriptions} per session"
            )
        before = len(session.subscriptions)
        session.subscriptions.update(patterns)
        self._subscription_count += len(session.subscriptions) - before

    def unsubscribe(self, session: Session, patterns: list[str]) -> None:
        before = len(session.subscriptions)
        session.subscriptions.difference_update(patterns)
        self._subscription_count -= before - len(session.subscriptions)

    def end(self, session: Session, reason: str) -> None:
        """Forget the session; a held connect is answered (the client is told why)."""
        if session.ended is not None:
            return
        session.ended = reason
        del self._by_id[session.client_id]
        of_user = self._by_user[session.user_name]
        del of_user[session.client_id]
        if not of_user:
            del self._by_user[session.user_name]
        self._subscription_count -= len(session.subscriptions)
        if dropped := self.backlog(session):
            self._metrics.messages_dropped.labels(reason).inc(dropped)
            session.queue.clear()
        self._metrics.sessions_ended.labels(reason).inc()
        if session.replaying is not None:
            session.replaying.room.set()
        self._wake(session)
        log.info(
            "session ended",
            extra={"session": session.log_name, "user": session.user_name, "reason": reason},
        )

    def deliver(self, user_name: str, messages: list[Message], offset: int | None = None) -> int:
        """Queue `messages` (in order) for each session of the user subscribed to them;
        `offset` is the outcome's place in `ocs.events` (None for a client's publication).

        A session whose backlog would pass its limit has stopped reading: it is ended, so that
        its next connect is told to re-handshake (and to replay), and its messages are dropped
        and counted. Returns how many sessions got something.
        """
        sessions = self.sessions_of(user_name)
        if not sessions:
            self._metrics.messages_dropped.labels("no_session").inc(len(messages))
            return 0
        matching = [patterns_matching(message["channel"]) for message in messages]
        reached = 0
        subscribed = False
        for session in sessions:
            wanted = [
                message
                for message, patterns in zip(messages, matching, strict=True)
                if not patterns.isdisjoint(session.subscriptions)
            ]
            if not wanted:
                continue
            subscribed = True
            if offset is not None and session.replaying is not None:
                self._hold_back(session, session.replaying, offset, wanted)
            elif self._enqueue(session, wanted, offset):
                reached += 1
        if not subscribed:
            self._metrics.messages_dropped.labels("not_subscribed").inc(len(messages))
        return reached

    def deliver_replayed(self, session: Session, messages: list[Message], offset: int) -> None:
        """Queue a replayed outcome's messages the session is subscribed to."""
        wanted = [
            message
            for message in messages
            if not patterns_matching(message["channel"]).isdisjoint(session.subscriptions)
        ]
        if wanted and self._enqueue(session, wanted, offset):
            self._metrics.messages_replayed.inc(len(wanted))

    def acknowledge(self, session: Session, batch: int) -> None:
        """The client received every connect reply up to batch number `batch`."""
        if session.acks is not None:
            session.acks.acknowledge(batch)
            if session.replaying is not None:
                session.replaying.room.set()

    def backlog(self, session: Session) -> int:
        """Messages the session holds: queued, and sent but not acknowledged."""
        return len(session.queue) + (len(session.acks) if session.acks is not None else 0)

    def start_replay(self, session: Session, requested: str, after: int) -> Replaying:
        """From now on live outcomes for the session wait until `finish_replay`; none at or
        before offset `after` is queued."""
        session.cursor = after if session.cursor is None else max(session.cursor, after)
        session.replay_requested = requested
        session.replaying = Replaying(requested)
        return session.replaying

    def finish_replay(self, session: Session) -> None:
        """Queue the live outcomes held back during the replay, but those it delivered."""
        replaying, session.replaying = session.replaying, None
        if replaying is None or session.ended is not None:
            return
        for offset, messages in replaying.held_back:
            if not self._enqueue(session, messages, offset):
                return

    def _hold_back(
        self, session: Session, replaying: Replaying, offset: int, messages: list[Message]
    ) -> None:
        replaying.held_back.append((offset, messages))
        replaying.held_back_count += len(messages)
        if replaying.held_back_count > self._queue_limit:
            self._metrics.messages_dropped.labels("queue_overflow").inc(replaying.held_back_count)
            self.end(session, "queue_overflow")

    def _enqueue(self, session: Session, messages: list[Message], offset: int | None) -> bool:
        """False if the outcome was already queued, or the session ended at its limit."""
        if offset is not None:
            if session.cursor is not None and offset <= session.cursor:
                return False
            session.cursor = offset
        if self.backlog(session) + len(messages) > self._queue_limit:
            self._metrics.messages_dropped.labels("queue_overflow").inc(len(messages))
            self.end(session, "queue_overflow")
            return False
        session.queue.extend(messages)
        self._wake(session)
        return True

    def take(self, session: Session) -> tuple[list[Message], int | None]:
        """What goes into a connect reply now: everything queued for the session and, with the
        acknowledgement extension, first what the client has not acknowledged yet; and the
        reply's batch number (None without the extension). The session's `max_interval`
        starts again from this reply."""
        messages, session.queue = session.queue, []
        self._metrics.messages_delivered.inc(len(messages))
        if session.held is None and session.ended is None:
            session.expires_at = self._clock() + self._max_interval_s
        if session.replaying is not None:
            session.replaying.room.set()
        if session.acks is None:
            return messages, None
        self._metrics.messages_resent.inc(len(session.acks))
        return session.acks.close_batch(messages)

    def hold(
        self, session: Session, timeout_s: float, browser_id: str | None
    ) -> asyncio.Future[None]:
        """Park a connect until a message is queued, `timeout_s` passes or another connect
        of the session arrives; a parked connect keeps the session alive."""
        self._wake(session)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        slot = self._deadlines.add(session, timeout_s)
        held = HeldConnect(future=future, deadline_slot=slot, browser_id=browser_id)
        session.held = held
        session.expires_at = math.inf
        self._held_count += 1
        if browser_id is not None:
            self._polling_browsers.setdefault(browser_id, {})[session.client_id] = held
        # A transport that goes away cancels the future: the session must not stay parked.
        future.add_done_callback(lambda _: self._release(session, held))
        return future

    def browser_busy(self, browser_id: str | None, session: Session) -> bool:
        """Does another session of this browser already hold a long poll?"""
        if browser_id is None:
            return False
        holders = self._polling_browsers.get(browser_id, {})
        return any(client_id != session.client_id for client_id in holders)

    def expire(self) -> int:
        """End sessions that have not connected for `max_interval` and those whose cookie
        has expired; returns how many."""
        now, wall_now = self._clock(), self._wall_clock()
        stale = [s for s in self._by_id.values() if s.expires_at <= now]
        for session in stale:
            self.end(session, "expired")
        cookie_expired = [
            s
            for s in self._by_id.values()
            if s.cookie_expires is not None and s.cookie_expires <= wall_now
        ]
        for session in cookie_expired:
            self.end(session, "cookie_expired")
        return len(stale) + len(cookie_expired)

    def _wake(self, session: Session) -> None:
        held = session.held
        if held is not None:
            self._release(session, held)
            if not held.future.done():
                held.future.set_result(None)

    def _release(self, session: Session, held: HeldConnect) -> None:
        if session.held is not held:
            return
        session.held = None
        self._held_count -= 1
        self._deadlines.discard(session, held.deadline_slot)
        if held.browser_id is not None:
            holders = self._polling_browsers[held.browser_id]
            del holders[session.client_id]
            if not holders:
                del self._polling_browsers[held.browser_id]
        if session.ended is None:
            session.expires_at = self._clock() + self._max_interval_s
