"""The worker on the real broker: vectors, restore after a restart, dead letters."""

import asyncio
import time
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from ocs_worker import partition
from ocs_worker.engine import Transition, apply
from ocs_worker.state import PartitionState
from outbound_contracts.changelog import decode_change
from outbound_contracts.codec import decode_event
from outbound_contracts.commands import (
    AddRecord,
    CancelRecord,
    Command,
    RejectRecord,
    UpdateRecord,
)
from outbound_contracts.events import CommandFailed, RecordsImported, UserEventRaised
from outbound_contracts.topics import TopicNames, campaign_key
from tests.gateway.conftest import held_record_command
from tests.ocs_worker.builders import LIST, NOW_NS, agent, define, held, import_records, record
from tests.ocs_worker.conftest import read_topic, running_worker, send_commands, worker_settings
from tests.ocs_worker.stream import restored_state
from tests.ocs_worker.test_record_operations import vector

pytestmark = pytest.mark.kafka

SEED: list[Command] = [
    define(),
    import_records(
        held(9, chain_id=1, by="agent1"),
        held(11, chain_id=2, by="agent2", phone="3001"),
        record(12, chain_id=2, chain_n=1),
    ),
]


def vector_command(name: str, user: str) -> Command:
    """The command the gateway builds from the vector's request body."""
    exchange = vector(name)
    body = exchange["request"]["body"]
    handle = exchange["request"]["path"].rsplit("/", 1)[1]
    command = held_record_command(handle, body, user_name=user, received_at_ns=NOW_NS)
    assert isinstance(command, RejectRecord | CancelRecord)
    return command


def agent_events(values: list[bytes]) -> list[Any]:
    events = [decode_event(value) for value in values]
    return [e for e in events if not isinstance(e, RecordsImported)]


