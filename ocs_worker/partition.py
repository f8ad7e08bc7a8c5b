"""One owned partition of `ocs.commands`: its state and its transactional producer.

A batch of commands becomes one Kafka transaction holding their outcome events, their
changelog entries (same partition number as the commands) and the consumer offset after them.
"""

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from aiokafka import AIOKafkaProducer, TopicPartition
from opentelemetry.trace import Span

from observability.tracing import Tracing
from ocs_worker.batches import TransactionRecords
from ocs_worker.commit_clock import CommitClock
from ocs_worker.engine import apply
from ocs_worker.metrics import WorkerMetrics
from ocs_worker.state import CampaignKey, PartitionState
from outbound_contracts.changelog import Change, RecordStored, encode_change
from outbound_contracts.codec import ContractViolation, decode_command, encode
from outbound_contracts.commands import (
    AddRecord,
    AgentCommand,
    Command,
    DeliverDueCallbacks,
    UpdateRecord,
)
from outbound_contracts.deadline import appended_too_late, committed_too_late
from outbound_contracts.events import AgentOutcome, RecordsImported
from outbound_contracts.time_zones import is_time_zone
from outbound_contracts.topics import TopicNames, campaign_key, user_key
from outbound_contracts.vocabulary import RecordStatus

log = logging.getLogger(__name__)


class Record(Protocol):
    """What the worker reads of an aiokafka ConsumerRecord."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    timestamp_type: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


def transactional_id(group_id: str, partition: TopicPartition) -> str:
    return f"{group_id}-{partition.topic}-{partition.partition}"


@dataclass
class OwnedPartition:
    source: TopicPartition
    producer: AIOKafkaProducer
    state: PartitionState
    topics: TopicNames
    group_id: str
    metrics: WorkerMetrics
    tracing: Tracing
    missed_after_seconds: int
    next_offset: int | None = None
    """Offsets below this are already committed: a stale fetch must not apply them again."""
    commit_clock: CommitClock = field(default_factory=CommitClock)
    """Fed by the consumer's fetches; tells a command committed after its 503."""
    _timers_written: set[CampaignKey] = field(default_factory=set)
    """Campaigns with a DeliverDueCallbacks written and not yet applied."""

    async def process(self, messages: list[Record]) -> int:
        """Applies the batch in one transaction; returns how many commands it applied."""
        if self.next_offset is not None:
            messages = [m for m in messages if m.offset >= self.next_offset]
        if not messages:
            return 0
        began = time.perf_counter()
        await self.producer.begin_transaction()
        try:
            records = TransactionRecords(self.producer)
            for message in messages:
                await self._handle(message, records)
            await records.delivered()
            await self.producer.send_offsets_to_transaction(
                {self.source: messages[-1].offset + 1}, self.group_id
            )
            await self.producer.commit_transaction()
        except BaseException:
            # The state already holds this batch's changes: only a restore can undo them,
            # so the worker stops and its partitions are restored by whoever owns them next.
            log.exception("transaction on %s failed; the worker must restart", self.source)
            self.metrics.transactions.labels("failed").inc()
            raise
        self.metrics.transactions.labels("committed").inc()
        self.metrics.transaction_seconds.observe(time.perf_counter() - began)
        self.next_offset = messages[-1].offset + 1
        self.commit_clock.forget_before(self.next_offset)
        return len(messages)

    async def _handle(self, message: Record, records: TransactionRecords) -> None:
        """One command, in the span that continues its trace (when tracing is on)."""
        where = {
            "messaging.kafka.partition": message.partition,
            "messaging.kafka.offset": message.offset,
        }
        with self.tracing.continuing("ocs_worker apply", message.headers, where) as span:
            await self._apply(message, span, records)

    async def _apply(self, message: Record, span: Span | None, records: TransactionRecords) -> None:
        reason = "undecodable"
        try:
            command = decode_command(message.value)
            _check_storable(command)
            reason = "wrong_key"
            _check_key(command, message.key)
            reason = "expired"
            _check_deadline(command, message, self.commit_clock.uncommitted_at(message.offset))
        except ContractViolation as violation:
            log.warning("dead-lettering %s@%d: %s", self.source, message.offset, violation)
            await self._dead_letter(message, str(violation), reason, records)
            return
        started = time.perf_counter_ns()
        try:
            transition = apply(self.state, command)
        except Exception as failure:
            # `apply` is pure, so the state is untouched; restarting would only meet the same
            # command again, forever.
            log.exception("dead-lettering %s@%d: the engine failed", self.source, message.offset)
            detail = f"engine failed: {type(failure).__name__}: {failure}"
            await self._dead_letter(message, detail, "engine_failed", records)
            return
        elapsed = time.perf_counter_ns() - started
        self.metrics.count_applied(command.type)
        if isinstance(command, DeliverDueCallbacks):
            self._timers_written.discard((command.application_id, command.campaign_name))
            self._count_callbacks(transition.changes)
        if span is not None:
            span.set_attribute("ocs.command.type", command.type)
        trace = self.tracing.headers()
        self.state.with_changes(transition.changes)
        events = self.topics.events
        for outcome in transition.outcomes:
            if isinstance(outcome, RecordsImported):
                key = campaign_key(outcome.application_id, outcome.campaign_name)
                await records.keyed(events, key, encode(outcome), trace)
                continue
            timed: AgentOutcome = outcome.model_copy(update={"processing_ns": elapsed})
            await records.keyed(events, user_key(timed.user_name), encode(timed), trace)
        for change in transition.changes:
            key, value = encode_change(change)
            await records.append(self.topics.records_changelog, self.source.partition, key, value)

    async def write_due_timers(self, now_ns: int) -> int:
        """Writes a DeliverDueCallbacks for each campaign where applying one now would change
        something (to this partition, in a transaction of its own), unless one written earlier
        is still on its way; returns how many it wrote. A timer is applied like any command,
        so a callback comes due through the log: once, and the same on a replay."""
        timers = [
            timer
            for key in self.state.campaigns
            if key not in self._timers_written
            and apply(self.state, timer := self._timer(key, now_ns)).changes
        ]
        if not timers:
            return 0
        await self.producer.begin_transaction()
        try:
            records = TransactionRecords(self.producer)
            for timer in timers:
                key = timer.partition_key
                await records.append(
                    self.topics.commands, self.source.partition, key, encode(timer)
                )
            await records.delivered()
            await self.producer.commit_transaction()
        except BaseException:
            log.exception("writing timers on %s failed; the worker must restart", self.source)
            raise
        self._timers_written.update((t.application_id, t.campaign_name) for t in timers)
        return len(timers)

    def _timer(self, campaign: CampaignKey, now_ns: int) -> DeliverDueCallbacks:
        return DeliverDueCallbacks(
            command_id=uuid.uuid4().hex,
            application_id=campaign[0],
            campaign_name=campaign[1],
            now_ns=now_ns,
            missed_after_seconds=self.missed_after_seconds,
        )

    def _count_callbacks(self, changes: list[Change]) -> None:
        for change in changes:
            if isinstance(change, RecordStored):
                missed = change.record.record_status is RecordStatus.MISSED_CALLBACK
                self.metrics.callbacks.labels("missed" if missed else "pushed").inc()

    async def _dead_letter(
        self, message: Record, detail: str, reason: str, records: TransactionRecords
    ) -> None:
        """`detail` is the header a person reads; `reason` the metric's bounded label."""
        self.metrics.dead_letters.labels(reason).inc()
        headers = [
            ("reason", detail.encode()),
            ("source-topic", message.topic.encode()),
            ("source-partition", str(message.partition).encode()),
            ("source-offset", str(message.offset).encode()),
        ]
        await records.unbatched(self.topics.dead_letter, message.key, message.value, headers)


