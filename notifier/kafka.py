"""The consumer of `ocs.events`: every partition, from its end, read_committed.

Sessions live in this process's memory and die with it, and CometD clients re-handshake after
a restart, so nothing before start-up can have a reader: each instance starts at the end of
every partition, with manual assignment and no consumer group (every instance reads all).
"""

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from notifier.delivery import Delivery
from outbound_contracts.tracing import Tracing

log = logging.getLogger(__name__)

_RESTART_DELAY_S = 1.0


class EventConsumer:
    def __init__(
        self, bootstrap_servers: str, topic: str, delivery: Delivery, tracing: Tracing
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._topic = topic
        self._delivery = delivery
        self._tracing = tracing
        self.ready = asyncio.Event()

    async def run(self) -> None:
        """Consume until cancelled; a broker failure restarts from the partitions' ends."""
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
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="latest",
            client_id="gws-notifier",
        )
        try:
            await consumer.start()
            partitions = await self._partitions()
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            for partition in partitions:
                await consumer.position(partition)
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
                                record.value, timestamp_ms=record.timestamp, origin=origin
                            )
        finally:
            self.ready.clear()
            await consumer.stop()

    async def _partitions(self) -> list[TopicPartition]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap_servers)
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
