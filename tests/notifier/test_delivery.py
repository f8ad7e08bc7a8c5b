"""Delivery from the real `ocs.events` topic: failures rendered as errors, events that are not
for an agent skipped and counted, and a client that stops reading dropped at its queue limit."""

import asyncio
import time

import httpx
import pytest

from outbound_contracts.events import CommandFailed, RecordsImported
from tests.eventually import eventually
from tests.notifier.conftest import EventWriter, StartNotifier
from tests.notifier.raw import CHANNELS, RawBayeux, poll, sample, subscribed_session
from tests.notifier.vectors import outcome_for

pytestmark = pytest.mark.kafka


async def test_a_failed_command_reaches_the_agent_as_an_error(
    start_notifier: StartNotifier, events: EventWriter
) -> None:
    running = await start_notifier()
    async with httpx.AsyncClient(timeout=20) as http:
        raw = RawBayeux(running, http)
        client_id = await subscribed_session(raw, "agent2")
        ok = outcome_for("cancel-record", received_at_ns=time.time_ns())
        failed = CommandFailed(
            **ok.model_dump(exclude={"type", "notification_type"}),
            error_code=102,
            error_message="Record is not held by this agent",
        )
        await events.outcomes(failed)
        outbound, internal = await poll(raw, client_id, 2)
    assert outbound["data"] == {
        "messageType": "OutboundRecordMessage",
        "notificationType": "Error",
        "errorCode": 102,
        "errorMessage": "Record is not held by this agent",
        "referenceId": "123456789",
        "record": ok.subject,
    }
    assert internal["channel"] == "/me/internal"
    assert internal["data"]["userData"] == ok.user_data


async def test_events_that_are_not_an_agent_outcome_are_skipped_and_counted(
    start_notifier: StartNotifier, events: EventWriter
) -> None:
    running = await start_notifier()
    notifier = running.notifier
    async with httpx.AsyncClient(timeout=20) as http:
        raw = RawBayeux(running, http)
        client_id = await subscribed_session(raw)
        await events.raw(b"\x00 not an event")
        await events.outcomes(
            RecordsImported(
                command_id="load-1", application_id=134, campaign_name="Campaign1", imported=3
            )
        )
        await events.outcomes(outcome_for("reject-record", received_at_ns=time.time_ns()))
        received = await poll(raw, client_id, 2)
    assert [m["channel"] for m in received] == list(CHANNELS)
    await eventually(lambda: sample(notifier, "notifier_events_undecodable_total") >= 1)
    assert sample(notifier, "notifier_events_consumed_total", type="RecordsImported") == 1
    assert sample(notifier, "notifier_events_consumed_total", type="UserEventRaised") == 1


async def test_a_stalled_client_is_dropped_at_its_queue_limit_and_others_keep_receiving(
    start_notifier: StartNotifier, events: EventWriter
) -> None:
    running = await start_notifier(session_queue_limit=4)
    notifier = running.notifier
    async with (
        httpx.AsyncClient(timeout=20) as stalled_http,
        httpx.AsyncClient(timeout=20) as reader_http,
    ):
        stalled = RawBayeux(running, stalled_http)
        reader = RawBayeux(running, reader_http)
        stalled_id = await subscribed_session(stalled)
        reader_id = await subscribed_session(reader)
        reading = asyncio.create_task(poll(reader, reader_id, 6))

        for _ in range(3):  # six messages for a session that holds at most four
            await events.outcomes(outcome_for("reject-record", received_at_ns=time.time_ns()))

        assert len(await reading) == 6
        await eventually(lambda: notifier.registry.get(stalled_id) is None, what="dropped")
        [told] = await stalled.connect(stalled_id)
    assert told["error"] == "402::Unknown client"
    assert told["advice"]["reconnect"] == "handshake"
    assert sample(notifier, "notifier_messages_dropped_total", reason="queue_overflow") == 6
    assert sample(notifier, "notifier_sessions_ended_total", reason="queue_overflow") == 1
