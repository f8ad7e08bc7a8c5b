"""A lane's scheduling, with partitions whose transactions the test holds open: pure asyncio,
no broker (the transactions themselves are proved against Kafka in test_kafka_worker and the
SIGKILL drills)."""

import asyncio
from typing import cast

import pytest

from ocs_worker.lane import Lane
from ocs_worker.partition import OwnedPartition, Record
from tests.eventually import eventually

BOUND_S = 5.0


class HeldProducer:
    def __init__(self) -> None:
        self.stopped = False

    async def stop(self) -> None:
        self.stopped = True


class HeldPartition:
    """Each transaction waits until the test releases it; records the batches it got."""

    source = "held"

    def __init__(self, failure: Exception | None = None) -> None:
        self.producer = HeldProducer()
        self.batches: list[list[Record]] = []
        self.began = asyncio.Event()
        self.release = asyncio.Event()
        self.failure = failure

    async def process(self, messages: list[Record]) -> int:
        self.batches.append(messages)
        self.began.set()
        await self.release.wait()
        self.release.clear()
        if self.failure is not None:
            raise self.failure
        return len(messages)

    async def write_due_timers(self, now_ns: int) -> int:
        return 0  # no campaigns: timers are proved on the broker (test_callbacks_on_kafka)


def lane_of(partition: HeldPartition, applied: list[int], batch_max: int = 100) -> Lane:
    return Lane(cast(OwnedPartition, partition), batch_max, applied.append)


def commands(*offsets: int) -> list[Record]:
    return [cast(Record, offset) for offset in offsets]


async def test_a_held_transaction_does_not_hold_back_another_partition() -> None:
    slow, quick = HeldPartition(), HeldPartition()
    applied: list[int] = []
    slow_lane, quick_lane = lane_of(slow, applied), lane_of(quick, applied)
    slow_lane.hand_over(commands(1))
    quick_lane.hand_over(commands(7, 8))
    async with asyncio.timeout(BOUND_S):
        await slow.began.wait()
        await quick.began.wait()
        quick.release.set()
        await eventually(lambda: applied == [2], every=0.001)
    assert slow.batches == [commands(1)]  # still in its transaction
    slow.release.set()
    await slow_lane.close()
    await quick_lane.close()


async def test_commands_arriving_during_a_transaction_make_the_next_one_up_to_its_bound() -> None:
    partition = HeldPartition()
    applied: list[int] = []
    lane = lane_of(partition, applied, batch_max=3)
    lane.hand_over(commands(1))
    async with asyncio.timeout(BOUND_S):
        await partition.began.wait()
        lane.hand_over(commands(2, 3))
        lane.hand_over(commands(4, 5))
        for _ in range(2):  # each release ends one transaction and begins the next
            partition.began.clear()
            partition.release.set()
            await partition.began.wait()
    assert partition.batches == [commands(1), commands(2, 3, 4), commands(5)]
    assert applied == [1, 3]
    partition.release.set()
    await lane.close()
    assert applied == [1, 3, 1]


async def test_closing_finishes_the_transaction_in_flight_and_leaves_the_rest() -> None:
    partition = HeldPartition()
    applied: list[int] = []
    lane = lane_of(partition, applied)
    lane.hand_over(commands(1, 2))
    async with asyncio.timeout(BOUND_S):
        await partition.began.wait()
        lane.hand_over(commands(3))
        closing = asyncio.create_task(lane.close())
        await asyncio.sleep(0)
        assert not closing.done()
        partition.release.set()
        assert await closing is None
    assert partition.batches == [commands(1, 2)]
    assert applied == [2]
    assert partition.producer.stopped


async def test_a_failed_transaction_is_raised_to_the_consumer_loop_and_by_close() -> None:
    partition = HeldPartition(failure=RuntimeError("commit refused"))
    lane = lane_of(partition, [])
    lane.hand_over(commands(1))
    async with asyncio.timeout(BOUND_S):
        await partition.began.wait()
        partition.release.set()
        await eventually(lambda: not (partition.release.is_set() or lane.backlog), every=0.001)
        await asyncio.sleep(0)  # the lane's task ends with the failure
        with pytest.raises(RuntimeError, match="commit refused"):
            lane.raise_failure()
        failure = await lane.close()
    assert isinstance(failure, RuntimeError)
