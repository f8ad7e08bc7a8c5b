"""The consumer of `ocs.events`: every partition, from its end, read_committed.

Sessions live in this process's memory and die with it: each instance starts at the end of
every partition, with manual assignment and no consumer group (every instance reads all).
What a client missed while it had no session here it asks for with a replay
(`notifier/replay.py`). After a broker failure the consumer goes on where it stopped.
"""

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from notifier.delivery import Delivery
from notifier.positions import Position
from observability.tracing import Tracing
from service_settings.kafka_connection import KafkaConnection

log = logging.getLogger(__name__)

_RESTART_DELAY_S = 1.0


def events_reader(kafka: KafkaConnection, client_id: str) -> AIOKafkaConsumer:
    """A consumer of committed events only, outside any group, placed by the caller."""
    return AIOKafkaConsumer(
        **kafka.client_kwargs(),
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        auto_offset_reset="latest",
        client_id=client_id,
    )


class EventConsumer:
    def __init__(
        self, kafka: KafkaConnection, topic: str, delivery: Delivery, tracing: Tracing
    ) -> None:
        self._kafka = kafka
        self._topic = topic
        self._delivery = delivery
        self._next_offsets: dict[int, int] = {}
        self._tracing = tracing
        self.ready = asyncio.Event()

    def next_offset(self, partition: int) -> int | None:
        """The offset from which on this consumer has handed no event of `partition` to the
        delivery yet: every later outcome reaches the sessions live."""
        return self._next_offsets.get(partition)

    async def run(self) -> None:
        """Consume until cancelled; after a broker failure, from where it stopped."""
        while True:
            try:
                await self._consume()
            except KafkaError as error:
                self.ready.clear()
                log.warning(
                    "event consumer failed, restarting: %r", error, extra={"topic": self._topic}
                )
                await asyncio.sleep(_RESTART_DELAY_S)

    async def _consume(self) -> None:
        consumer = events_reader(self._kafka, "gws-notifier")
        try:
            await consumer.start()
            partitions = await self._partitions()
            consumer.assign(partitions)
            for partition in partitions:
                if (resume := self._next_offsets.get(partition.partition)) is not None:
                    consumer.seek(partition, resume)
                else:
                    await consumer.seek_to_end(partition)
                    self._next_offsets[partition.partition] = await consumer.position(partition)
            self.ready.set()
            log.info(
                "consuming events", extra={"topic": self._topic, "partitions": len(partitions)}
            )
            while True:
                batches = await consumer.getmany(timeout_ms=1000)
                for partition, records in batches.items():
                    for record in records:
                        origin = f"{partition.topic}/{partition.partition}@{record.offset}"
                        with self._tracing.continuing(
                            "notifier deliver", record.headers, {"ocs.event.origin": origin}
                        ):
                            self._delivery.handle(
                                record.value,
                                timestamp_ms=record.timestamp,
                                position=Position(partition.partition, record.offset),
                                origin=origin,
                            )
                        self._next_offsets[partition.partition] = record.offset + 1
        finally:
            self.ready.clear()
            await consumer.stop()

    async def _partitions(self) -> list[TopicPartition]:
        admin = AIOKafkaAdminClient(**self._kafka.client_kwargs())
        await admin.start()
        try:
            described = await admin.describe_topics([self._topic])
        finally:
            await admin.close()
        numbers = sorted(
            partition["partition"]
            for topic in described
            if topic["topic"] == self._topic and topic["error_code"] == 0
            for partition in topic["partitions"]
        )
        if not numbers:
            raise KafkaError(f"topic {self._topic} has no partitions (does it exist?)")
        return [TopicPartition(self._topic, number) for number in numbers]
