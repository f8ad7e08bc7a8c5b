"""One owned partition's fetched commands and the task that applies them, one transaction after
another, independently of the other partitions.

The consumer loop only hands fetched commands over, so one partition's slow transaction (a
coordinator retry, a slow marker write) holds back neither the fetch nor the other partitions'
transactions, and the commands that arrive meanwhile make the partition's next transaction.
Between transactions, busy or idle, the lane has its partition write the timers of callbacks
that came due (`OwnedPartition.write_due_timers`).
"""

import asyncio
import time
from collections.abc import Callable
from contextlib import suppress

from ocs_worker.partition import OwnedPartition, Record

TIMER_CHECK_SECONDS = 0.25
"""How often the lane asks its partition for callbacks come due (docs/decisions.md)."""


class Lane:
    def __init__(
        self, partition: OwnedPartition, batch_max: int, applied: Callable[[int], None]
    ) -> None:
        self.partition = partition
        self._batch_max = batch_max
        self._applied = applied
        self._backlog: list[Record] = []
        self._arrived = asyncio.Event()
        self._closing = False
        self._task = asyncio.create_task(self._run(), name=f"lane {partition.source}")

    @property
    def backlog(self) -> int:
        return len(self._backlog)

    def hand_over(self, messages: list[Record]) -> None:
        self._backlog += messages
        self._arrived.set()

    def raise_failure(self) -> None:
        """A failed transaction leaves the state ahead of Kafka: the worker must restart."""
        failure = self._failure()
        if failure is not None:
            raise failure

    async def close(self) -> BaseException | None:
        """Lets the transaction in flight finish (what has not begun is the next owner's);
        returns the failure that ended the lane, if one did."""
        self._closing = True
        self._arrived.set()
        await asyncio.wait([self._task])
        await self.partition.producer.stop()
        return self._failure()

    def _failure(self) -> BaseException | None:
        if self._task.done() and not self._task.cancelled():
            return self._task.exception()
        return None

    async def _run(self) -> None:
        next_timers = 0.0
        while True:
            with suppress(TimeoutError):
                async with asyncio.timeout(TIMER_CHECK_SECONDS):
                    await self._arrived.wait()
            if self._closing:
                return
            if self._backlog:
                batch = self._backlog[: self._batch_max]
                del self._backlog[: self._batch_max]
                if not self._backlog:
                    self._arrived.clear()
                self._applied(await self.partition.process(batch))
            if time.monotonic() >= next_timers:  # between transactions, busy or idle
                next_timers = time.monotonic() + TIMER_CHECK_SECONDS
                await self.partition.write_due_timers(time.time_ns())
