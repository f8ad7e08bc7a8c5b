"""The port through which accepted commands leave: Kafka in production, memory in unit tests."""

import asyncio
import logging
from time import monotonic, time_ns
from typing import Protocol

from aiokafka.errors import KafkaError

from gateway.background_producer import BackgroundProducer
from gateway.errors import not_accepted
from observability.tracing import Tracing
from outbound_contracts.codec import encode
from outbound_contracts.commands import AgentCommand
from outbound_contracts.deadline import ANSWER_GRACE_NS, LOG_APPEND_TIME, appended_too_late

log = logging.getLogger(__name__)


_REFUSALS_REMEMBERED_S = 5.0
"""How long a refused publish keeps `/readyz` at 503 when no command is taken since: long
enough for a balancer to see it, short enough that a gateway no traffic reaches any more
looks again (by the metadata) rather than stay unready."""


class CommandPublisher(Protocol):
    async def publish(self, command: AgentCommand) -> None:
        """Return once the command is durably accepted; raise GwsError(503, 4) otherwise."""

    async def ready(self) -> bool:
        """Whether a command published now could be accepted (the broker answers)."""


class KafkaCommandPublisher:
    """Commands through one idempotent, acks=all producer per process, which the app's
    lifespan starts and stops.

    A broker that is away at start-up does not stop the gateway from serving: the producer keeps
    connecting in the background, and until it is connected every command is refused (503/4) at
    once and `/readyz` says not ready.
    """

    def __init__(self, producer: BackgroundProducer, tracing: Tracing) -> None:
        """`producer` writes to the commands topic; its bound is the publish bound."""
        self._kafka = producer
        self._tracing = tracing
        self._timeout = producer.timeout_s
        # The worker takes a command uncommitted after accept_by + the grace for one the
        # gateway answered 503: the gateway gives up then, not later.
        self._deadline_ns = int(producer.timeout_s * 1e9) - ANSWER_GRACE_NS
        self._warned_of_producer_timestamps = False
        self._refused_at: float | None = None
        """When the brokers last failed to take a command, if none was taken since."""

    async def publish(self, command: AgentCommand) -> None:
        if not self._kafka.connected:
            raise not_accepted("the gateway is not connected to the message broker")
        accept_by_ns = time_ns() + self._deadline_ns
        command = command.model_copy(update={"accept_by_ns": accept_by_ns})
        started = monotonic()
        try:
            async with asyncio.timeout(self._timeout):
                written = await self._kafka.send_and_wait(
                    encode(command),
                    key=command.partition_key,
                    headers=self._tracing.headers() or None,
                )
        except TimeoutError as error:
            self._refused_at = monotonic()
            raise not_accepted("the message broker did not confirm it in time") from error
        except KafkaError as error:
            self._refused_at = monotonic()
            raise not_accepted(f"the message broker refused it ({type(error).__name__})") from error
        self._refused_at = None
        if time_ns() > accept_by_ns + ANSWER_GRACE_NS:
            # Our event loop took the acknowledgement late: the worker may have seen the
            # command uncommitted after the answer was due, and will not apply it.
            raise not_accepted("the message broker confirmed it too late; it will not be applied")
        if appended_too_late(command, written.timestamp, written.timestamp_type):
            self._diagnose_late(command, written.timestamp, monotonic() - started)
            raise not_accepted("the message broker took it too late; it will not be applied")
        if written.timestamp_type != LOG_APPEND_TIME and not self._warned_of_producer_timestamps:
            self._warned_of_producer_timestamps = True
            log.warning(
                "%s keeps producer timestamps: a command answered 503 may still be applied once "
                "the broker has it; set message.timestamp.type=LogAppendTime (docs/operations.md)",
                self._kafka.topic,
            )

    def _diagnose_late(self, command: AgentCommand, appended_ms: int, waited_s: float) -> None:
        """An acknowledgement that came back before the deadline by our own clock, yet
        stamped after it by the broker's, means the clocks disagree: every command will be
        refused until they are synchronised."""
        late_ms = appended_ms - (command.accept_by_ns or 0) // 1_000_000
        if waited_s * 1e9 < self._deadline_ns:
            log.error(
                "the broker's clock is ahead of this gateway's by at least %d ms: commands "
                "are refused as late; synchronise the clocks (NTP)",
                late_ms,
                extra={"command_id": command.command_id},
            )

    async def ready(self) -> bool:
        """Not while the brokers fail to take commands (the last publish was refused, within
        the last `_REFUSALS_REMEMBERED_S`, and none taken since: a broker dead but not yet
        fenced still leads its partitions in the metadata); else a fresh metadata round trip,
        within the bound, in which every partition of the commands topic has a leader."""
        if not self._kafka.connected:
            return False
        refused_at = self._refused_at
        if refused_at is not None and monotonic() - refused_at < _REFUSALS_REMEMBERED_S:
            return False
        try:
            async with asyncio.timeout(self._timeout):
                return await self._kafka.every_partition_led()
        except (TimeoutError, KafkaError):
            return False


class InMemoryPublisher:
    """Unit tests' publisher: keeps what it was given, or refuses it as a lost broker would."""

    def __init__(self) -> None:
        self.published: list[AgentCommand] = []
        self.available = True

    async def publish(self, command: AgentCommand) -> None:
        if not self.available:
            raise not_accepted("the message broker is unavailable")
        self.published.append(command)

    async def ready(self) -> bool:
        return self.available
