"""The worker's composition root: a consumer group member that owns some command partitions.

On assignment it starts one transactional producer per partition (fencing any zombie of the
previous owner), restores those partitions from the changelog, then hands each partition's
fetched commands to its lane, which applies them one transaction after another; on revocation
each lane finishes the transaction in flight and lets its partition go.
"""

import asyncio
import logging
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition

from observability.tracing import Tracing
from ocs_worker.batches import BATCH_BYTES
from ocs_worker.http import serving, status_app
from ocs_worker.lane import Lane
from ocs_worker.metrics import WorkerMetrics
from ocs_worker.partition import OwnedPartition, transactional_id
from ocs_worker.restore import restore
from ocs_worker.settings import WorkerSettings
from ocs_worker.txn_retry import shorten_concurrent_transactions_backoff

log = logging.getLogger(__name__)


class OcsWorker(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, settings: WorkerSettings) -> None:
        self._settings = settings
        self._topics = settings.topics
        self._owned: dict[TopicPartition, Lane] = {}
        self._lock = asyncio.Lock()
        self._in_group = False
        self.applied = 0
        self.metrics = WorkerMetrics()
        self._tracing = Tracing.exporting_to(settings.otlp_endpoint, "ocs_worker")

    @property
    def owned_partitions(self) -> list[int]:
        return sorted(tp.partition for tp in self._owned)

    @property
    def ready(self) -> bool:
        """A member of the consumer group: it has been given its (maybe empty) share."""
        return self._in_group

    async def run(self, stop: asyncio.Event) -> None:
        """Serves until `stop` is set, then lets its partitions go cleanly; the status
        listener (`/metrics`, `/healthz`, `/readyz`) lives exactly as long."""
        settings = self._settings
        app = status_app(self.metrics, lambda: self.ready)
        try:
            async with serving(app, settings.http_host, settings.http_port):
                await self._consume(stop)
        finally:
            self._tracing.shutdown()

    async def _consume(self, stop: asyncio.Event) -> None:
        shorten_concurrent_transactions_backoff()
        settings = self._settings
        consumer = AIOKafkaConsumer(
            **settings.kafka.client_kwargs(),
            group_id=settings.group_id,
            isolation_level="read_committed",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=settings.session_timeout_ms,
            heartbeat_interval_ms=settings.heartbeat_interval_ms,
        )
        consumer.subscribe([self._topics.commands], listener=self)
        await consumer.start()
        try:
            while not stop.is_set():
                fetched = await consumer.getmany(
                    timeout_ms=settings.batch_max_ms, max_records=settings.batch_max_commands
                )
                async with self._lock:
                    for tp, messages in fetched.items():
                        lane = self._owned.get(tp)
                        if lane is None:
                            continue  # revoked while the batch was in flight
                        if lane.partition.next_offset is None:
                            lane.partition.next_offset = await consumer.committed(tp) or 0
                        lane.hand_over(messages)
                    self._note_committed_ends(consumer)
                    self._pace(consumer)
                    self._report_lag(consumer)
        finally:
            self._in_group = False
            await consumer.stop()  # revokes: the listener closes the producers
            await self._release(list(self._owned))

    def _note_committed_ends(self, consumer: AIOKafkaConsumer) -> None:
        """Each partition's committed end (its high watermark: replicated, whatever the
        transactions of other producers) as its last fetch saw it: after the records handed
        over above (they are below it), before any beyond it can be fetched."""
        for tp, lane in self._owned.items():
            lane.partition.commit_clock.observe(
                consumer.highwater(tp), consumer.last_poll_timestamp(tp)
            )

    def _pace(self, consumer: AIOKafkaConsumer) -> None:
        """Stops fetching for a partition whose lane holds two transactions' worth, until it
        has caught up: a worker that falls behind must not read the whole topic into memory."""
        paused = consumer.paused()
        for tp, lane in self._owned.items():
            lane.raise_failure()
            behind = lane.backlog >= 2 * self._settings.batch_max_commands
            if behind and tp not in paused:
                consumer.pause(tp)
            elif not behind and tp in paused:
                consumer.resume(tp)

    def _report_lag(self, consumer: AIOKafkaConsumer) -> None:
        for tp, lane in self._owned.items():
            end, done = consumer.last_stable_offset(tp), lane.partition.next_offset
            if end is not None and done is not None:
                self.metrics.consumer_lag.labels(str(tp.partition)).set(end - done)

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        async with self._lock:
            await self._release(revoked)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        async with self._lock:
            fresh = [tp for tp in assigned if tp not in self._owned]
            producers = {tp: self._producer(tp) for tp in fresh}
            for producer in producers.values():
                await producer.start()  # InitProducerId: fences the previous owner
            began = time.perf_counter()
            states = await restore(
                self._settings.kafka,
                self._topics.records_changelog,
                [tp.partition for tp in fresh],
            )
            if fresh:
                self.metrics.restore_seconds.observe(time.perf_counter() - began)
            for tp, producer in producers.items():
                partition = OwnedPartition(
                    source=tp,
                    producer=producer,
                    state=states[tp.partition],
                    topics=self._topics,
                    group_id=self._settings.group_id,
                    metrics=self.metrics,
                    tracing=self._tracing,
                    missed_after_seconds=self._settings.missed_callback_seconds,
                )
                self._owned[tp] = Lane(partition, self._settings.batch_max_commands, self._count)
            self.metrics.owned_partitions.set(len(self._owned))
            self._in_group = True
            log.info("owning partitions %s", self.owned_partitions)

    def _count(self, applied: int) -> None:
        self.applied += applied

    async def _release(self, partitions: list[TopicPartition]) -> None:
        failures = []
        for tp in partitions:
            lane = self._owned.pop(tp, None)
            if lane is not None:
                failures.append(await lane.close())
                self.metrics.forget_partition(tp.partition)
        self.metrics.owned_partitions.set(len(self._owned))
        if partitions:
            log.info(
                "released %s; owning %s",
                sorted(p.partition for p in partitions),
                self.owned_partitions,
            )
        for failure in failures:
            if failure is not None:
                raise failure

    def _producer(self, tp: TopicPartition) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            **self._settings.kafka.client_kwargs(),
            transactional_id=transactional_id(self._settings.group_id, tp),
            # A batch is whole when sent: lingering would only delay the commit.
            linger_ms=0,
            max_batch_size=BATCH_BYTES,
            retry_backoff_ms=self._settings.kafka_retry_backoff_ms,
        )
