import asyncio
import tracemalloc

import pytest

from notifier.metrics import NotifierMetrics
from notifier.sessions import SessionRegistry

OUTBOUND = {"channel": "/v2/me/outbound", "data": {"n": 1}}
INTERNAL = {"channel": "/me/internal", "data": {"n": 2}}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def metrics() -> NotifierMetrics:
    return NotifierMetrics()


@pytest.fixture
def registry(clock: Clock, metrics: NotifierMetrics) -> SessionRegistry:
    return SessionRegistry(
        queue_limit=4,
        max_interval_s=10,
        max_sessions_per_user=10,
        max_subscriptions_per_session=10,
        metrics=metrics,
        clock=clock,
    )


def dropped(metrics: NotifierMetrics, reason: str) -> float:
    return (
        metrics.registry.get_sample_value("notifier_messages_dropped_total", {"reason": reason})
        or 0
    )


def test_messages_go_to_the_users_subscribed_sessions_once_each(
    registry: SessionRegistry, metrics: NotifierMetrics
) -> None:
    both = registry.create("agent1")
    registry.subscribe(both, ["/v2/**", "/v2/me/outbound", "/me/*"])
    only_internal = registry.create("agent1")
    registry.subscribe(only_internal, ["/me/internal"])
    other_user = registry.create("agent2")
    registry.subscribe(other_user, ["/**"])

    assert registry.deliver("agent1", [OUTBOUND, INTERNAL]) == 2
    assert list(both.queue) == [OUTBOUND, INTERNAL]
    assert list(only_internal.queue) == [INTERNAL]
    assert not other_user.queue

    assert registry.deliver("agent3", [OUTBOUND]) == 0
    assert dropped(metrics, "no_session") == 1


def test_a_session_that_stops_reading_is_ended_at_its_queue_limit(
    registry: SessionRegistry, metrics: NotifierMetrics
) -> None:
    session = registry.create("agent1")
    registry.subscribe(session, ["/**"])
    registry.deliver("agent1", [OUTBOUND, INTERNAL])
    registry.deliver("agent1", [OUTBOUND, INTERNAL])
    assert registry.get(session.client_id) is session
    registry.deliver("agent1", [OUTBOUND, INTERNAL])
    assert registry.get(session.client_id) is None
    assert session.ended == "queue_overflow"
    assert dropped(metrics, "queue_overflow") == 6
    assert dropped(metrics, "not_subscribed") == 0  # counted once, under its real reason
    assert not registry.sessions_of("agent1")


async def test_sessions_expire_unless_a_connect_is_held(
    registry: SessionRegistry, clock: Clock
) -> None:
    idle, polling = registry.create("agent1"), registry.create("agent1")
    held = registry.hold(polling, 60, None)
    clock.now += 10
    assert registry.expire() == 1
    assert idle.ended == "expired"
    assert registry.get(polling.client_id) is polling

    registry.deliver("agent1", [OUTBOUND])  # not subscribed: nothing wakes it
    assert not held.done()
    registry.subscribe(polling, ["/v2/me/outbound"])
    registry.deliver("agent1", [OUTBOUND])
    assert held.done()
    assert registry.take(polling) == ([OUTBOUND], None)
    clock.now += 9.9
    assert registry.expire() == 0
    clock.now += 0.1
    assert registry.expire() == 1


async def test_a_held_connect_ends_at_its_timeout_or_on_a_newer_connect(
    registry: SessionRegistry,
) -> None:
    session = registry.create("agent1")
    older = registry.hold(session, 60, "browser-1")
    assert registry.browser_busy("browser-1", registry.create("agent1"))
    newer = registry.hold(session, 0.01, "browser-1")
    assert older.done()
    assert not newer.done()
    async with asyncio.timeout(1):
        await newer
    assert session.held is None
    assert not registry.browser_busy("browser-1", registry.create("agent1"))


async def test_ten_thousand_idle_long_polls_are_cheap(metrics: NotifierMetrics) -> None:
    registry = SessionRegistry(
        queue_limit=100,
        max_interval_s=10,
        max_sessions_per_user=10_000,
        max_subscriptions_per_session=10,
        metrics=metrics,
    )
    tasks_before = len(asyncio.all_tasks())
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for n in range(10_000):
            session = registry.create(f"agent{n % 500}")
            registry.subscribe(session, ["/v2/me/outbound", "/me/internal"])
            registry.hold(session, 30, f"browser-{n}")
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    per_session = (after - before) / 10_000
    assert per_session < 2048, f"{per_session:.0f} bytes per idle long poll"
    assert len(asyncio.all_tasks()) == tasks_before
    for session in registry.all():
        registry.end(session, "shutdown")
