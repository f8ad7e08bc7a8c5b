"""A command whose campaign the agent is not given (`campaign_withheld`, set by the gateway from
the users file) is answered, on the pure core, exactly as the same command in a campaign that
does not exist: error 104, the same outcome field by field, nothing changed."""

import copy

import pytest

from ocs_worker.engine import apply
from ocs_worker.state import PartitionState
from outbound_contracts.commands import (
    AddRecord,
    CancelRecord,
    Command,
    CompleteRecord,
    DoNotCallRecord,
    EndPreviewSession,
    GetChainedRecord,
    GetPreviewRecord,
    RejectRecord,
    RescheduleRecord,
    StartPreviewSession,
    UpdateRecord,
)
from outbound_contracts.events import CommandFailed
from outbound_contracts.vocabulary import CallbackType, PhoneType
from tests.ocs_worker.builders import LIST, NOW_NS, agent, held, record, seeded, step

HELD, READY = 1, 2
IN_AN_HOUR = NOW_NS // 1_000_000_000 + 3600

COMMANDS: dict[str, Command] = {
    "StartPreviewSession": agent(StartPreviewSession),
    "GetPreviewRecord": agent(GetPreviewRecord),
    "EndPreviewSession": agent(EndPreviewSession),
    "RejectRecord": agent(RejectRecord, record_handle=HELD, calling_list=LIST),
    "CancelRecord": agent(CancelRecord, record_handle=HELD, calling_list=LIST),
    "CompleteRecord": agent(CompleteRecord, record_handle=HELD, calling_list=LIST),
    "UpdateRecord": agent(UpdateRecord, record_handle=HELD, phone_number="5550199"),
    "RescheduleRecord": agent(
        RescheduleRecord,
        record_handle=HELD,
        callback_type=CallbackType.PERSONAL,
        timestamp=IN_AN_HOUR,
    ),
    "GetChainedRecord": agent(GetChainedRecord, record_handle=HELD),
    "DoNotCallRecord by handle": agent(DoNotCallRecord, record_handle=HELD, calling_list=LIST),
    "DoNotCallRecord by phone": agent(DoNotCallRecord, phone_number="5550002"),
    "AddRecord": agent(
        AddRecord,
        calling_list=LIST,
        phone_number="5550300",
        time_zone="UTC",
        phone_type=PhoneType.HOME_PHONE,
        daily_from=0,
        daily_till=86399,
    ),
}


def campaign_at_work() -> PartitionState:
    """The campaign with a record agent1 holds, one Ready, and agent1's preview session."""
    state = seeded(held(HELD, chain_id=1, by="agent1"), record(READY, chain_id=2))
    step(state, agent(StartPreviewSession))
    return state


def withheld(command: Command) -> Command:
    return command.model_copy(update={"campaign_withheld": True})


@pytest.mark.parametrize("operation", COMMANDS)
def test_a_withheld_campaign_answers_as_one_that_does_not_exist(operation: str) -> None:
    command = COMMANDS[operation]
    state = campaign_at_work()
    before = copy.deepcopy(state)

    refused = apply(state, withheld(command))
    missing = apply(PartitionState(), command)

    [outcome] = refused.outcomes
    assert isinstance(outcome, CommandFailed)
    assert outcome.error_code == 104
    assert refused.outcomes == missing.outcomes
    assert refused.changes == []
    assert state == before


@pytest.mark.parametrize("operation", COMMANDS)
def test_the_same_command_not_withheld_reaches_the_campaign(operation: str) -> None:
    """What the refusal hides: given the campaign, none of them is a 104."""
    outcomes = apply(campaign_at_work(), COMMANDS[operation]).outcomes
    assert not any(isinstance(o, CommandFailed) and o.error_code == 104 for o in outcomes)


def test_only_a_true_flag_is_written_so_earlier_commands_keep_their_bytes() -> None:
    command = COMMANDS["StartPreviewSession"]
    assert "campaign_withheld" not in command.model_dump_json()
    assert '"campaign_withheld":true' in withheld(command).model_dump_json()
