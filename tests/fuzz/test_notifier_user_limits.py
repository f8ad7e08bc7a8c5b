"""What one signed-in user may hold in a notifier, against the real notifier and `ocs.events`:
a bounded number of CometD sessions, of subscriptions per session, and of replays running at
once (each reads Kafka with a consumer of its own); past each cap a clear Bayeux error, and
the place is free again once the session, subscription or replay ends."""

import asyncio

import httpx
import pytest

from tests.notifier.conftest import EventWriter, StartNotifier, basic
from tests.notifier.heard import outcome
from tests.notifier.raw import CHANNELS, Message, RawBayeux, poll, subscribed_session

pytestmark = pytest.mark.kafka

HANDSHAKE: Message = {
    "channel": "/meta/handshake",
    "version": "1.0",
    "supportedConnectionTypes": ["long-polling"],
}


def subscribe(client_id: str, *channels: str, **ext: object) -> Message:
    message: Message = {"channel": "/meta/subscribe", "clientId": client_id}
    message["subscription"] = list(channels)
    if ext:
        message["ext"] = ext
    return message


async def test_a_user_holds_at_most_the_cap_of_sessions(start_notifier: StartNotifier) -> None:
    notifier = await start_notifier(max_sessions_per_user=3)
    async with httpx.AsyncClient(timeout=10) as http:
        raw = RawBayeux(notifier, http)
        sessions = [await raw.handshake("agent1") for _ in range(3)]
        [refused] = await raw.send(HANDSHAKE, authorization=basic("agent1"))
        assert refused["successful"] is False
        assert refused["error"] == "403::Handshake denied: 3 sessions of this user are open"
        assert refused["advice"]["reconnect"] == "none"
        assert await raw.handshake("agent2")  # another user is not held back
        [ended] = await raw.send({"channel": "/meta/disconnect", "clientId": sessions[0]})
        assert ended["successful"] is True
        assert await raw.handshake("agent1")  # a place is free again


async def test_a_session_holds_at_most_the_cap_of_subscriptions(
    start_notifier: StartNotifier,
) -> None:
    notifier = await start_notifier(max_subscriptions_per_session=4)
    async with httpx.AsyncClient(timeout=10) as http:
        raw = RawBayeux(notifier, http)
        client_id = await raw.handshake()
        [too_many] = await raw.send(subscribe(client_id, *(f"/many/{n}" for n in range(5))))
        assert too_many["error"] == "403::Subscription denied: at most 4 per session"
        replies = await raw.send(*(subscribe(client_id, f"/many/{n}") for n in range(5)))
        assert [reply["successful"] for reply in replies] == [True] * 4 + [False]
        assert replies[4]["error"] == "403::Subscription denied: at most 4 per session"
        [again] = await raw.send(subscribe(client_id, "/many/0"))  # already held: no growth
        assert again["successful"] is True
        await raw.send({**subscribe(client_id, "/many/0"), "channel": "/meta/unsubscribe"})
        [freed] = await raw.send(subscribe(client_id, "/many/9"))
        assert freed["successful"] is True


async def test_replays_running_at_once_are_bounded(
    start_notifier: StartNotifier, events: EventWriter
) -> None:
    # A replay is paced by its session's reading: one whose session does not read stays
    # running, holding its place, until the session reads.
    notifier = await start_notifier(session_queue_limit=4, max_replays_running=1)
    async with httpx.AsyncClient(timeout=30) as http:
        raw = RawBayeux(notifier, http)
        live = await subscribed_session(raw)
        positions = []
        for n in range(6):
            await events.outcomes(outcome(f"r{n}"))
            positions.append((await poll(raw, live, 2))[0]["ext"]["replay"])
        stalled = await raw.handshake()
        [started] = await raw.send(subscribe(stalled, *CHANNELS, replay=positions[0]))
        assert started["successful"] is True, started
        other = await raw.handshake("agent1")
        [refused] = await raw.send(subscribe(other, *CHANNELS, replay=positions[0]))
        assert refused["successful"] is False
        assert refused["error"] == "503::Replay unavailable: 1 replays running, the most at once"
        assert len(await poll(raw, stalled, 10)) == 10  # the replay ends as its session reads
        async with asyncio.timeout(10):
            while notifier.notifier.replayer.running:  # noqa: ASYNC110  (its consumer stops)
                await asyncio.sleep(0.05)
        [then] = await raw.send(subscribe(other, *CHANNELS, replay=positions[0]))
        assert then["successful"] is True, then
