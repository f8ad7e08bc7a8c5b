"""What one GetPreviewRecord costs on the pure core when most records are outside their
calling window, against the same campaign with every record inside (issue 24, item 9)."""

import time
import uuid
from typing import TypeVar

from ocs_worker.engine import apply
from ocs_worker.state import PartitionState
from outbound_contracts.changelog import RecordStored
from outbound_contracts.commands import (
    AgentCommand,
    Command,
    CompleteRecord,
    DefineCampaign,
    GetPreviewRecord,
    ImportRecords,
    StartPreviewSession,
)
from outbound_contracts.records import CallingListRecord

C = TypeVar("C", bound=AgentCommand)

APP, CAMPAIGN, LIST, AGENT = 134, "Picking", "CallingList1", "agent1"
NOW_NS = 1_781_524_800 * 10**9  # 2026-06-15 12:00 UTC: 08:00 in New York
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")


def campaign(records: int, out_of_window: float) -> PartitionState:
    """`records` one-record chains in four US zones; the first `out_of_window` share have a
    window closed at NOW (09:00-21:00 local), the rest the whole day."""
    closed = int(records * out_of_window)
    rows = [
        CallingListRecord(
            record_handle=h,
            calling_list=LIST,
            chain_id=h,
            chain_n=0,
            phone=f"555{h:07d}",
            time_zone=ZONES[h % len(ZONES)],
            daily_from=9 * 3600 if h < closed else 0,
            daily_till=21 * 3600 if h < closed else 86400,
        )
        for h in range(records)
    ]
    state = PartitionState()
    commands: list[Command] = [
        DefineCampaign(
            command_id="define", application_id=APP, campaign_name=CAMPAIGN, calling_lists=[LIST]
        ),
        *(
            ImportRecords(
                command_id=f"import-{start}",
                application_id=APP,
                campaign_name=CAMPAIGN,
                first_line=2 + start,
                records=rows[start : start + 10_000],
            )
            for start in range(0, records, 10_000)
        ),
        _agent(StartPreviewSession),
    ]
    for command in commands:
        state.with_changes(apply(state, command).changes)
    return state


def microseconds_per_pick(state: PartitionState, picks: int) -> float:
    """GetPreviewRecord then CompleteRecord, `picks` times (far fewer than the records in
    window, so every pick meets about the same queue). Only the GetPreviewRecord is timed."""
    spent = 0
    for _ in range(picks):
        began = time.perf_counter_ns()
        transition = apply(state, _agent(GetPreviewRecord))
        spent += time.perf_counter_ns() - began
        state.with_changes(transition.changes)
        [change] = transition.changes
        assert isinstance(change, RecordStored)
        handle = change.record.record_handle
        done = _agent(CompleteRecord, record_handle=handle, calling_list=LIST)
        state.with_changes(apply(state, done).changes)
    return spent / picks / 1000


def _agent(kind: type[C], **fields: object) -> C:
    return kind.model_validate(
        {
            "command_id": uuid.uuid4().hex,
            "application_id": APP,
            "campaign_name": CAMPAIGN,
            "user_name": AGENT,
            "device_id": "d",
            "received_at_ns": NOW_NS,
            **fields,
        }
    )


if __name__ == "__main__":
    for share in (0.0, 0.99):
        cost = microseconds_per_pick(campaign(100_000, share), 200)
        print(f"{share:.0%} out of window: {cost:.1f} µs per GetPreviewRecord")
