"""`ocs.session-revocations` on Kafka: the gateway writes a revocation (acks=all) before it
answers a sign-out; every gateway and notifier reads the topic from the beginning into its deny
list, and keeps reading. Entries whose tokens have expired are skipped and dropped."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from outbound_contracts.codec import ContractViolation, decode_revocation, encode
from outbound_contracts.revocations import SessionRevoked
from outbound_contracts.session import RevokedSessions

log = logging.getLogger(__name__)

_RETRY_DELAY_S = 1.0


class RevocationReader:
    """Feeds the deny list; `caught_up` is set once everything written before the reader
    started is in it (readiness waits for that), and `on_revoked` hears of each new entry."""

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        revoked: RevokedSessions,
        *,
        on_revoked: Callable[[SessionRevoked], None] = lambda _: None,
        drop_expired_every_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
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
            bootstrap_servers=self._bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id="gws-revocations",
        )
        try:
            await consumer.start()
            partitions = await _partitions(self._bootstrap_servers, self._topic)
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


async def _partitions(bootstrap_servers: str, topic: str) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
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


class RevocationWriteFailed(Exception):
    """The broker did not acknowledge the revocation in time: the session was not ended."""


class RevocationWriter:
    """An idempotent acks=all producer of revocations, owned by the gateway's lifespan. A
    broker away at start does not stop the gateway: it keeps connecting in the background, and
    sign-outs fail (503) until it is connected."""

    def __init__(self, bootstrap_servers: str, topic: str, timeout_s: float) -> None:
        self._topic = topic
        self._timeout_s = timeout_s
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            acks="all",
            enable_idempotence=True,
            request_timeout_ms=max(1000, int(timeout_s * 1000)),
            client_id="gws-gateway-revocations",
        )
        self._connecting: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    async def start(self) -> None:
        self._connecting = asyncio.create_task(self._connect())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._timeout_s):
                await asyncio.shield(self._connecting)

    async def _connect(self) -> None:
        while not self._connected.is_set():
            try:
                await self._producer.start()
                self._connected.set()
            except (KafkaError, OSError) as error:
                log.warning("revocation producer cannot reach the broker, retrying: %r", error)
                await asyncio.sleep(_RETRY_DELAY_S)

    async def stop(self) -> None:
        if self._connecting is not None and self._connecting.cancel():
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._timeout_s):
                await self._producer.stop()

    async def write(self, revocation: SessionRevoked) -> None:
        """Return once the broker has it (acks=all); RevocationWriteFailed otherwise."""
        if not self._connected.is_set():
            raise RevocationWriteFailed("not connected to the message broker")
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._producer.send_and_wait(
                    self._topic, encode(revocation), key=revocation.key
                )
        except (TimeoutError, KafkaError) as error:
            raise RevocationWriteFailed(
                f"the message broker did not confirm it: {error!r}"
            ) from error
