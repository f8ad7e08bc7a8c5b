"""Bayeux sessions: who is connected, what each subscribed to, what waits for each.

Idle sessions must be cheap (10,000 per process is the target), so a session is a small
object with a bounded queue; a held `/meta/connect` is a Future and a timer handle, never a
task of its own. Time comes from an injected monotonic clock.
"""

import asyncio
import logging
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from notifier.channels import patterns_matching
from notifier.metrics import NotifierMetrics

Message = dict[str, Any]

log = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)
class HeldConnect:
    future: asyncio.Future[None]
    timer: asyncio.TimerHandle
    browser_id: str | None


@dataclass(eq=False, slots=True)
class Session:
    client_id: str
    user_name: str
    expires_at: float
    subscriptions: set[str] = field(default_factory=set)
    queue: deque[Message] = field(default_factory=deque)
    connected: bool = False
    ended: str | None = None
    held: HeldConnect | None = None


class SessionRegistry:
    def __init__(
        self,
        *,
        queue_limit: int,
        max_interval_s: float,
        metrics: NotifierMetrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._queue_limit = queue_limit
        self._max_interval_s = max_interval_s
        self._metrics = metrics
        self._clock = clock
        self._by_id: dict[str, Session] = {}
        self._by_user: dict[str, dict[str, Session]] = {}
        self._polling_browsers: dict[str, dict[str, HeldConnect]] = {}
        self._subscription_count = 0
        self._held_count = 0
        metrics.observe_registry(
            sessions=lambda: len(self._by_id),
            subscriptions=lambda: self._subscription_count,
            held=lambda: self._held_count,
        )

    def create(self, user_name: str) -> Session:
        session = Session(
            client_id=secrets.token_urlsafe(18),
            user_name=user_name,
            expires_at=self._clock() + self._max_interval_s,
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
        if session.queue:
            self._metrics.messages_dropped.labels(reason).inc(len(session.queue))
            session.queue.clear()
        self._metrics.sessions_ended.labels(reason).inc()
        self._wake(session)
        log.info(
            "session ended",
            extra={"client_id": session.client_id, "user": session.user_name, "reason": reason},
        )

    def deliver(self, user_name: str, messages: list[Message]) -> int:
        """Queue `messages` (in order) for each session of the user subscribed to them.

        A session whose queue would pass its limit has stopped reading: it is ended, so that
        its next connect is told to re-handshake, and its messages are dropped and counted.
        Returns how many sessions got something.
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
            if len(session.queue) + len(wanted) > self._queue_limit:
                self._metrics.messages_dropped.labels("queue_overflow").inc(len(wanted))
                self.end(session, "queue_overflow")
                continue
            session.queue.extend(wanted)
            reached += 1
            self._wake(session)
        if not subscribed:
            self._metrics.messages_dropped.labels("not_subscribed").inc(len(messages))
        return reached

    def take(self, session: Session) -> list[Message]:
        """Everything queued for the session, now going into a connect reply; the session's
        `max_interval` starts again from this reply."""
        messages = list(session.queue)
        session.queue.clear()
        self._metrics.messages_delivered.inc(len(messages))
        if session.held is None and session.ended is None:
            session.expires_at = self._clock() + self._max_interval_s
        return messages

    def hold(
        self, session: Session, timeout_s: float, browser_id: str | None
    ) -> asyncio.Future[None]:
        """Park a connect until a message is queued, `timeout_s` passes or another connect
        of the session arrives; a parked connect keeps the session alive."""
        self._wake(session)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        timer = loop.call_later(timeout_s, self._wake, session)
        held = HeldConnect(future=future, timer=timer, browser_id=browser_id)
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
        """End sessions that have not connected for `max_interval`; returns how many."""
        now = self._clock()
        stale = [s for s in self._by_id.values() if s.expires_at <= now]
        for session in stale:
            self.end(session, "expired")
        return len(stale)

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
        held.timer.cancel()
        if held.browser_id is not None:
            holders = self._polling_browsers[held.browser_id]
            del holders[session.client_id]
            if not holders:
                del self._polling_browsers[held.browser_id]
        if session.ended is None:
            session.expires_at = self._clock() + self._max_interval_s
