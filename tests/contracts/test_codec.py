import json

import pytest

from outbound_contracts.codec import ContractViolation, decode_command, decode_event, encode
from outbound_contracts.commands import CancelRecord, DefineCampaign, RejectRecord
from outbound_contracts.events import CommandFailed, UserEventRaised
from outbound_contracts.topics import TopicNames, campaign_key, user_key
from outbound_contracts.vocabulary import CallResult, ChainAttribute


def reject(**overrides: object) -> RejectRecord:
    fields: dict[str, object] = {
        "command_id": "c-1",
        "application_id": 134,
        "campaign_name": "Campaign1",
        "user_name": "agent1",
        "device_id": "2b00393c-9ad3-418f-8b3d-a06cbe8af395",
        "reference_id": "123456789",
        "received_at_ns": 1_433_915_386_875_000_000,
        "record_handle": 9,
        "calling_list": "CallingList1",
    }
    fields.update(overrides)
    return RejectRecord.model_validate(fields)


def test_a_command_survives_the_round_trip_with_its_type() -> None:
    command = reject()
    decoded = decode_command(encode(command))
    assert decoded == command
    assert isinstance(decoded, RejectRecord)


def test_the_type_field_selects_the_command_class() -> None:
    raw = json.loads(encode(reject()))
    raw.update(type="CancelRecord", chain_attribute="AllChain", phone_number="3001")
    decoded = decode_command(json.dumps(raw).encode())
    assert isinstance(decoded, CancelRecord)
    assert decoded.chain_attribute is ChainAttribute.ALL_CHAIN


def test_cancel_keeps_apart_a_chain_attribute_not_given() -> None:
    raw = json.loads(encode(reject()))
    raw["type"] = "CancelRecord"
    decoded = decode_command(json.dumps(raw).encode())
    assert isinstance(decoded, CancelRecord)
    assert decoded.chain_attribute is None


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "invalid command"),
        (b'{"type": "LaunchRocket"}', "type"),
        (None, "empty command"),
    ],
)
def test_malformed_commands_are_refused_with_a_reason(raw: bytes | None, reason: str) -> None:
    with pytest.raises(ContractViolation, match=reason):
        decode_command(raw)


def test_a_missing_field_is_named() -> None:
    raw = json.loads(encode(reject()))
    del raw["record_handle"]
    with pytest.raises(ContractViolation, match="record_handle"):
        decode_command(json.dumps(raw).encode())


def test_an_unknown_schema_version_is_refused() -> None:
    raw = json.loads(encode(reject()))
    raw["schema_version"] = 2
    with pytest.raises(ContractViolation, match="schema_version"):
        decode_command(json.dumps(raw).encode())


def test_a_negative_handle_is_refused() -> None:
    with pytest.raises(ValueError, match="record_handle"):
        reject(record_handle=-1)


def test_events_round_trip_both_outcome_kinds() -> None:
    common: dict[str, object] = {
        "command_id": "c-1",
        "user_name": "agent1",
        "device_id": "dev",
        "received_at_ns": 1,
        "processing_ns": 2,
        "message_type": "OutboundRecordMessage",
        "subject": {"recordHandle": 9, "campaignName": "Campaign1"},
        "user_data": {"GSW_RECORD_HANDLE": 9, "GSW_USER_EVENT": "RecordRejectAcknowledge"},
    }
    acknowledged = UserEventRaised.model_validate(
        {**common, "notification_type": "RecordRejectAcknowledge"}
    )
    failed = CommandFailed.model_validate(
        {**common, "error_code": 101, "error_message": "Record not found"}
    )
    assert decode_event(encode(acknowledged)) == acknowledged
    assert decode_event(encode(failed)) == failed


def test_loader_commands_carry_campaign_definitions() -> None:
    command = DefineCampaign(
        command_id="c-2", application_id=134, campaign_name="Campaign1", calling_lists=["L1"]
    )
    assert decode_command(encode(command)) == command


def test_partition_keys_follow_the_contract() -> None:
    assert reject().partition_key == campaign_key(134, "Campaign1") == b"134:Campaign1"
    assert user_key("agent1") == b"agent1"


def test_topic_prefix_isolates_every_topic() -> None:
    names = TopicNames.with_prefix("x-")
    assert names.commands == "x-ocs.commands"
    assert names.records_changelog == "x-ocs.records-changelog"
    assert TopicNames().dead_letter == "ocs.dead-letter"


def test_call_results_are_named_as_gws_spells_them() -> None:
    assert CallResult["Answer"] == 33
    assert CallResult["AnsweringMachineDetected"] == 9
    assert CallResult(52).name == "CancelRecord"
