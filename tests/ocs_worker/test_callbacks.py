"""Callbacks on the pure core: refused times, a personal callback pushed to its agent when due
(ScheduledCall), missed into a campaign callback, each by the timer command the worker writes."""

import uuid

from ocs_worker.engine import CALLBACK_HORIZON_SECONDS, apply
from ocs_worker.state import PartitionState
from outbound_contracts.commands import (
    DeliverDueCallbacks,
    EndPreviewSession,
    GetPreviewRecord,
    RescheduleRecord,
    StartPreviewSession,
)
from outbound_contracts.events import CommandFailed, UserEventRaised
from outbound_contracts.vocabulary import CallResult, RecordStatus, RecordType
from tests.ocs_worker.builders import APP, CAMPAIGN, DEVICES, NOW_NS, agent, held, seeded, step

NOW = NOW_NS // 1_000_000_000
DUE = NOW + 600
S = 1_000_000_000


def timer(at: int, missed_after: int = 600) -> DeliverDueCallbacks:
    return DeliverDueCallbacks(
        command_id=uuid.uuid4().hex,
        application_id=APP,
        campaign_name=CAMPAIGN,
        now_ns=at * S,
        missed_after_seconds=missed_after,
    )


def with_callback(kind: str = "Personal", **window: int) -> PartitionState:
    """agent1 holds record 1 and reschedules it to DUE."""
    state = seeded(held(1, chain_id=1, by="agent1", time_zone="UTC", **window))
    [ack] = step(state, agent(RescheduleRecord, record_handle=1, callback_type=kind, timestamp=DUE))
    assert isinstance(ack, UserEventRaised)
    return state


def test_a_callback_in_the_past_or_more_than_a_year_ahead_is_109_and_changes_nothing() -> None:
    state = seeded(held(1, chain_id=1, by="agent1"))
    for timestamp in (NOW - 1, NOW + CALLBACK_HORIZON_SECONDS + 1):
        command = agent(
            RescheduleRecord, record_handle=1, callback_type="Personal", timestamp=timestamp
        )
        transition = apply(state, command)
        [outcome] = transition.outcomes
        assert isinstance(outcome, CommandFailed)
        assert outcome.error_code == 109
        assert transition.changes == []
    latest = agent(
        RescheduleRecord,
        record_handle=1,
        callback_type="Campaign",
        timestamp=NOW + CALLBACK_HORIZON_SECONDS,
    )
    assert isinstance(step(state, latest)[0], UserEventRaised)


def test_a_due_personal_callback_is_pushed_to_its_agents_session_as_a_scheduled_call() -> None:
    state = with_callback()
    step(state, agent(StartPreviewSession, "agent2"))
    step(state, agent(StartPreviewSession, "agent1"))
    assert apply(state, timer(DUE - 1)).changes == []
    tick = timer(DUE)
    [pushed] = step(state, tick)
    assert isinstance(pushed, UserEventRaised)
    assert (pushed.notification_type, pushed.user_name, pushed.device_id) == (
        "ScheduledCall",
        "agent1",
        DEVICES["agent1"],
    )
    assert pushed.received_at_ns == tick.now_ns
    assert pushed.subject["recordHandle"] == 1
    assert pushed.subject["userData"] == pushed.user_data
    assert pushed.user_data["GSW_USER_EVENT"] == "ScheduledCall"
    assert pushed.user_data["GSW_RECORD_TYPE"] == RecordType.PERSONAL_CALLBACK.code
    taken = state.campaigns[(APP, CAMPAIGN)].records[1]
    assert (taken.record_status, taken.agent_id) == (RecordStatus.RETRIEVED, "agent1")
    # The same blocks as a PreviewRecord of the same record would have.
    again = seeded(taken.model_copy(update={"record_status": RecordStatus.READY}))
    step(again, agent(StartPreviewSession))
    [preview] = step(again, agent(GetPreviewRecord, received_at_ns=DUE * S))
    assert isinstance(preview, UserEventRaised)
    differing = {"GSW_USER_EVENT", "GSW_CALL_ATTEMPT_GUID"}
    assert {k: v for k, v in preview.user_data.items() if k not in differing} == {
        k: v for k, v in pushed.user_data.items() if k not in differing
    }
    assert {k: v for k, v in preview.subject.items() if k != "userData"} == {
        k: v for k, v in pushed.subject.items() if k != "userData"
    }


def test_a_timer_applied_twice_pushes_once() -> None:
    state = with_callback()
    step(state, agent(StartPreviewSession))
    assert len(step(state, timer(DUE))) == 1
    again = apply(state, timer(DUE + 1))
    assert (again.outcomes, again.changes) == ([], [])


def test_a_due_callback_outside_its_window_waits_for_the_window() -> None:
    # 1_700_000_000 is 22:13:20 UTC; DUE is 22:23:20. The window opens at 22:30.
    state = with_callback(daily_from=22 * 3600 + 1800, daily_till=23 * 3600)
    step(state, agent(StartPreviewSession))
    assert apply(state, timer(DUE)).changes == []
    opens = NOW - (22 * 3600 + 13 * 60 + 20) + 22 * 3600 + 1800
    assert apply(state, timer(opens - 1)).changes == []
    assert len(step(state, timer(opens))) == 1


def test_a_campaign_callback_is_not_pushed() -> None:
    state = with_callback("Campaign")
    step(state, agent(StartPreviewSession))
    assert apply(state, timer(DUE + 3600)).changes == []


def test_a_callback_whose_agent_has_no_session_is_missed_and_becomes_a_campaign_callback() -> None:
    state = with_callback()
    step(state, agent(StartPreviewSession, "agent2"))  # another agent's session does not count
    step(state, agent(StartPreviewSession, "agent1"))
    step(state, agent(EndPreviewSession, "agent1"))
    assert apply(state, timer(DUE)).changes == []
    assert apply(state, timer(DUE + 599)).changes == []
    assert step(state, timer(DUE + 600)) == []  # nobody to tell
    missed = state.campaigns[(APP, CAMPAIGN)].records[1]
    assert (missed.record_status, missed.record_type, missed.call_result, missed.agent_id) == (
        RecordStatus.MISSED_CALLBACK,
        RecordType.CAMPAIGN_CALLBACK,
        CallResult.AgentCallBackError,
        None,
    )
    # The customer still gets the promised call: any agent of the campaign.
    [preview] = step(state, agent(GetPreviewRecord, "agent2", received_at_ns=(DUE + 601) * S))
    assert isinstance(preview, UserEventRaised)
    assert preview.user_data["GSW_RECORD_HANDLE"] == 1
    assert preview.user_data["GSW_CALL_RESULT"] == 47
