"""Treatments on CompleteRecord, per calling list and call result, on the pure core."""

import pytest
from pydantic import ValidationError

from outbound_contracts.calling_lists import CallingListRules, Treatment
from outbound_contracts.commands import CompleteRecord, GetPreviewRecord, StartPreviewSession
from outbound_contracts.records import CallingListRecord
from outbound_contracts.vocabulary import CallResult, RecordStatus, RecordType
from tests.ocs_worker.builders import APP, CAMPAIGN, LIST, NOW_NS, agent, record, seeded, step
from tests.ocs_worker.test_calling_windows import define_rules

NOW = NOW_NS // 1_000_000_000
RULES = CallingListRules(
    treatments={
        "Busy": Treatment(action="retry", interval_minutes=5, increment_minutes=10, max_cycles=2),
        "WrongNumber": Treatment(action="next_in_chain"),
    }
)


def completed(result: CallResult, at: int, *records: CallingListRecord) -> CallingListRecord:
    """agent1 takes the next record at `at` (s) and completes it with `result`."""
    state = seeded(*records)
    step(state, define_rules(RULES))
    step(state, agent(StartPreviewSession))
    [preview] = step(state, agent(GetPreviewRecord, received_at_ns=at * 10**9))
    handle = preview.subject["recordHandle"]  # type: ignore[union-attr]
    done = agent(
        CompleteRecord,
        record_handle=handle,
        calling_list=LIST,
        call_result=result,
        received_at_ns=at * 10**9,
    )
    step(state, done)
    return state.campaigns[(APP, CAMPAIGN)].records[int(handle)]  # type: ignore[arg-type]


def test_a_retry_treatment_reschedules_with_its_interval_plus_the_increment_per_cycle() -> None:
    first = completed(CallResult.Busy, NOW, record(1, chain_id=1))
    assert (first.record_status, first.record_type, first.agent_id) == (
        RecordStatus.READY,
        RecordType.CAMPAIGN_RESCHEDULED,
        None,
    )
    assert (first.dial_sched_time, first.treatment_cycles, first.attempts) == (NOW + 300, 1, 1)
    assert first.call_result is CallResult.Busy
    second = completed(CallResult.Busy, NOW + 300, first)
    assert (second.dial_sched_time, second.treatment_cycles) == (NOW + 300 + 900, 2)
    third = completed(CallResult.Busy, NOW + 1200, second)  # max_cycles reached: final
    assert (third.record_status, third.treatment_cycles) == (RecordStatus.UPDATED, 2)


@pytest.mark.parametrize("result", [CallResult.WrongNumber, CallResult.Answer])
def test_next_in_chain_and_no_treatment_make_the_record_final_and_the_chain_goes_on(
    result: CallResult,
) -> None:
    done = completed(result, NOW, record(1, chain_id=1), record(2, chain_id=1, chain_n=1))
    assert (done.record_handle, done.record_status, done.call_result) == (
        1,
        RecordStatus.UPDATED,
        result,
    )
    after = completed(CallResult.Answer, NOW, done, record(2, chain_id=1, chain_n=1))
    assert after.record_handle == 2  # the chain's next record was dialable


def test_a_treatment_for_an_unknown_call_result_is_refused() -> None:
    with pytest.raises(ValidationError, match="Sunny"):
        CallingListRules(treatments={"Sunny": Treatment(action="retry")})
