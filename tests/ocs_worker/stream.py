"""A realistic command stream for crash and rebalance drills, and its expected results.

Three campaigns (so every partition works), three agents each in a preview loop: get a
record, then reject, complete, cancel (some AllChain), reschedule it, or repeat a stale
request (an error). The stream is built by running the pure core, so later commands name
the handles earlier ones handed out, and the same core replays it for the expected outcome.
"""

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from itertools import zip_longest
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from ocs_worker.engine import apply
from ocs_worker.outcomes import Outcome
from ocs_worker.restore import restore
from ocs_worker.state import PartitionState
from outbound_contracts.codec import decode_command, decode_event
from outbound_contracts.commands import (
    AgentCommand,
    CancelRecord,
    Command,
    CompleteRecord,
    DefineCampaign,
    GetPreviewRecord,
    ImportRecords,
    RejectRecord,
    RescheduleRecord,
    StartPreviewSession,
)
from outbound_contracts.deadline import appended_too_late
from outbound_contracts.events import Event, RecordsImported, UserEventRaised
from outbound_contracts.records import CallingListRecord
from outbound_contracts.topics import TopicNames
from outbound_contracts.vocabulary import CallResult, ChainAttribute
from service_settings.kafka_connection import KafkaConnection
from tests.conftest import TEST_PARTITIONS
from tests.ocs_worker.builders import APP, DEVICES, LIST

CAMPAIGNS = ("Campaign1", "Campaign2", "Campaign3")
AGENTS = ("agent1", "agent2", "agent3")

T = TypeVar("T")


@dataclass
class Stream:
    commands: list[Command]
    expected: dict[tuple[str, int], Outcome]
    """Every agent outcome the replay gives, by (command id, sequence), processing time 0."""
    final: PartitionState

    @property
    def agent_commands(self) -> int:
        return sum(isinstance(c, AgentCommand) for c in self.commands)


def build_stream(steps_per_campaign: int) -> Stream:
    """Received now by the real clock, so that no callback of the stream comes due while a
    drill runs (the worker would push it by a timer of its own, which the stream cannot
    foresee: callbacks that come due have drills of their own, test_callbacks_on_kafka.py)."""
    now_ns = time.time_ns()
    per_campaign = [_campaign_commands(name, steps_per_campaign, now_ns) for name in CAMPAIGNS]
    return replay([c for group in zip_longest(*per_campaign) for c in group if c is not None])


def replay(commands: list[Command]) -> Stream:
    """`commands` through the pure core, each partition's in its log order: what the worker
    must give for them."""
    state = PartitionState()
    expected: dict[tuple[str, int], Outcome] = {}
    for command in commands:
        transition = apply(state, command)
        state.with_changes(transition.changes)
        for outcome in transition.outcomes:
            if not isinstance(outcome, RecordsImported):
                expected[(outcome.command_id, outcome.sequence)] = outcome
    return Stream(commands, expected, state)


def _campaign_commands(campaign: str, steps: int, now_ns: int) -> list[Command]:
    records = [
        CallingListRecord(
            record_handle=h,
            calling_list=LIST,
            chain_id=h // 2,
            chain_n=h % 2,
            phone=f"55{h:06d}",
            time_zone="UTC",
        )
        for h in range(steps * 2)
    ]
    seed: list[Command] = [
        DefineCampaign(
            command_id=uuid.uuid4().hex,
            application_id=APP,
            campaign_name=campaign,
            calling_lists=[LIST],
        ),
    ]
    seed += [
        ImportRecords(
            command_id=uuid.uuid4().hex,
            application_id=APP,
            campaign_name=campaign,
            first_line=2 + start,
            records=records[start : start + 1000],
        )
        for start in range(0, len(records), 1000)
    ]
    state = PartitionState()
    for command in seed:
        state.with_changes(apply(state, command).changes)
    commands = list(seed)

    def run(command: Command) -> list[Outcome | RecordsImported]:
        commands.append(command)
        transition = apply(state, command)
        state.with_changes(transition.changes)
        return transition.outcomes

    for user in AGENTS:
        run(_agent(StartPreviewSession, campaign, user, now_ns))
    for n in range(steps):
        user = AGENTS[n % len(AGENTS)]
        [got] = run(_agent(GetPreviewRecord, campaign, user, now_ns))
        if not isinstance(got, UserEventRaised):
            continue
        handle = got.subject["recordHandle"]
        record = {"record_handle": handle, "calling_list": LIST}
        match n % 6:
            case 0:
                run(_agent(RejectRecord, campaign, user, now_ns, **record))
            case 1:
                run(
                    _agent(
                        CompleteRecord,
                        campaign,
                        user,
                        now_ns,
                        **record,
                        call_result=CallResult.Answer,
                    )
                )
            case 2:
                run(
                    _agent(
                        CancelRecord,
                        campaign,
                        user,
                        now_ns,
                        **record,
                        chain_attribute=ChainAttribute.ALL_CHAIN,
                    )
                )
            case 3:
                run(
                    _agent(
                        RescheduleRecord,
                        campaign,
                        user,
                        now_ns,
                        record_handle=handle,
                        callback_type="Personal",
                        timestamp=now_ns // 10**9 + 86400,
                    )
                )
            case 4:
                run(_agent(CompleteRecord, campaign, user, now_ns, **record))
                run(_agent(RejectRecord, campaign, user, now_ns, **record))  # 103: already final
            case _:
                run(_agent(CancelRecord, campaign, user, now_ns, **record, phone_number="0"))  # 108
                run(_agent(RejectRecord, campaign, user, now_ns, **record))
    return commands


