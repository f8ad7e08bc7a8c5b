"""Replay across sessions, on the wire (raw long-polling against the real `ocs.events`): every
outcome message names its position; a subscribe with `ext.replay` gets every later outcome of
its agent, then the live ones, each once, with no gap at the seam even while outcomes keep
coming; positions that cannot be replayed are refused and the session goes on."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete

from notifier.positions import Position, parse_position
from outbound_contracts.topics import TopicNames
from tests.eventually import eventually
from tests.notifier.conftest import EventWriter, RunningNotifier, StartNotifier
from tests.notifier.heard import both, heard, outcome
from tests.notifier.raw import CHANNELS, Message, RawBayeux, poll, sample, subscribed_session

pytestmark = pytest.mark.kafka


@pytest.fixture
async def running(start_notifier: StartNotifier) -> RunningNotifier:
    return await start_notifier()


@pytest.fixture
async def raw(running: RunningNotifier) -> AsyncIterator[RawBayeux]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield RawBayeux(running, http)


async def subscribe_replaying(raw: RawBayeux, client_id: str, position: object) -> Message:
    [reply] = await raw.send(
        {
            "channel": "/meta/subscribe",
            "clientId": client_id,
            "subscription": list(CHANNELS),
            "ext": {"replay": position},
        }
    )
    return reply


async def test_every_outcome_message_names_its_position_in_delivery_order(
    raw: RawBayeux, events: EventWriter
) -> None:
    client_id = await subscribed_session(raw)
    await events.outcomes(*(outcome(f"r{n}") for n in range(3)))
    received = await poll(raw, client_id, 6)
    assert heard(received) == both("r0", "r1", "r2")
    positions = [m["ext"]["replay"] for m in received]
    assert positions[0::2] == positions[1::2], "both messages of an outcome share its position"
    assert sorted(set(positions)) == positions[0::2], "as strings, in delivery order"
    assert len({parse_position(p, "agent1").partition for p in positions}) == 1


async def test_replay_gives_every_later_outcome_then_the_live_ones_each_once(
    running: RunningNotifier, raw: RawBayeux, events: EventWriter
) -> None:
    live_id = await subscribed_session(raw)
    await events.outcomes(*(outcome(f"before-{n}") for n in range(30)))
    earlier = await poll(raw, live_id, 60)
    position = earlier[2 * 9]["ext"]["replay"]  # the tenth outcome's

    written: list[int] = []

    async def keep_producing() -> None:
        for n in range(60):
            await events.outcomes(outcome(f"during-{n}"))
            written.append(n)
            await asyncio.sleep(0.01)  # a steady stream across the replay's seam

    producing = asyncio.create_task(keep_producing())
    await eventually(lambda: len(written) >= 5, what="the stream started before the replay")
    replaying_id = await raw.handshake()
    reply = await subscribe_replaying(raw, replaying_id, position)
    assert reply["successful"] is True, reply
    assert reply["ext"] == {"replay": position}
    await producing
    expected = both(*(f"before-{n}" for n in range(10, 30)), *(f"during-{n}" for n in range(60)))
    received = await poll(raw, replaying_id, len(expected), within=30)
    assert heard(received) == expected
    await events.outcomes(outcome("after"))
    assert heard(await poll(raw, replaying_id, 2)) == both("after")
    assert sample(running.notifier, "notifier_replays_total", result="done") == 1
    assert sample(running.notifier, "notifier_messages_replayed_total") >= 40


async def test_a_replay_from_the_newest_position_gives_only_live_outcomes(
    raw: RawBayeux, events: EventWriter
) -> None:
    live_id = await subscribed_session(raw)
    await events.outcomes(outcome("old"), outcome("other agent's", "agent2"))
    [_, internal] = await poll(raw, live_id, 2)
    replaying_id = await raw.handshake()
    assert (await subscribe_replaying(raw, replaying_id, internal["ext"]["replay"]))["successful"]
    await raw.connect(replaying_id)
    await events.outcomes(outcome("new"))
    assert heard(await poll(raw, replaying_id, 2)) == both("new")


@pytest.fixture
def retention(kafka_bootstrap: str, topics: TopicNames) -> Callable[[Position], Awaitable[None]]:
    """Applies retention as the broker does: the partition's log then starts at a position."""

    async def delete_before(position: Position) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        await admin.start()
        try:
            partition = TopicPartition(topics.events, position.partition)
            await admin.delete_records({partition: RecordsToDelete(position.offset)})
        finally:
            await admin.close()

    return delete_before


@pytest.mark.parametrize(
    "refusal",
    [
        ("not a position", "400::Malformed replay position"),
        ("number", "400::Replay position must be a string"),
        ("another agent's", "400::Replay position of another agent's stream"),
        ("past the end", "400::Replay position past the end of the stream"),
        ("no such partition", "400::No partition 99 in the stream"),
        ("older than retention", "400::Replay position older than retention"),
    ],
)
async def test_a_position_that_cannot_be_replayed_is_refused_and_the_session_goes_on(
    running: RunningNotifier,
    raw: RawBayeux,
    events: EventWriter,
    retention: Callable[[Position], Awaitable[None]],
    refusal: tuple[str, str],
) -> None:
    case, error = refusal
    live_id = await subscribed_session(raw)
    await events.outcomes(*(outcome(f"r{n}") for n in range(3)))
    received = await poll(raw, live_id, 6)
    first = parse_position(received[0]["ext"]["replay"], "agent1")
    third = parse_position(received[4]["ext"]["replay"], "agent1")
    position: object = {
        "not a position": "1:2:3",
        "no such partition": Position(99, third.offset).render("agent1"),
        "number": 12,
        "another agent's": first.render("agent2"),
        "past the end": Position(first.partition, third.offset + 1000).render("agent1"),
        "older than retention": first.render("agent1"),
    }[case]
    if case == "older than retention":
        await retention(third)

    client_id = await raw.handshake()
    refused = await subscribe_replaying(raw, client_id, position)
    assert refused["successful"] is False
    assert refused["error"].startswith(error), refused
    assert sample(running.notifier, "notifier_replays_total", result="refused") == 1
    assert (await raw.subscribe(client_id, *CHANNELS))["successful"] is True
    await raw.connect(client_id)
    await events.outcomes(outcome("live"))
    assert heard(await poll(raw, client_id, 2)) == both("live")
