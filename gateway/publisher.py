"""The port through which accepted commands leave: Kafka in production, memory in unit tests."""

import asyncio
import logging
from typing import Protocol

from aiokafka import AIOKafkaProducer

from gateway.errors import GwsError
from outbound_contracts.codec import encode
from outbound_contracts.commands import AgentCommand

log = logging.getLogger(__name__)


class CommandPublisher(Protocol):
    async def publish(self, command: AgentCommand) -> None:
        """Return once the command is durably accepted; raise GwsError(503, 4) otherwise."""


class KafkaCommandPublisher:
    """One idempotent, acks=all producer per process, owned by the app's lifespan."""

    def __init__(self, bootstrap_servers: str, topic: str, timeout_seconds: float) -> None:
        self._topic = topic
        self._timeout = timeout_seconds
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            acks="all",
            enable_idempotence=True,
            request_timeout_ms=max(1000, int(timeout_seconds * 1000)),
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        """Flush, but never wait for a broker that is gone: whatever it has not confirmed by
        now was answered 503 (not accepted), so giving up on it loses no accepted command."""
        try:
            async with asyncio.timeout(self._timeout):
                await self._producer.stop()
        except TimeoutError:
            log.warning("broker unreachable at shutdown: unconfirmed (503-answered) writes dropped")

    async def publish(self, command: AgentCommand) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await self._producer.send_and_wait(
                    self._topic, encode(command), key=command.partition_key
                )
        except Exception as error:  # any failure means "not accepted"
            raise GwsError(
                503, 4, "The command was not accepted: the message broker did not confirm it"
            ) from error


class InMemoryPublisher:
    """Unit tests' publisher: keeps what it was given."""

    def __init__(self) -> None:
        self.published: list[AgentCommand] = []

    async def publish(self, command: AgentCommand) -> None:
        self.published.append(command)
