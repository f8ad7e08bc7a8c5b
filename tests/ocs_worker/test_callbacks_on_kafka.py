"""Callbacks that come due, on the real broker and the real clock: pushed within 2 s of their
time through a timer command in `ocs.commands`, missed into a campaign callback, and pushed
exactly once when the worker is SIGKILLed around their time."""

import asyncio
import signal
import time

import pytest
from aiokafka import AIOKafkaConsumer

from outbound_contracts.codec import decode_command, decode_event
from outbound_contracts.commands import (
    Command,
    DeliverDueCallbacks,
    RescheduleRecord,
    StartPreviewSession,
)
from outbound_contracts.events import UserEventRaised
from outbound_contracts.topics import TopicNames
from outbound_contracts.vocabulary import CallResult, RecordStatus, RecordType
from tests.ocs_worker.builders import APP, CAMPAIGN, agent, define, held, import_records
from tests.ocs_worker.conftest import (
    read_topic,
    running_worker,
    send_commands,
    worker_process,
    worker_settings,
)
from tests.ocs_worker.stream import restored_state

pytestmark = pytest.mark.kafka


def callbacks_due_at(*due: float, session: bool = True) -> list[Command]:
    """agent1 holds records 1..n (UTC, the whole day) and reschedules each as a personal
    callback at its `due` (Unix s), stamped with the real clock."""
    records = [
        held(h, chain_id=h, by="agent1", time_zone="UTC", daily_till=86400)
        for h in range(1, len(due) + 1)
    ]
    commands: list[Command] = [define(), import_records(*records)]
    if session:
        commands.append(agent(StartPreviewSession, received_at_ns=time.time_ns()))
    commands += [
        agent(
            RescheduleRecord,
            record_handle=h,
            callback_type="Personal",
            timestamp=int(at),
            received_at_ns=time.time_ns(),
        )
        for h, at in enumerate(due, start=1)
    ]
    return commands


async def scheduled_calls(
    bootstrap: str,
    topics: TopicNames,
    expected: int,
    within_seconds: float,
    *,
    isolation: str = "read_committed",
    settle_ms: int = 1000,
) -> list[tuple[int, UserEventRaised]]:
    """The ScheduledCall events with the broker's timestamp (ms) of each, then whatever more
    arrives within `settle_ms`."""
    consumer = AIOKafkaConsumer(
        topics.events,
        bootstrap_servers=bootstrap,
        isolation_level=isolation,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[tuple[int, UserEventRaised]] = []
    try:
        async with asyncio.timeout(within_seconds):
            while len(found) < expected:
                batch = await consumer.getmany(timeout_ms=200)
                for message in (m for ms in batch.values() for m in ms):
                    event = decode_event(message.value)
                    if (
                        isinstance(event, UserEventRaised)
                        and event.notification_type == "ScheduledCall"
                    ):
                        found.append((message.timestamp, event))
        extra = await consumer.getmany(timeout_ms=settle_ms)
        for message in (m for ms in extra.values() for m in ms):
            event = decode_event(message.value)
            if isinstance(event, UserEventRaised) and event.notification_type == "ScheduledCall":
                found.append((message.timestamp, event))
    finally:
        await consumer.stop()
    return found


async def test_a_due_personal_callback_is_pushed_within_2_s_through_a_timer_command(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    async with running_worker(worker_settings(kafka_bootstrap, topics)) as worker:
        # The callback is set once the worker runs (its start-up is not what is measured).
        *seed, reschedule = callbacks_due_at(0)
        await send_commands(kafka_bootstrap, topics, seed)
        await read_topic(kafka_bootstrap, topics.events, 2)  # imported, session started
        due = int(time.time()) + 3
        reschedule = reschedule.model_copy(update={"timestamp": due})
        await send_commands(kafka_bootstrap, topics, [reschedule])
        [(written_ms, pushed)] = await scheduled_calls(kafka_bootstrap, topics, 1, 30)
        pushed_count = worker.metrics.registry.get_sample_value(
            "ocs_worker_callbacks_total", {"outcome": "pushed"}
        )
    assert due * 1000 <= written_ms <= due * 1000 + 2000
    assert pushed.user_name == "agent1"
    assert pushed.user_data["GSW_RECORD_HANDLE"] == 1
    assert pushed_count == 1
    # The time that caused it is in the log: the timer command, applied once.
    commands = [decode_command(v) for v in await read_topic(kafka_bootstrap, topics.commands, 5)]
    [timer] = [c for c in commands if isinstance(c, DeliverDueCallbacks)]
    assert timer.command_id == pushed.command_id
    assert timer.now_ns >= due * 1_000_000_000


async def test_a_callback_whose_agent_has_no_session_is_missed_into_a_campaign_callback(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    due = int(time.time()) + 2
    await send_commands(kafka_bootstrap, topics, callbacks_due_at(due, session=False))
    settings = worker_settings(kafka_bootstrap, topics, missed_callback_seconds=1)
    async with running_worker(settings) as worker:
        # The campaign, the record, its callback, then the missed callback.
        await read_topic(kafka_bootstrap, topics.records_changelog, 4)
        missed = worker.metrics.registry.get_sample_value(
            "ocs_worker_callbacks_total", {"outcome": "missed"}
        )
    assert missed == 1
    record = (await restored_state(kafka_bootstrap, topics)).campaigns[(APP, CAMPAIGN)].records[1]
    assert (record.record_status, record.record_type, record.call_result, record.agent_id) == (
        RecordStatus.MISSED_CALLBACK,
        RecordType.CAMPAIGN_CALLBACK,
        CallResult.AgentCallBackError,
        None,
    )


@pytest.mark.slow
async def test_callbacks_due_around_a_sigkill_are_each_pushed_exactly_once(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    """Eight callbacks due a quarter second apart; the worker is SIGKILLed in the middle of
    them, then restarted: every one is pushed, none twice."""
    first = time.time() + 6
    due = [first + 0.25 * n for n in range(8)]
    await send_commands(kafka_bootstrap, topics, callbacks_due_at(*due))
    settings = worker_settings(kafka_bootstrap, topics)
    with worker_process(settings) as process:
        # Killed as soon as the first push is written (even uncommitted): mid-way.
        await scheduled_calls(
            kafka_bootstrap, topics, 1, 60, isolation="read_uncommitted", settle_ms=0
        )
        process.send_signal(signal.SIGKILL)
        process.wait()
    with worker_process(settings):
        pushed = await scheduled_calls(kafka_bootstrap, topics, 8, 90)
    handles = sorted(event.user_data["GSW_RECORD_HANDLE"] for _, event in pushed)
    assert handles == list(range(1, 9))  # each once: no push lost, none repeated
    campaign = (await restored_state(kafka_bootstrap, topics)).campaigns[(APP, CAMPAIGN)]
    assert {r.record_status for r in campaign.records.values()} == {RecordStatus.RETRIEVED}
