"""DefineCampaign and ImportRecords on the core, and restoring state from its changes."""

from ocs_worker.engine import apply
from ocs_worker.state import PartitionState
from outbound_contracts.changelog import decode_change, encode_change
from outbound_contracts.commands import CancelRecord, Command, GetPreviewRecord, StartPreviewSession
from outbound_contracts.events import ImportRejection, RecordsImported
from tests.ocs_worker.builders import (
    APP,
    CAMPAIGN,
    LIST,
    agent,
    define,
    held,
    import_records,
    record,
    seeded,
    step,
)


def test_define_campaign_adds_calling_lists_and_never_removes_one() -> None:
    state = PartitionState()
    step(state, define(("A", "B")))
    step(state, define(("C", "A")))
    assert state.campaigns[(APP, CAMPAIGN)].calling_lists == ("A", "B", "C")
    assert apply(state, define(("B",))).changes == []


def test_import_reports_each_refused_row_by_line_and_applies_the_rest() -> None:
    state = seeded(record(1, chain_id=1))
    command = import_records(
        record(2, chain_id=2),
        record(1, chain_id=9),  # exists already
        record(3, chain_id=3, calling_list="Other"),
        record(2, chain_id=4),  # repeated in this batch
        record(5, chain_id=5, time_zone="Mars/Olympus"),  # another producer's: no such zone
        first_line=10,
    )
    [result] = step(state, command)
    assert result == RecordsImported(
        command_id=command.command_id,
        application_id=APP,
        campaign_name=CAMPAIGN,
        imported=1,
        rejected=[
            ImportRejection(line=11, reason="record handle 1 already exists"),
            ImportRejection(line=12, reason="calling list 'Other' is not in the campaign"),
            ImportRejection(line=13, reason="record handle 2 already exists"),
            ImportRejection(line=14, reason="unknown time zone 'Mars/Olympus'"),
        ],
    )
    records = state.campaigns[(APP, CAMPAIGN)].records
    assert sorted(records) == [1, 2]
    assert records[1].chain_id == 1  # never clobbered


def test_import_before_the_campaign_is_defined_refuses_every_row() -> None:
    [result] = step(PartitionState(), import_records(record(1, chain_id=1)))
    assert isinstance(result, RecordsImported)
    assert (result.imported, [r.reason for r in result.rejected]) == (
        0,
        ["campaign is not defined"],
    )


def test_replaying_the_changelog_entries_restores_the_same_state() -> None:
    state = PartitionState()
    log: list[tuple[bytes, bytes]] = []
    commands: list[Command] = [
        define(),
        import_records(held(11, chain_id=2, by="agent2"), record(12, chain_id=2, chain_n=1)),
        import_records(record(1, chain_id=1), first_line=4),
        agent(StartPreviewSession),
        agent(GetPreviewRecord),
        agent(
            CancelRecord, "agent2", record_handle=11, calling_list=LIST, chain_attribute="AllChain"
        ),
    ]
    for command in commands:
        transition = apply(state, command)
        state.with_changes(transition.changes)
        log += [encode_change(change) for change in transition.changes]
    compacted: dict[bytes, bytes] = {}
    for key, value in log:  # what compaction keeps: each key's latest entry, in offset order
        compacted.pop(key, None)
        compacted[key] = value
    restored = PartitionState()
    restored.with_changes([decode_change(value) for value in compacted.values()])
    assert restored == state
    assert restored.campaigns[(APP, CAMPAIGN)].sessions == {
        "agent1": "2b00393c-9ad3-418f-8b3d-a06cbe8af395"
    }
