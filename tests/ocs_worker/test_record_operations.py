"""The record transitions of spec §4 and their errors, one by one, on the pure core."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ocs_worker.engine import apply
from ocs_worker.state import PartitionState
from outbound_contracts.commands import (
    AddRecord,
    CancelRecord,
    CompleteRecord,
    DoNotCallRecord,
    GetChainedRecord,
    RejectRecord,
    RescheduleRecord,
    UpdateRecord,
)
from outbound_contracts.events import CommandFailed, UserEventRaised
from outbound_contracts.vocabulary import CallResult, PhoneType, RecordStatus, RecordType
from tests.gateway.conftest import held_record_command
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

VECTORS = Path(__file__).parents[1] / "vectors"


def vector(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text())
    return loaded


def only(outcomes: list[Any]) -> Any:
    [outcome] = outcomes
    return outcome


def error_of(outcomes: list[Any]) -> int:
    outcome = only(outcomes)
    assert isinstance(outcome, CommandFailed)
    return outcome.error_code


@pytest.mark.parametrize(
    ("name", "user"), [("reject-record", "agent1"), ("cancel-record", "agent2")]
)
def test_the_vectors_request_yields_exactly_the_vectors_user_event(name: str, user: str) -> None:
    exchange = vector(name)
    state = seeded(
        held(9, chain_id=1, by="agent1"),
        held(11, chain_id=2, by="agent2", phone="3001"),
        record(12, chain_id=2, chain_n=1, phone="3002"),
    )
    handle = exchange["request"]["path"].rsplit("/", 1)[1]
    body = exchange["request"]["body"]
    command = held_record_command(handle, body, user_name=user, received_at_ns=NOW_NS)
    outbound, internal = (message["data"] for message in exchange["cometd"])
    assert isinstance(command, RejectRecord | CancelRecord)

    outcome = only(step(state, command))

    assert isinstance(outcome, UserEventRaised)
    assert outcome.notification_type == outbound["notificationType"]
    assert outcome.message_type == outbound["messageType"]
    assert outcome.reference_id == outbound["referenceId"]
    assert outcome.subject == outbound["record"]
    assert outcome.device_id == internal["deviceId"]
    assert outcome.user_data == internal["userData"]
    assert [type(v) for v in outcome.user_data.values()] == [
        type(internal["userData"][k]) for k in outcome.user_data
    ]
    assert outcome.received_at_ns == NOW_NS
    assert outcome.user_name == user


def test_reject_releases_the_record_as_ready_for_another_agent() -> None:
    state = seeded(held(9, chain_id=1, by="agent1"))
    step(state, agent(RejectRecord, record_handle=9, calling_list=LIST))
    released = state.campaigns[(APP, CAMPAIGN)].records[9]
    assert released.record_status is RecordStatus.READY
    assert released.agent_id is None
    assert state.campaigns[(APP, CAMPAIGN)].ready_chains == [1]


def test_cancel_record_only_cancels_just_that_record_with_call_result_52() -> None:
    state = seeded(held(11, chain_id=2, by="agent2"), record(12, chain_id=2, chain_n=1))
    outcome = only(step(state, agent(CancelRecord, "agent2", record_handle=11, calling_list=LIST)))
    assert "GSW_CHAIN_ATTR" not in outcome.user_data  # the request named none
    records = state.campaigns[(APP, CAMPAIGN)].records
    assert records[11].record_status is RecordStatus.CANCELLED
    assert records[11].call_result is CallResult.CancelRecord
    assert records[11].agent_id is None
    assert records[12].record_status is RecordStatus.READY


def test_cancel_all_chain_cancels_every_record_of_the_chain() -> None:
    state = seeded(
        held(11, chain_id=2, by="agent2"),
        record(12, chain_id=2, chain_n=1),
        record(13, chain_id=2, chain_n=2),
        record(14, chain_id=3),
    )
    step(
        state,
        agent(
            CancelRecord, "agent2", record_handle=11, calling_list=LIST, chain_attribute="AllChain"
        ),
    )
    records = state.campaigns[(APP, CAMPAIGN)].records
    assert [records[h].record_status for h in (11, 12, 13, 14)] == [
        RecordStatus.CANCELLED,
        RecordStatus.CANCELLED,
        RecordStatus.CANCELLED,
        RecordStatus.READY,
    ]
    assert state.campaigns[(APP, CAMPAIGN)].ready_chains == [3]


def test_cancel_with_another_phone_number_is_error_108_and_changes_nothing() -> None:
    state = seeded(held(11, chain_id=2, by="agent2", phone="3001"))
    before = copy.deepcopy(state)
    command = agent(
        CancelRecord, "agent2", record_handle=11, calling_list=LIST, phone_number="3999"
    )
    transition = apply(state, command)
    assert transition.changes == []
    assert error_of(transition.outcomes) == 108
    assert state == before


def test_an_error_event_carries_the_request_keys_the_error_and_the_same_record_block() -> None:
    state = seeded(held(11, chain_id=2, by="agent2", phone="3001"))
    command = agent(
        CancelRecord,
        "agent2",
        record_handle=11,
        calling_list=LIST,
        phone_number="3999",
        chain_attribute="AllChain",
    )
    outcome = only(step(state, command))
    assert isinstance(outcome, CommandFailed)
    assert outcome.error_message == "Phone number does not match the record"
    assert outcome.message_type == "OutboundRecordMessage"
    assert outcome.reference_id == "ref-1"
    assert outcome.subject == {
        "devicePath": f"/devices/{DEVICES['agent2']}",
        "callingList": LIST,
        "applicationId": APP,
        "recordHandle": 11,
        "campaignName": CAMPAIGN,
    }
    assert outcome.user_data == {
        "GSW_APPLICATION_ID": APP,
        "GSW_CAMPAIGN_NAME": CAMPAIGN,
        "GSW_RECORD_HANDLE": 11,
        "GSW_CALLING_LIST": LIST,
        "GSW_PHONE": "3999",
        "GSW_CHAIN_ATTR": "AllChain",
        "GSW_USER_EVENT": "Error",
        "GSW_ERROR": "Phone number does not match the record",
        "GSW_ERROR_NUMBER": 108,
    }


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"campaign_name": "NoSuchCampaign"}, 104),
        ({"calling_list": "NoSuchList"}, 105),
        ({"record_handle": 404}, 101),
        ({"record_handle": 20}, 101),  # exists, but in the other calling list
        ({"record_handle": 30}, 103),  # cancelled: final
        ({"record_handle": 31}, 103),  # do not call: final
        ({"record_handle": 10}, 102),  # Ready, held by nobody
        ({"record_handle": 11}, 102),  # held by agent2
    ],
)
def test_record_operations_refuse_in_the_documented_order(
    fields: dict[str, Any], code: int
) -> None:
    state = seeded(
        held(9, chain_id=1, by="agent1"),
        record(10, chain_id=4),
        held(11, chain_id=2, by="agent2"),
        record(20, chain_id=5, calling_list="CallingList2"),
        record(30, chain_id=6, record_status=RecordStatus.CANCELLED),
        record(31, chain_id=7, record_type=RecordType.NO_CALL),
    )
    command = agent(RejectRecord, **{"record_handle": 9, "calling_list": LIST, **fields})
    transition = apply(state, command)
    assert error_of(transition.outcomes) == code
    assert transition.changes == []


def test_complete_makes_the_record_final_with_its_call_result() -> None:
    state = seeded(held(9, chain_id=1, by="agent1", attempts=2))
    outcome = only(
        step(
            state,
            agent(
                CompleteRecord, record_handle=9, calling_list=LIST, call_result=CallResult.Answer
            ),
        )
    )
    assert outcome.notification_type == "RecordProcessedAcknowledge"
    assert outcome.user_data["GSW_CALL_RESULT"] == 33
    done = state.campaigns[(APP, CAMPAIGN)].records[9]
    assert (done.record_status, done.call_result, done.attempts) == (
        RecordStatus.UPDATED,
        CallResult.Answer,
        3,
    )
    again = agent(CompleteRecord, record_handle=9, calling_list=LIST)
    assert error_of(step(state, again)) == 103


def test_complete_with_call_result_ok_keeps_ok() -> None:
    state = seeded(held(9, chain_id=1, by="agent1"))
    step(state, agent(CompleteRecord, record_handle=9, calling_list=LIST, call_result=0))
    assert state.campaigns[(APP, CAMPAIGN)].records[9].call_result is CallResult.Ok


def test_update_changes_the_fields_given_and_the_agent_keeps_the_record() -> None:
    state = seeded(held(9, chain_id=1, by="agent1"))
    command = agent(
        UpdateRecord,
        record_handle=9,
        phone_number="5550199",
        phone_type="Mobile",
        daily_from=3600,
        daily_till=7200,
        time_zone="Europe/Paris",
    )
    outcome = only(step(state, command))
    assert outcome.notification_type == "UpdateCallCompletionStatsAcknowledge"
    assert outcome.subject["callingList"] == LIST  # the record's, as the request named none
    assert outcome.user_data["GSW_PHONE_TYPE"] == 4  # Mobile's contact_info_type
    updated = state.campaigns[(APP, CAMPAIGN)].records[9]
    assert (updated.phone, updated.phone_type, updated.daily_from, updated.daily_till) == (
        "5550199",
        PhoneType.MOBILE,
        3600,
        7200,
    )
    assert (updated.record_status, updated.agent_id) == (RecordStatus.RETRIEVED, "agent1")


@pytest.mark.parametrize(
    ("callback", "record_type", "holder"),
    [
        ("Personal", RecordType.PERSONAL_CALLBACK, "agent1"),
        ("Campaign", RecordType.CAMPAIGN_CALLBACK, None),
    ],
)
def test_reschedule_returns_the_record_as_a_callback(
    callback: str, record_type: RecordType, holder: str | None
) -> None:
    state = seeded(held(9, chain_id=1, by="agent1"))
    at = NOW_NS // 1_000_000_000 + 42
    outcome = only(
        step(state, agent(RescheduleRecord, record_handle=9, callback_type=callback, timestamp=at))
    )
    assert outcome.notification_type == "ScheduledRecordRescheduleAcknowledge"
    assert outcome.user_data["GSW_CALLBACK_TYPE"] == callback
    assert outcome.user_data["GSW_DATE_TIME"] == at
    callback_record = state.campaigns[(APP, CAMPAIGN)].records[9]
    assert callback_record.record_status is RecordStatus.READY
    assert callback_record.record_type is record_type
    assert callback_record.dial_sched_time == at
    assert callback_record.agent_id == holder


def test_do_not_call_by_handle_blocks_the_record_and_every_ready_record_with_its_phone() -> None:
    state = seeded(
        held(9, chain_id=1, by="agent1", phone="3001"),
        record(10, chain_id=2, phone="3001"),
        record(11, chain_id=3, phone="3002"),
    )
    outcome = only(step(state, agent(DoNotCallRecord, record_handle=9, calling_list=LIST)))
    assert outcome.notification_type == "DoNotCallAcknowledge"
    campaign = state.campaigns[(APP, CAMPAIGN)]
    for handle in (9, 10):
        blocked = campaign.records[handle]
        assert (blocked.record_type, blocked.call_result) == (
            RecordType.NO_CALL,
            CallResult.DoNotCall,
        )
    assert campaign.records[9].record_status is RecordStatus.UPDATED
    assert campaign.records[11].record_type is RecordType.GENERAL
    assert campaign.do_not_call == {"3001"}
    assert campaign.ready_chains == [3]


def test_do_not_call_by_phone_needs_no_record_and_names_the_phone() -> None:
    state = seeded(record(10, chain_id=2, phone="3001"))
    outcome = only(step(state, agent(DoNotCallRecord, phone_number="3001")))
    assert outcome.subject == {
        "devicePath": f"/devices/{DEVICES['agent1']}",
        "applicationId": APP,
        "phoneNumber": "3001",
        "campaignName": CAMPAIGN,
    }
    campaign = state.campaigns[(APP, CAMPAIGN)]
    assert campaign.records[10].record_type is RecordType.NO_CALL
    assert campaign.do_not_call == {"3001"}
    added = agent(
        AddRecord,
        calling_list=LIST,
        phone_number="3001",
        time_zone="UTC",
        phone_type="HomePhone",
        daily_from=0,
        daily_till=86399,
    )
    step(state, added)
    assert campaign.records[11].record_type is RecordType.NO_CALL


def test_get_chained_record_sends_the_chain_in_order_then_the_end_and_hands_it_over() -> None:
    state = seeded(
        held(11, chain_id=2, by="agent2", phone="3001"),
        record(13, chain_id=2, chain_n=2, custom_fields={"tier": "gold"}),
        record(12, chain_id=2, chain_n=1),
    )
    outcomes = events(state, agent(GetChainedRecord, "agent2", record_handle=11))
    assert [(o.notification_type, o.sequence) for o in outcomes] == [
        ("ChainedRecord", 0),
        ("ChainedRecord", 1),
        ("ChainedRecord", 2),
        ("ChainedRecordsDataEnd", 3),
    ]
    assert [o.subject["recordHandle"] for o in outcomes] == [11, 12, 13, 11]
    assert outcomes[2].user_data["tier"] == "gold"
    assert outcomes[2].user_data["GSW_USER_EVENT"] == "ChainedRecord"
    records = state.campaigns[(APP, CAMPAIGN)].records
    assert {records[h].agent_id for h in (11, 12, 13)} == {"agent2"}


NEW_RECORD: dict[str, Any] = {
    "calling_list": LIST,
    "phone_number": "5550100",
    "time_zone": "UTC",
    "phone_type": "Mobile",
    "daily_from": 0,
    "daily_till": 86399,
}


def test_add_record_starts_a_new_chain_or_extends_the_one_named() -> None:
    fields = NEW_RECORD
    state = seeded(record(10, chain_id=7), record(11, chain_id=7, chain_n=1))
    fresh = only(step(state, agent(AddRecord, **fields)))
    extended = only(step(state, agent(AddRecord, **fields, chain_id=7)))
    assert fresh.notification_type == "AddRecordAcknowledge"
    assert (fresh.subject["recordHandle"], extended.subject["recordHandle"]) == (12, 13)
    assert extended.user_data["GSW_CHAIN_ID"] == 7
    records = state.campaigns[(APP, CAMPAIGN)].records
    assert (records[12].chain_id, records[12].chain_n) == (8, 0)
    assert (records[13].chain_id, records[13].chain_n) == (7, 2)
    assert records[12].record_status is RecordStatus.READY
    assert error_of(step(state, agent(AddRecord, **{**fields, "calling_list": "Nope"}))) == 105


def test_add_record_into_a_chain_of_another_calling_list_is_error_109() -> None:
    state = seeded(record(10, chain_id=7), record(20, chain_id=8, calling_list="CallingList2"))
    command = agent(
        AddRecord,
        calling_list="CallingList2",
        phone_number="2",
        time_zone="UTC",
        phone_type="Mobile",
        daily_from=0,
        daily_till=1,
        chain_id=7,
    )
    assert error_of(step(state, command)) == 109


def test_add_record_into_a_finished_or_unknown_chain_is_error_109_and_changes_nothing() -> None:
    done = RecordStatus.UPDATED
    state = seeded(
        record(10, chain_id=7, record_status=done),
        record(11, chain_id=7, chain_n=1, record_status=done),
    )
    for chain_id in (7, 99):
        transition = apply(state, agent(AddRecord, **NEW_RECORD, chain_id=chain_id))
        assert error_of(transition.outcomes) == 109
        assert transition.changes == []


def test_get_chained_record_shows_and_hands_out_only_the_chains_open_records() -> None:
    state = seeded(
        record(10, chain_id=2, record_status=RecordStatus.UPDATED, phone="111"),
        held(11, chain_id=2, chain_n=1, by="agent2"),
        record(12, chain_id=2, chain_n=2, record_status=RecordStatus.CANCELLED),
        record(13, chain_id=2, chain_n=3, record_type=RecordType.NO_CALL),
        record(14, chain_id=2, chain_n=4),
    )
    outcomes = events(state, agent(GetChainedRecord, "agent2", record_handle=11))
    assert [o.subject["recordHandle"] for o in outcomes] == [11, 14, 11]
    assert all(o.user_data.get("GSW_PHONE") != "111" for o in outcomes)
    records = state.campaigns[(APP, CAMPAIGN)].records
    assert records[14].agent_id == "agent2"
    assert records[10].agent_id is None


def test_apply_never_mutates_the_state_it_is_given() -> None:
    state = seeded(held(11, chain_id=2, by="agent2"), record(12, chain_id=2, chain_n=1))
    before = copy.deepcopy(state)
    command = agent(
        CancelRecord, "agent2", record_handle=11, calling_list=LIST, chain_attribute="AllChain"
    )
    transition = apply(state, command)
    assert len(transition.changes) == 2
    assert state == before


def test_no_state_gives_error_104_for_any_record_operation() -> None:
    command = agent(RejectRecord, record_handle=9, calling_list=LIST)
    assert error_of(apply(PartitionState(), command).outcomes) == 104