def _check_storable(command: Command) -> None:
    """A calling-list record holds no empty phone and no unknown time zone. The gateway refuses
    both, but the commands' schema allows them (a tighter bound would break its released
    version), so a command from another producer that would store one is refused as invalid
    here: an empty value makes a changelog entry no restore could read, an unknown zone a
    record whose calling window nobody knows."""
    if not isinstance(command, UpdateRecord | AddRecord):
        return
    if command.phone_number == "" or command.time_zone == "":
        raise ContractViolation(
            f"invalid command: {command.type} with an empty phone_number or time_zone, "
            "which a calling-list record cannot hold"
        )
    if command.time_zone is not None and not is_time_zone(command.time_zone):
        raise ContractViolation(
            f"invalid command: {command.type} with the unknown time zone {command.time_zone!r}"
        )


def _check_key(command: Command, key: bytes | None) -> None:
    """A command keyed to another campaign would be applied by a worker that does not own it."""
    if key != command.partition_key:
        raise ContractViolation(
            f"message key {key!r} is not the command's campaign key {command.partition_key!r}"
        )


def _check_deadline(command: Command, message: Record, uncommitted_at_ms: int | None) -> None:
    """A command the broker appended after its deadline, or that was still uncommitted when
    the gateway's answer was due, was answered 503: never applied."""
    if not isinstance(command, AgentCommand):
        return
    deadline_ms = (command.accept_by_ns or 0) // 1_000_000
    if appended_too_late(command, message.timestamp, message.timestamp_type):
        raise ContractViolation(
            f"expired: appended {message.timestamp - deadline_ms} ms after its deadline; "
            "the gateway answered 503"
        )
    if committed_too_late(command, uncommitted_at_ms):
        raise ContractViolation(
            f"expired: still uncommitted {(uncommitted_at_ms or 0) - deadline_ms} ms after its "
            "deadline; the gateway answered 503"
        )
