"""Commands and records for the worker's tests, with the demo's campaign as the default."""

import uuid
from typing import Any, TypeVar

from ocs_worker.engine import apply
from ocs_worker.outcomes import Outcome
from ocs_worker.state import PartitionState
from outbound_contracts.commands import AgentCommand, Command, DefineCampaign, ImportRecords
from outbound_contracts.events import RecordsImported, UserEventRaised
from outbound_contracts.records import CallingListRecord
from outbound_contracts.vocabulary import RecordStatus

APP = 134
CAMPAIGN = "Campaign1"
LIST = "CallingList1"
DEVICES = {
    "agent1": "2b00393c-9ad3-418f-8b3d-a06cbe8af395",
    "agent2": "57fc644b-c3b8-4ce8-ad82-d7e15c5f0b33",
    "agent3": "d3c0a1f2-0000-4000-8000-000000000003",
}
NOW_NS = 1_700_000_000 * 1_000_000_000

C = TypeVar("C", bound=AgentCommand)


def record(
    handle: int, chain_id: int, chain_n: int = 0, *, phone: str | None = None, **fields: Any
) -> CallingListRecord:
    return CallingListRecord(
        record_handle=handle,
        calling_list=fields.pop("calling_list", LIST),
        chain_id=chain_id,
        chain_n=chain_n,
        phone=phone or f"555{handle:04d}",
        time_zone=fields.pop("time_zone", "America/New_York"),
        **fields,
    )


def held(
    handle: int, chain_id: int, chain_n: int = 0, *, by: str, **fields: Any
) -> CallingListRecord:
    return record(
        handle, chain_id, chain_n, record_status=RecordStatus.RETRIEVED, agent_id=by, **fields
    )


def define(lists: tuple[str, ...] = (LIST,), campaign: str = CAMPAIGN) -> DefineCampaign:
    return DefineCampaign(
        command_id=uuid.uuid4().hex,
        application_id=APP,
        campaign_name=campaign,
        calling_lists=list(lists),
    )


def import_records(*records: CallingListRecord, first_line: int = 2) -> ImportRecords:
    return ImportRecords(
        command_id=uuid.uuid4().hex,
        application_id=APP,
        campaign_name=CAMPAIGN,
        first_line=first_line,
        records=list(records),
    )


def agent(kind: type[C], user: str = "agent1", **fields: Any) -> C:
    defaults: dict[str, Any] = {
        "command_id": uuid.uuid4().hex,
        "application_id": APP,
        "campaign_name": CAMPAIGN,
        "user_name": user,
        "device_id": DEVICES[user],
        "reference_id": "ref-1",
        "received_at_ns": NOW_NS,
    }
    return kind.model_validate({**defaults, **fields})


def step(state: PartitionState, command: Command) -> list[Outcome | RecordsImported]:
    """Apply a command as the worker does: decide, then store the changes."""
    transition = apply(state, command)
    state.with_changes(transition.changes)
    return transition.outcomes


def events(state: PartitionState, command: Command) -> list[UserEventRaised]:
    """Apply a command that must succeed; its user events."""
    outcomes = step(state, command)
    assert all(isinstance(outcome, UserEventRaised) for outcome in outcomes), outcomes
    return [outcome for outcome in outcomes if isinstance(outcome, UserEventRaised)]


def seeded(*records: CallingListRecord) -> PartitionState:
    state = PartitionState()
    step(state, define((LIST, *{r.calling_list for r in records} - {LIST})))
    if records:
        [imported] = step(state, import_records(*records))
        assert isinstance(imported, RecordsImported)
        assert imported.rejected == []
    return state