async def test_each_vectors_command_yields_exactly_the_vectors_user_event(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    commands = [
        *SEED,
        vector_command("reject-record", "agent1"),
        vector_command("cancel-record", "agent2"),
    ]
    await send_commands(kafka_bootstrap, topics, commands)
    async with running_worker(worker_settings(kafka_bootstrap, topics)):
        values = await read_topic(kafka_bootstrap, topics.events, expected=3)
    events = agent_events(values)
    assert len(events) == 2
    for event, name in zip(events, ("reject-record", "cancel-record"), strict=True):
        outbound, internal = (message["data"] for message in vector(name)["cometd"])
        assert isinstance(event, UserEventRaised)
        assert event.notification_type == outbound["notificationType"]
        assert event.message_type == outbound["messageType"]
        assert event.reference_id == outbound["referenceId"]
        assert event.subject == outbound["record"]
        assert event.device_id == internal["deviceId"]
        assert event.user_data == internal["userData"]
        assert event.received_at_ns == NOW_NS
        assert event.processing_ns > 0


async def test_a_new_worker_restores_the_state_and_repeats_nothing(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    settings = worker_settings(kafka_bootstrap, topics)
    await send_commands(kafka_bootstrap, topics, [*SEED, vector_command("reject-record", "agent1")])
    async with running_worker(settings):
        first = await read_topic(kafka_bootstrap, topics.events, expected=2)
    # The same group, a new process's worth of state: handle 9 is Ready now, so a second
    # RejectRecord by agent1 is refused (102) only if the first one was restored.
    again = agent(RejectRecord, record_handle=9, calling_list=LIST)
    await send_commands(kafka_bootstrap, topics, [again])
    async with running_worker(settings):
        values = await read_topic(kafka_bootstrap, topics.events, expected=3)
    assert values[: len(first)] == first
    events = agent_events(values)
    assert [type(e) for e in events] == [UserEventRaised, CommandFailed]
    assert events[1].error_code == 102
    assert events[1].command_id == again.command_id


async def test_undecodable_and_misrouted_commands_go_to_the_dead_letter_topic(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    misrouted = agent(RejectRecord, record_handle=9, calling_list=LIST)
    async with AIOKafkaProducer(bootstrap_servers=kafka_bootstrap) as producer:
        await producer.send_and_wait(topics.commands, b"{not json", b"134:Campaign1")
        await producer.send_and_wait(
            topics.commands, misrouted.model_dump_json().encode(), b"134:Other"
        )
    await send_commands(kafka_bootstrap, topics, SEED)
    async with running_worker(worker_settings(kafka_bootstrap, topics)):
        await read_topic(kafka_bootstrap, topics.events, expected=1)  # processing went on
        dead = await _read_dead_letters(kafka_bootstrap, topics, expected=2)
    # Two keys, so maybe two partitions and two transactions: their order is not defined.
    by_value = dict(dead)
    assert set(by_value) == {b"{not json", misrouted.model_dump_json().encode()}
    assert by_value[b"{not json"]["reason"].startswith("invalid command: ")
    assert by_value[b"{not json"]["source-topic"] == topics.commands
    reason = by_value[misrouted.model_dump_json().encode()]["reason"]
    assert "is not the command's campaign key" in reason


async def test_a_command_that_would_store_an_empty_phone_or_unknown_zone_is_dead_lettered(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    """The gateway never sends one; another producer might, and its changelog entry would
    stop every later restore of the partition (an empty value) or hold a record whose calling
    window nobody knows (an unknown zone: never read as UTC)."""
    empty_phone = agent(UpdateRecord, record_handle=9, calling_list=LIST, phone_number="")
    empty_zone = agent(
        AddRecord,
        calling_list=LIST,
        phone_number="5550100",
        time_zone="",
        phone_type="HomePhone",
        daily_from=0,
        daily_till=86399,
    )
    unknown_zone = agent(UpdateRecord, record_handle=9, calling_list=LIST, time_zone="Mars/Base")
    after = agent(UpdateRecord, record_handle=9, calling_list=LIST, phone_number="5550199")
    commands = [*SEED, empty_phone, empty_zone, unknown_zone, after]
    await send_commands(kafka_bootstrap, topics, commands)
    async with running_worker(worker_settings(kafka_bootstrap, topics)):
        dead = dict(await _read_dead_letters(kafka_bootstrap, topics, expected=3))
        events = await read_topic(kafka_bootstrap, topics.events, expected=2)
    reasons = {value: headers["reason"] for value, headers in dead.items()}
    assert set(reasons) == {
        command.model_dump_json().encode() for command in (empty_phone, empty_zone, unknown_zone)
    }
    assert (
        "with an empty phone_number or time_zone" in reasons[empty_phone.model_dump_json().encode()]
    )
    assert (
        "with an empty phone_number or time_zone" in reasons[empty_zone.model_dump_json().encode()]
    )
    assert "unknown time zone 'Mars/Base'" in reasons[unknown_zone.model_dump_json().encode()]
    [outcome] = agent_events(events)
    assert isinstance(outcome, UserEventRaised)
    assert outcome.command_id == after.command_id
    # The changelog restores whole: every entry readable, the valid update in it.
    [campaign] = (await restored_state(kafka_bootstrap, topics)).campaigns.values()
    assert campaign.records[9].phone == "5550199"
    assert campaign.records[9].time_zone == "America/New_York"
    assert len(campaign.records) == 3


async def test_a_command_the_engine_fails_on_is_dead_lettered_and_processing_goes_on(
    kafka_bootstrap: str, topics: TopicNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    poison = agent(RejectRecord, record_handle=9, calling_list=LIST)

    def engine_fails_on_the_poison(state: PartitionState, command: Command) -> Transition:
        if command.command_id == poison.command_id:
            raise KeyError("a fault in the engine")
        return apply(state, command)

    monkeypatch.setattr(partition, "apply", engine_fails_on_the_poison)
    await send_commands(kafka_bootstrap, topics, [*SEED, poison])
    async with running_worker(worker_settings(kafka_bootstrap, topics)) as worker:
        [(value, headers)] = await _read_dead_letters(kafka_bootstrap, topics, expected=1)
        after = agent(RejectRecord, record_handle=9, calling_list=LIST)
        await send_commands(kafka_bootstrap, topics, [after])
        events = await read_topic(kafka_bootstrap, topics.events, expected=2)
    assert value == poison.model_dump_json().encode()
    assert headers["reason"] == "engine failed: KeyError: 'a fault in the engine'"
    assert worker.applied == len(SEED) + 2
    [outcome] = agent_events(events)
    assert isinstance(outcome, UserEventRaised)
    assert outcome.command_id == after.command_id


async def test_a_command_appended_after_its_deadline_is_dead_lettered_not_applied(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    """The gateway answered 503 for it: applying it later would change what a refusal left."""
    now_ns = time.time_ns()
    expired = agent(RejectRecord, record_handle=9, calling_list=LIST, accept_by_ns=now_ns - 1)
    in_time = agent(
        RejectRecord, record_handle=9, calling_list=LIST, accept_by_ns=now_ns + 60_000_000_000
    )
    await send_commands(kafka_bootstrap, topics, [*SEED, expired, in_time])
    async with running_worker(worker_settings(kafka_bootstrap, topics)):
        [(value, headers)] = await _read_dead_letters(kafka_bootstrap, topics, expected=1)
        events = await read_topic(kafka_bootstrap, topics.events, expected=2)
    assert value == expired.model_dump_json().encode()
    assert headers["reason"].startswith("expired: appended ")
    assert headers["reason"].endswith(" ms after its deadline; the gateway answered 503")
    [outcome] = agent_events(events)
    assert isinstance(outcome, UserEventRaised)  # the reject in time found the record held
    assert outcome.command_id == in_time.command_id


async def test_changelog_entries_share_their_commands_partition(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    await send_commands(kafka_bootstrap, topics, SEED)
    async with running_worker(worker_settings(kafka_bootstrap, topics)):
        await read_topic(kafka_bootstrap, topics.events, expected=1)
    consumer = AIOKafkaConsumer(
        topics.records_changelog,
        bootstrap_servers=kafka_bootstrap,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=3000)
    finally:
        await consumer.stop()
    partitions = {tp.partition for tp, messages in batch.items() if messages}
    entries = [decode_change(m.value) for messages in batch.values() for m in messages]
    command_partition = _partition_of(campaign_key(134, "Campaign1"))
    assert partitions == {command_partition}
    assert len(entries) == 4  # the campaign and three records


def _partition_of(key: bytes) -> int:
    return int(DefaultPartitioner()(key, [0, 1, 2], [0, 1, 2]))


async def _read_dead_letters(
    bootstrap: str, topics: TopicNames, expected: int
) -> list[tuple[bytes, dict[str, str]]]:
    consumer = AIOKafkaConsumer(
        topics.dead_letter,
        bootstrap_servers=bootstrap,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[tuple[bytes, dict[str, str]]] = []
    try:
        async with asyncio.timeout(30):
            while len(found) < expected:
                batch = await consumer.getmany(timeout_ms=200)
                found += [
                    (m.value, {k: v.decode() for k, v in m.headers})
                    for messages in batch.values()
                    for m in messages
                ]
    finally:
        await consumer.stop()
    return found
