"""Replay: a `/meta/subscribe` with `ext.replay` gets the agent's outcomes after that position.

Each replay reads the position's partition of `ocs.events` with a consumer of its own, from
the position on, up to where the live consumer stood when the replay began; live outcomes for
the session wait meanwhile (`Replaying`) and are queued after it, each outcome once (the
session's cursor drops what the replay already gave). No state is shared between notifiers:
the agent's outcomes are in Kafka, on the partition its key chose, in order. Consumers are
a bounded pool: at most `max_running` replays at once, `max_per_user` of one user; past
either a replay is refused (503, the client may try again later).
"""

import asyncio
import logging
from collections import Counter

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from notifier.delivery import Delivery
from notifier.kafka import EventConsumer, events_reader
from notifier.metrics import NotifierMetrics
from notifier.positions import InvalidPosition, Position
from notifier.sessions import Replaying, Session, SessionRegistry
from outbound_contracts.codec import ContractViolation, decode_event
from outbound_contracts.events import RecordsImported
from service_settings.kafka_connection import KafkaConnection

log = logging.getLogger(__name__)

_LIVE_CONSUMER_WAIT_S = 10.0
_FETCH_TIMEOUT_MS = 500


class Replayer:
    def __init__(
        self,
        kafka: KafkaConnection,
        topic: str,
        *,
        registry: SessionRegistry,
        live: EventConsumer,
        delivery: Delivery,
        metrics: NotifierMetrics,
        queue_limit: int,
        max_running: int,
        max_per_user: int,
    ) -> None:
        self._kafka = kafka
        self._topic = topic
        self._registry = registry
        self._live = live
        self._delivery = delivery
        self._metrics = metrics
        self._queue_limit = queue_limit
        self._max_running = max_running
        self._max_per_user = max_per_user
        self._places: Counter[str] = Counter()
        """Replays running or starting, by user."""
        self._running: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> int:
        """Replays running or starting now."""
        return self._places.total()

    async def start(self, session: Session, position: Position, requested: str) -> None:
        """Check that the stream still holds everything after `position`, then replay it to
        the session in the background. Raises `InvalidPosition` (nothing started) if not, or
        if the pool has no place for it."""
        user_name = session.user_name
        if self.running >= self._max_running:
            refusal = f"{self._max_running} replays running, the most at once"
        elif self._places[user_name] >= self._max_per_user:
            refusal = f"{self._max_per_user} replays of this user running, the most at once"
        else:
            refusal = None
        if refusal is not None:
            self._metrics.replays.labels("refused").inc()
            raise InvalidPosition(f"503::Replay unavailable: {refusal}")
        self._places[user_name] += 1
        started = False
        try:
            started = await self._start(session, position, requested)
        finally:
            if not started:
                self._leave(user_name)

    def _leave(self, user_name: str) -> None:
        self._places[user_name] -= 1
        if self._places[user_name] <= 0:
            del self._places[user_name]

    async def _start(self, session: Session, position: Position, requested: str) -> bool:
        """True once the replay runs (its task gives its place back)."""
        try:
            async with asyncio.timeout(_LIVE_CONSUMER_WAIT_S):
                await self._live.ready.wait()
        except TimeoutError as error:
            self._metrics.replays.labels("failed").inc()
            raise InvalidPosition("503::Replay unavailable: not consuming events yet") from error
        if self._live.next_offset(position.partition) is None:
            self._metrics.replays.labels("refused").inc()
            raise InvalidPosition(f"400::No partition {position.partition} in the stream")
        try:
            consumer = await self._open(position)
        except KafkaError as error:
            self._metrics.replays.labels("failed").inc()
            raise InvalidPosition(f"503::Replay unavailable: {error!r}") from error
        except InvalidPosition:
            self._metrics.replays.labels("refused").inc()
            raise
        until = self._live.next_offset(position.partition)
        if session.ended is not None or until is None or session.replay_requested is not None:
            await consumer.stop()
            return False
        replaying = self._registry.start_replay(session, requested, position.offset)
        self._metrics.replays.labels("started").inc()
        task = asyncio.create_task(self._replay(session, replaying, consumer, position, until))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return True

    async def stop(self) -> None:
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)

    async def _open(self, position: Position) -> AIOKafkaConsumer:
        """A consumer positioned just after `position`, once the stream is known to hold
        everything after it."""
        consumer = events_reader(self._kafka, "gws-notifier-replay")
        await consumer.start()
        try:
            await self._seek_after(consumer, position)
        except BaseException:
            await consumer.stop()
            raise
        return consumer

    async def _seek_after(self, consumer: AIOKafkaConsumer, position: Position) -> None:
        partition = TopicPartition(self._topic, position.partition)
        consumer.assign([partition])
        start = (await consumer.beginning_offsets([partition]))[partition]
        end = (await consumer.end_offsets([partition]))[partition]
        if position.offset + 1 < start:
            raise InvalidPosition(
                "400::Replay position older than retention: the stream now starts after it"
            )
        if position.offset >= end:
            raise InvalidPosition("400::Replay position past the end of the stream")
        consumer.seek(partition, position.offset + 1)

    async def _replay(
        self,
        session: Session,
        replaying: Replaying,
        consumer: AIOKafkaConsumer,
        position: Position,
        until: int,
    ) -> None:
        partition = TopicPartition(self._topic, position.partition)
        try:
            while session.ended is None and await consumer.position(partition) < until:
                fetched = await consumer.getmany(partition, timeout_ms=_FETCH_TIMEOUT_MS)
                for record in fetched.get(partition, []):
                    if record.offset >= until:
                        break  # the live consumer delivers it (held back meanwhile)
                    await self._replay_record(
                        session, replaying, record.value, partition, record.offset
                    )
            self._registry.finish_replay(session)
            self._metrics.replays.labels("done").inc()
        except KafkaError as error:
            log.warning(
                "replay failed, session ended",
                extra={"session": session.log_name, "error": repr(error)},
            )
            self._metrics.replays.labels("failed").inc()
            self._registry.end(session, "replay_failed")
        finally:
            await consumer.stop()
            self._leave(session.user_name)

    async def _replay_record(
        self,
        session: Session,
        replaying: Replaying,
        raw: bytes | None,
        partition: TopicPartition,
        offset: int,
    ) -> None:
        try:
            event = decode_event(raw)
        except ContractViolation:
            return  # the live consumer counted and logged it
        if isinstance(event, RecordsImported) or event.user_name != session.user_name:
            return
        messages = self._delivery.render(event, Position(partition.partition, offset))
        # Paced by the client's reading: the replay never pushes a session past its limit.
        while (
            session.ended is None
            and self._registry.backlog(session) + len(messages) > self._queue_limit
        ):
            replaying.room.clear()
            await replaying.room.wait()
        if session.ended is None:
            self._registry.deliver_replayed(session, messages, offset)
