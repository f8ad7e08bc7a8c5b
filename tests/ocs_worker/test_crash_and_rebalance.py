"""Exactly once under failure, on the real broker: SIGKILLed workers and a rebalance.

The stream (tests/ocs_worker/stream.py) is replayed through the pure core for the expected
outcome of every command and the expected final state; the drills must give exactly those.
"""

import asyncio
import signal
from functools import partial

import pytest

from outbound_contracts.commands import Command
from outbound_contracts.topics import TopicNames
from tests.eventually import eventually
from tests.ocs_worker.conftest import (
    InProcessWorker,
    send_commands,
    worker_process,
    worker_settings,
)
from tests.ocs_worker.stream import (
    Stream,
    TransactionProbe,
    build_stream,
    check_exactly_once,
    committed_outcomes,
    count_all_events,
    restored_state,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

HELD_BACK = 60  # commands sent only after the last restart


async def paced(bootstrap: str, topics: TopicNames, commands: list[Command]) -> None:
    """At most 500 commands a second, 25 at a time: a continuous stream, so the worker keeps
    beginning transactions."""
    for start in range(0, len(commands), 25):
        await send_commands(bootstrap, topics, commands[start : start + 25])
        await asyncio.sleep(0.05)


def expected_for(stream: Stream, commands: list[Command]) -> int:
    ids = {command.command_id for command in commands}
    return sum(command_id in ids for command_id, _ in stream.expected)


async def test_sigkilled_workers_lose_and_duplicate_nothing(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    stream = build_stream(300)
    first, rest = stream.commands[:-HELD_BACK], stream.commands[-HELD_BACK:]
    settings = worker_settings(
        kafka_bootstrap,
        topics,
        batch_max_commands=200,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )

    async def at_least(count: int) -> bool:
        return len(await committed_outcomes(kafka_bootstrap, topics)) >= count

    # Two kills while a transaction is open (seen by the probe just before the kill). Each
    # worker gets its own part of the stream while it runs: transactions are short, so the
    # probe must look while commands are still arriving, not after a backlog is drained.
    halfway = len(first) // 2
    parts = [first[:halfway], first[halfway:]]
    sender: asyncio.Task[None] | None = None
    try:
        async with TransactionProbe(kafka_bootstrap, topics) as probe:
            for part in parts:
                with worker_process(settings) as process:
                    sender = asyncio.create_task(paced(kafka_bootstrap, topics, part))
                    # First this worker's own progress: the transaction the last kill left
                    # open stays open until the new producer fences it.
                    done = len(await committed_outcomes(kafka_bootstrap, topics))
                    await eventually(partial(at_least, done + 1), within=90)
                    await eventually(probe.open, every=0.005, within=90)
                    process.send_signal(signal.SIGKILL)
                    process.wait()
                await sender  # the rest of the part waits in the log; order is kept
        # One kill between commands: everything sent so far is committed, the worker idles.
        with worker_process(settings) as process:
            await eventually(partial(at_least, expected_for(stream, first)), within=90)
            process.send_signal(signal.SIGKILL)
            process.wait()
        with worker_process(settings) as process:
            await send_commands(kafka_bootstrap, topics, rest)
            await eventually(partial(at_least, len(stream.expected)), within=90)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
    finally:
        if sender is not None:
            sender.cancel()

    uncommitted, committed = await count_all_events(kafka_bootstrap, topics)
    assert uncommitted > committed, "no kill landed inside a transaction"
    check_exactly_once(stream, await committed_outcomes(kafka_bootstrap, topics))
    assert await restored_state(kafka_bootstrap, topics) == stream.final


async def test_two_workers_split_the_partitions_and_a_rebalance_loses_nothing(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    stream = build_stream(300)
    first, rest = stream.commands[:-HELD_BACK], stream.commands[-HELD_BACK:]
    settings = worker_settings(kafka_bootstrap, topics, batch_max_commands=20)

    async def at_least(count: int) -> bool:
        return len(await committed_outcomes(kafka_bootstrap, topics)) >= count

    sender = asyncio.create_task(paced(kafka_bootstrap, topics, first))
    one = InProcessWorker(settings)
    two: InProcessWorker | None = None
    try:
        await eventually(lambda: at_least(200), within=90)
        two = InProcessWorker(settings)  # joins mid-stream
        pair = (one.worker, two.worker)

        async def split() -> bool:
            return all(worker.owned_partitions for worker in pair)

        await eventually(split, within=90)
        owned = [worker.owned_partitions for worker in pair]
        assert sorted(owned[0] + owned[1]) == [0, 1, 2], owned
        await eventually(lambda: at_least(600), within=90)
        await one.stop()  # leaves mid-stream: the other takes every partition over
        survivor = two.worker

        async def took_over() -> bool:
            return survivor.owned_partitions == [0, 1, 2]

        await eventually(took_over, within=90)
        await sender
        await send_commands(kafka_bootstrap, topics, rest)
        await eventually(lambda: at_least(len(stream.expected)), within=90)
        assert one.worker.applied > 0
        assert survivor.applied > 0
    finally:
        sender.cancel()
        await one.stop()
        if two is not None:
            await two.stop()

    check_exactly_once(stream, await committed_outcomes(kafka_bootstrap, topics))
    assert await restored_state(kafka_bootstrap, topics) == stream.final
