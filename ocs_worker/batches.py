"""The records one transaction writes, appended to one record batch per topic partition.

`producer.send` costs a coroutine, a partitioner call, a metadata check and a future per
record, and waits for the sender to take a full batch before it appends the next record: about
a fifth of the worker's CPU per command (docs/performance-history.md). Here each record is one
append to a `BatchBuilder`; the batches are handed to the producer together, in append order per
partition, and awaited once.
"""

import asyncio
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder

BATCH_BYTES = 512 * 1024
"""The worker producers' `max_batch_size`: a transaction's records for a partition in one
produce request where they fit (the broker's `max.message.bytes` is 1 MiB)."""

NO_HEADERS: list[tuple[str, bytes]] = []
"""A list, not a tuple: aiokafka's compiled record builder takes nothing else."""

_choose = DefaultPartitioner()


@lru_cache(maxsize=4096)
def _partition_of(key: bytes, partitions: tuple[int, ...]) -> int:
    """aiokafka's murmur2 is pure Python; the keys (user names) are few and repeat."""
    chosen: int = _choose(key, list(partitions), list(partitions))
    return chosen


class TransactionRecords:
    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer
        self._open: dict[tuple[str, int], BatchBuilder] = {}
        self._handed_over: list[asyncio.Future[Any]] = []
        self._partitions: dict[str, tuple[int, ...]] = {}

    async def keyed(
        self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
    ) -> None:
        """To the partition `producer.send` would choose for `key` (murmur2, as Java's)."""
        partitions = self._partitions.get(topic)
        if partitions is None:
            partitions = self._partitions[topic] = tuple(
                sorted(await self._producer.partitions_for(topic))
            )
        await self.append(topic, _partition_of(key, partitions), key, value, headers)

    async def append(
        self,
        topic: str,
        partition: int,
        key: bytes,
        value: bytes,
        headers: list[tuple[str, bytes]] = NO_HEADERS,
    ) -> None:
        builder = self._open.get((topic, partition))
        if builder is None:
            builder = self._open[(topic, partition)] = self._producer.create_batch()
        if builder.append(timestamp=None, key=key, value=value, headers=headers) is None:
            await self._hand_over(topic, partition, builder)
            builder = self._open[(topic, partition)] = self._producer.create_batch()
            builder.append(timestamp=None, key=key, value=value, headers=headers)  # fits: first

    async def unbatched(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]],
    ) -> None:
        """Through `producer.send`, for a rare record (a dead letter) whatever its key and value."""
        self._handed_over.append(await self._producer.send(topic, value, key, headers=headers))

    async def delivered(self) -> None:
        """Hands the open batches over and waits until every record is acknowledged."""
        for (topic, partition), builder in self._open.items():
            await self._hand_over(topic, partition, builder)
        self._open.clear()
        await asyncio.gather(*self._handed_over)

    async def _hand_over(self, topic: str, partition: int, builder: BatchBuilder) -> None:
        builder.close()
        self._handed_over.append(
            await self._producer.send_batch(builder, topic, partition=partition)
        )
