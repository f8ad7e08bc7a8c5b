"""Preview sessions and the order in which GetPreviewRecord hands records out."""

from typing import Any

from ocs_worker.state import PartitionState
from outbound_contracts.commands import (
    EndPreviewSession,
    GetPreviewRecord,
    RejectRecord,
    RescheduleRecord,
    StartPreviewSession,
)
from outbound_contracts.events import CommandFailed, UserEventRaised
from outbound_contracts.vocabulary import RecordStatus
from tests.ocs_worker.builders import (
    APP,
    CAMPAIGN,
    DEVICES,
    LIST,
    NOW_NS,
    agent,
    events,
    held,
    record,
    seeded,
    step,
)


def started(state: PartitionState, *users: str) -> PartitionState:
    for user in users:
        step(state, agent(StartPreviewSession, user))
    return state


def next_handle(state: PartitionState, user: str, **fields: Any) -> int | None:
    [outcome] = step(state, agent(GetPreviewRecord, user, **fields))
    if isinstance(outcome, CommandFailed):
        assert outcome.error_code == 107
        return None
    assert isinstance(outcome, UserEventRaised)
    handle = outcome.subject["recordHandle"]
    assert isinstance(handle, int)
    return handle


def test_start_and_end_answer_with_the_campaign_block() -> None:
    state = seeded()
    [started_event] = step(state, agent(StartPreviewSession))
    assert isinstance(started_event, UserEventRaised)
    assert started_event.message_type == "OutboundCampaignMessage"
    assert started_event.notification_type == "PreviewSessionStarted"
    assert started_event.subject == {
        "name": CAMPAIGN,
        "dialingMode": "Preview",
        "state": "Started",
        "devicePath": f"/devices/{DEVICES['agent1']}",
        "applicationId": APP,
        "description": "",
    }
    assert started_event.user_data == {
        "GSW_APPLICATION_ID": APP,
        "GSW_CAMPAIGN_NAME": CAMPAIGN,
        "GSW_USER_EVENT": "PreviewDialingModeStartAcknowledge",
    }
    [ended] = events(state, agent(EndPreviewSession))
    assert ended.notification_type == "PreviewSessionEnded"
    assert ended.subject["state"] == "Stopped"
    [again] = step(state, agent(EndPreviewSession))
    assert isinstance(again, CommandFailed)
    assert (again.error_code, again.message_type) == (106, "OutboundCampaignMessage")


def test_a_preview_session_on_an_unknown_campaign_is_error_104() -> None:
    [outcome] = step(seeded(), agent(StartPreviewSession, campaign_name="Nope"))
    assert isinstance(outcome, CommandFailed)
    assert outcome.error_code == 104


def test_get_preview_record_needs_a_session() -> None:
    [outcome] = step(seeded(record(1, chain_id=1)), agent(GetPreviewRecord))
    assert isinstance(outcome, CommandFailed)
    assert (outcome.error_code, outcome.error_message) == (106, "Preview session not started")


def test_records_go_out_by_chain_then_chain_number_and_run_out_with_107() -> None:
    state = started(
        seeded(
            record(5, chain_id=3, chain_n=1),
            record(6, chain_id=3, chain_n=0),
            record(7, chain_id=1),
            held(8, chain_id=2, by="agent2"),
            record(9, chain_id=2, chain_n=1),
        ),
        "agent1",
    )
    assert [next_handle(state, "agent1") for _ in range(3)] == [7, 6, None]
    [failure] = step(state, agent(GetPreviewRecord))
    assert isinstance(failure, CommandFailed)
    assert failure.error_message == "No Records Available"


def test_the_preview_record_carries_the_ocs_user_data_and_the_custom_fields() -> None:
    state = started(seeded(record(7, chain_id=4, custom_fields={"tier": "gold", "n": 3})), "agent1")
    [outcome] = step(state, agent(GetPreviewRecord))
    assert isinstance(outcome, UserEventRaised)
    assert outcome.notification_type == "PreviewRecord"
    assert outcome.user_data == {
        "GSW_AGENT_ID": "agent1",
        "GSW_CALL_RESULT": 28,
        "GSW_CALL_ATTEMPT_GUID": f"{outcome.command_id}:7",
        "GSW_TZ_NAME": "America/New_York",
        "GSW_TZ_OFFSET": -5 * 3600,  # NOW_NS is in November
        "GSW_CALLING_LIST": LIST,
        "GSW_ATTEMPTS": 0,
        "GSW_USER_EVENT": "PreviewRecord",
        "GSW_PHONE": "5550007",
        "GSW_RECORD_HANDLE": 7,
        "GSW_CHAIN_ID": 4,
        "InteractionType": "Outbound",
        "InteractionSubtype": "OutboundNew",
        "GSW_RECORD_TYPE": 2,
        "tier": "gold",
        "n": 3,
    }
    assert outcome.subject["userData"] == outcome.user_data
    assert outcome.subject["callingList"] == LIST
    held_record = state.campaigns[(APP, CAMPAIGN)].records[7]
    assert (held_record.record_status, held_record.agent_id) == (RecordStatus.RETRIEVED, "agent1")


def test_a_rejected_record_is_not_handed_straight_back_to_the_agent_who_rejected_it() -> None:
    state = started(seeded(record(1, chain_id=1), record(2, chain_id=2)), "agent1", "agent2")
    assert next_handle(state, "agent1") == 1
    step(state, agent(RejectRecord, record_handle=1, calling_list=LIST))
    assert next_handle(state, "agent1") == 2
    assert next_handle(state, "agent1") is None
    assert next_handle(state, "agent2") == 1


def test_a_personal_callback_goes_only_to_its_agent_and_only_when_due() -> None:
    due = NOW_NS // 1_000_000_000 + 600
    state = started(seeded(record(1, chain_id=1)), "agent1", "agent2")
    assert next_handle(state, "agent1") == 1
    step(state, agent(RescheduleRecord, record_handle=1, callback_type="Personal", timestamp=due))
    later = due * 1_000_000_000
    assert next_handle(state, "agent1") is None  # not yet due
    assert next_handle(state, "agent2", received_at_ns=later) is None  # someone else's callback
    assert next_handle(state, "agent1", received_at_ns=later) == 1


def test_a_campaign_callback_goes_to_any_agent_when_due() -> None:
    due = NOW_NS // 1_000_000_000 + 600
    state = started(seeded(record(1, chain_id=1)), "agent1", "agent2")
    assert next_handle(state, "agent1") == 1
    step(state, agent(RescheduleRecord, record_handle=1, callback_type="Campaign", timestamp=due))
    assert next_handle(state, "agent2") is None
    assert next_handle(state, "agent2", received_at_ns=due * 1_000_000_000) == 1


def test_an_agents_due_personal_callback_comes_before_the_ready_queue() -> None:
    state = started(seeded(record(1, chain_id=1), record(5, chain_id=5)), "agent1", "agent2")
    assert next_handle(state, "agent1") == 1
    assert next_handle(state, "agent2") == 5
    step(
        state,
        agent(
            RescheduleRecord,
            "agent2",
            record_handle=5,
            callback_type="Personal",
            timestamp=NOW_NS // 1_000_000_000,
        ),
    )
    step(state, agent(RejectRecord, record_handle=1, calling_list=LIST))
    assert next_handle(state, "agent2") == 5  # its callback, though chain 1 is Ready and lower
    assert next_handle(state, "agent2") == 1