def _agent(
    kind: type[AgentCommand], campaign: str, user: str, now_ns: int, **fields: object
) -> Command:
    command: Command = kind.model_validate(  # type: ignore[assignment]
        {
            "command_id": uuid.uuid4().hex,
            "application_id": APP,
            "campaign_name": campaign,
            "user_name": user,
            "device_id": DEVICES[user],
            "received_at_ns": now_ns,
            **fields,
        }
    )
    return command


async def committed_outcomes(bootstrap: str, topics: TopicNames) -> list[Outcome]:
    """Every agent outcome on ocs.events, read_committed, up to the current end."""
    events = await _read_to_end(bootstrap, topics.events, "read_committed", _event)
    return [e for e in events if not isinstance(e, RecordsImported)]


async def logged_commands(bootstrap: str, topics: TopicNames) -> list[Command]:
    """Every command on ocs.commands up to the current end, each partition's in log order,
    but those the broker appended after their deadline: the worker must not apply them."""
    logged = await _read_to_end(bootstrap, topics.commands, "read_committed", _timed_command)
    return [command for command, late in logged if not late]


async def late_commands(bootstrap: str, topics: TopicNames) -> list[Command]:
    """The commands on ocs.commands that the broker appended after their deadline."""
    logged = await _read_to_end(bootstrap, topics.commands, "read_committed", _timed_command)
    return [command for command, late in logged if late]


async def dead_lettered(bootstrap: str, topics: TopicNames) -> list[Command]:
    """The commands the worker dead-lettered (the topic has a single partition)."""
    return await _read_to_end(
        bootstrap,
        topics.dead_letter,
        "read_committed",
        lambda message: decode_command(message.value),
        partition_count=1,
    )


def _timed_command(message: ConsumerRecord) -> tuple[Command, bool]:
    command = decode_command(message.value)
    late = isinstance(command, AgentCommand) and appended_too_late(
        command, message.timestamp, message.timestamp_type
    )
    return command, late


async def count_all_events(bootstrap: str, topics: TopicNames) -> tuple[int, int]:
    """(read_uncommitted, read_committed) event counts: more uncommitted means aborted data."""
    uncommitted = await _read_to_end(bootstrap, topics.events, "read_uncommitted", _event)
    committed = await _read_to_end(bootstrap, topics.events, "read_committed", _event)
    return len(uncommitted), len(committed)


def _event(message: ConsumerRecord) -> Event:
    return decode_event(message.value)


async def _read_to_end(
    bootstrap: str,
    topic: str,
    isolation: str,
    decode: Callable[[ConsumerRecord], T],
    partition_count: int = TEST_PARTITIONS,
) -> list[T]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, isolation_level=isolation, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(partition_count)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[T] = []
        async with asyncio.timeout(60):
            while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
                batch = await consumer.getmany(timeout_ms=200)
                found += [
                    decode(m)
                    for ms in batch.values()
                    for m in ms
                    if m.offset < ends[TopicPartition(m.topic, m.partition)]
                ]
    finally:
        await consumer.stop()
    return found


class TransactionProbe:
    """Sees an open transaction with data: the changelog's high watermark is past its last
    stable offset. Cheap (two ListOffsets requests), so it can be polled while commands flow."""

    def __init__(self, bootstrap: str, topics: TopicNames) -> None:
        self._partitions = [
            TopicPartition(topics.records_changelog, p) for p in range(TEST_PARTITIONS)
        ]
        self._all = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, isolation_level="read_uncommitted"
        )
        self._stable = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, isolation_level="read_committed"
        )

    async def __aenter__(self) -> "TransactionProbe":
        await self._all.start()
        await self._stable.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._all.stop()
        await self._stable.stop()

    async def open(self) -> bool:
        high = await self._all.end_offsets(self._partitions)
        stable = await self._stable.end_offsets(self._partitions)
        return any(high[tp] > stable[tp] for tp in self._partitions)


async def restored_state(bootstrap: str, topics: TopicNames) -> PartitionState:
    """Every partition's state as a new owner would restore it, merged (campaigns are disjoint)."""
    merged = PartitionState()
    for state in (
        await restore(
            KafkaConnection(bootstrap), topics.records_changelog, list(range(TEST_PARTITIONS))
        )
    ).values():
        merged.campaigns.update(state.campaigns)
    return merged


def check_exactly_once(stream: Stream, outcomes: list[Outcome]) -> None:
    seen: dict[tuple[str, int], Outcome] = {}
    for outcome in outcomes:
        key = (outcome.command_id, outcome.sequence)
        assert key not in seen, f"outcome {key} appears twice"
        seen[key] = outcome.model_copy(update={"processing_ns": 0})
    assert set(seen) == set(stream.expected), "outcomes lost or invented"
    assert seen == stream.expected
