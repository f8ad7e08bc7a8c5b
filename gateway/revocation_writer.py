"""`ocs.session-revocations` on Kafka, written: the gateway writes a revocation (acks=all)
before it answers a sign-out (`gateway.sign_out`); `agent_access.revocation_log` reads them."""

import asyncio

from aiokafka.errors import KafkaError

from gateway.background_producer import BackgroundProducer
from outbound_contracts.codec import encode
from outbound_contracts.revocations import SessionRevoked


class RevocationWriteFailed(Exception):
    """The broker did not acknowledge the revocation in time: the session was not ended."""


class RevocationWriter:
    """Revocations through an idempotent acks=all producer of the revocations topic, which the
    gateway's lifespan starts and stops. A broker away at start does not stop the gateway: the
    producer keeps connecting in the background, and sign-outs fail (503) until it is
    connected; a write waits for the broker no longer than the producer's bound."""

    def __init__(self, producer: BackgroundProducer) -> None:
        self._kafka = producer

    async def write(self, revocation: SessionRevoked) -> None:
        """Return once the broker has it (acks=all); RevocationWriteFailed otherwise."""
        if not self._kafka.connected:
            raise RevocationWriteFailed("not connected to the message broker")
        try:
            async with asyncio.timeout(self._kafka.timeout_s):
                await self._kafka.send_and_wait(encode(revocation), key=revocation.key)
        except (TimeoutError, KafkaError) as error:
            raise RevocationWriteFailed(
                f"the message broker did not confirm it: {error!r}"
            ) from error
