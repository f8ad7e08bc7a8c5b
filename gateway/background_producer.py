"""A service's producer of one topic, owned by its lifespan: idempotent, acks=all, and connected
in the background, so that a broker away at start-up does not stop the service from serving."""

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.structs import RecordMetadata

from service_settings.kafka_connection import KafkaConnection
from service_settings.producers import AIOKAFKA_RETRY_BACKOFF_MS

log = logging.getLogger(__name__)

_RECONNECT_DELAY_S = 1.0


class BackgroundProducer:
    """An idempotent, acks=all producer of one topic. `start` waits up to the bound for the
    broker, then returns in any case and keeps connecting (every 1 s) until it answers; until
    then `connected` is false, and the callers refuse what they would write instead of letting
    it wait for a broker."""

    def __init__(
        self,
        kafka: KafkaConnection,
        topic: str,
        *,
        client_id: str,
        timeout_s: float,
        retry_backoff_ms: int = AIOKAFKA_RETRY_BACKOFF_MS,
    ) -> None:
        self.topic = topic
        self.timeout_s = timeout_s
        """How long to wait for the broker: at start, at stop, and (callers) for a write."""
        # Batches not sent within request_timeout_ms expire in aiokafka's accumulator, so a
        # write refused (503) for want of a broker does not linger long to be sent later.
        self._producer = AIOKafkaProducer(
            **kafka.client_kwargs(),
            acks="all",
            enable_idempotence=True,
            request_timeout_ms=max(1000, int(timeout_s * 1000)),
            client_id=client_id,
            retry_backoff_ms=retry_backoff_ms,
        )
        self._connected = asyncio.Event()
        self._connecting: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def start(self) -> None:
        """Begin connecting; wait up to the bound for it, then return in any case."""
        self._connecting = asyncio.create_task(self._connect())
        try:
            async with asyncio.timeout(self.timeout_s):
                await asyncio.shield(self._connecting)
        except TimeoutError:
            log.warning(
                "broker unreachable at start: serving, and refusing writes until it is",
                extra={"topic": self.topic},
            )

    async def _connect(self) -> None:
        while True:
            try:
                await self._producer.start()
            except (KafkaError, OSError) as error:
                log.warning("broker unreachable, retrying: %r", error, extra={"topic": self.topic})
                await asyncio.sleep(_RECONNECT_DELAY_S)
            else:
                self._connected.set()
                log.info("producer connected", extra={"topic": self.topic})
                return

    async def stop(self) -> None:
        """Flush, but never wait longer than the bound for a broker that is gone: whatever it
        has not confirmed by now was refused (503), so giving up on it loses no accepted write."""
        if self._connecting is not None and self._connecting.cancel():
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        try:
            async with asyncio.timeout(self.timeout_s):
                await self._producer.stop()
        except TimeoutError:
            log.warning(
                "broker unreachable at shutdown: unconfirmed (503-answered) writes dropped",
                extra={"topic": self.topic},
            )

    async def send_and_wait(
        self, value: bytes, *, key: bytes, headers: list[tuple[str, bytes]] | None = None
    ) -> RecordMetadata:
        """Write to the topic and return once the broker has it (acks=all); no bound of its
        own, and KafkaError if the broker refuses it."""
        return await self._producer.send_and_wait(self.topic, value, key=key, headers=headers)

    async def every_partition_led(self) -> bool:
        """A fresh metadata round trip: whether the brokers know the topic and each of its
        partitions has a leader; no bound of its own."""
        cluster = await self._producer.client.fetch_all_metadata()
        partitions = cluster.partitions_for_topic(self.topic)
        led = cluster.available_partitions_for_topic(self.topic)
        return partitions is not None and led is not None and len(led) == len(partitions)
