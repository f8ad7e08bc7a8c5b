"""`ocs.session-revocations` on Kafka, read: every gateway and notifier reads the topic from the
beginning into its deny list, and keeps reading. Entries whose tokens have expired are skipped
and dropped. The gateway writes them (`gateway.revocation_writer`)."""

import asyncio
import logging
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from agent_access.session import RevokedSessions
from outbound_contracts.codec import ContractViolation, decode_revocation
from outbound_contracts.revocations import SessionRevoked
from service_settings.kafka_connection import KafkaConnection

log = logging.getLogger(__name__)

_RETRY_DELAY_S = 1.0


class RevocationReader:
    """Feeds the deny list; `caught_up` is set once everything written before the reader
    started is in it (readiness waits for that), and `on_revoked` hears of each new entry."""

    def __init__(
        self,
        kafka: KafkaConnection,
        topic: str,
        revoked: RevokedSessions,
        *,
        on_revoked: Callable[[SessionRevoked], None] = lambda _: None,
        drop_expired_every_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._kafka = kafka
        self._topic = topic
        self._revoked = revoked
        self._on_revoked = on_revoked
        self._drop_expired_every_s = drop_expired_every_s
        self._clock = clock
        self._next_offsets: dict[TopicPartition, int] = {}
        self.caught_up = asyncio.Event()

    async def run(self) -> None:
        """Read until cancelled; after a broker failure, on from where it stopped."""
        while True:
            try:
                await self._read()
            except KafkaError as error:
                log.warning("revocation reader failed, restarting: %r", error)
                await asyncio.sleep(_RETRY_DELAY_S)

    async def _read(self) -> None:
        consumer = AIOKafkaConsumer(
            **self._kafka.client_kwargs(),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id="gws-revocations",
        )
        try:
            await consumer.start()
            partitions = await _partitions(self._kafka, self._topic)
            consumer.assign(partitions)
            for partition in partitions:
                if (resume := self._next_offsets.get(partition)) is not None:
                    consumer.seek(partition, resume)
                else:
                    await consumer.seek_to_beginning(partition)
            target = await consumer.end_offsets(partitions)
            dropped_at = self._clock()
            while True:
                batches = await consumer.getmany(timeout_ms=500)
                for partition, records in batches.items():
                    for record in records:
                        self._take(record.value)
                        self._next_offsets[partition] = record.offset + 1
                if not self.caught_up.is_set() and await _reached(consumer, target):
                    self.caught_up.set()
                    log.info("revocations read", extra={"revoked": len(self._revoked)})
                if self._clock() - dropped_at >= self._drop_expired_every_s:
                    dropped_at = self._clock()
                    self._revoked.drop_expired(dropped_at)
        finally:
            await consumer.stop()

    def _take(self, value: bytes | None) -> None:
        try:
            revocation = decode_revocation(value)
        except ContractViolation as error:
            log.warning("skipping a revocation not of the contract: %s", error)
            return
        if revocation.expires <= self._clock():
            return
        if self._revoked.revoke(revocation.token_id, revocation.expires):
            self._on_revoked(revocation)


async def _partitions(kafka: KafkaConnection, topic: str) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(**kafka.client_kwargs())
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    if described["error_code"] != 0 or not described["partitions"]:
        raise KafkaError(f"topic {topic} has no partitions (does it exist?)")
    return sorted(TopicPartition(topic, p["partition"]) for p in described["partitions"])


async def _reached(consumer: AIOKafkaConsumer, target: dict[TopicPartition, int]) -> bool:
    return all([await consumer.position(partition) >= end for partition, end in target.items()])
