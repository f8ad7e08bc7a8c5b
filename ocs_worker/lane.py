"""One owned partition's fetched commands and the task that applies them, one transaction after
another, independently of the other partitions.

The consumer loop only hands fetched commands over, so one partition's slow transaction (a
coordinator retry, a slow marker write) holds back neither the fetch nor the other partitions'
transactions, and the commands that arrive meanwhile make the partition's next transaction.
"""

import asyncio
from collections.abc import Callable

from ocs_worker.partition import OwnedPartition, Record


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
        while True:
            await self._arrived.wait()
            if self._closing:
                return
            batch = self._backlog[: self._batch_max]
            del self._backlog[: self._batch_max]
            if not self._backlog:
                self._arrived.clear()
            self._applied(await self.partition.process(batch))
