"""The worker's evidence that a command was committed after the gateway's 503."""

from ocs_worker.commit_clock import CommitClock
from outbound_contracts.commands import RejectRecord
from outbound_contracts.deadline import ANSWER_GRACE_NS, OBSERVATION_MARGIN_NS, committed_too_late
from tests.ocs_worker.builders import LIST, agent

MS = 1_000_000


def test_a_record_is_uncommitted_at_the_last_time_the_end_was_at_or_before_it() -> None:
    clock = CommitClock()
    for end, at in [(5, 1000), (5, 1400), (8, 1500), (8, 9000), (12, 9100)]:
        clock.observe(end, at)
    assert clock.uncommitted_at(4) is None
    assert clock.uncommitted_at(5) == 1400
    assert clock.uncommitted_at(7) == 1400
    assert clock.uncommitted_at(8) == 9000
    assert clock.uncommitted_at(20) == 9100


def test_a_lower_end_from_a_new_leader_is_not_taken_for_an_uncommitted_record() -> None:
    clock = CommitClock()
    clock.observe(10, 1000)
    clock.observe(6, 5000)  # a new leader's high watermark, a moment behind
    clock.observe(None, 6000)
    assert clock.uncommitted_at(7) is None
    assert clock.uncommitted_at(10) == 1000


def test_forgetting_keeps_what_later_records_need() -> None:
    clock = CommitClock()
    for end, at in [(1, 10), (3, 20), (6, 30)]:
        clock.observe(end, at)
    clock.forget_before(4)
    assert clock.uncommitted_at(4) == 20
    assert clock.uncommitted_at(6) == 30


def test_only_an_observation_after_the_answer_was_due_condemns_a_command() -> None:
    accept_by_ns = 1_000_000 * MS
    command = agent(RejectRecord, record_handle=9, calling_list=LIST, accept_by_ns=accept_by_ns)
    due_ms = (accept_by_ns + ANSWER_GRACE_NS + OBSERVATION_MARGIN_NS) // MS
    assert not committed_too_late(command, None)
    assert not committed_too_late(command, due_ms)
    assert committed_too_late(command, due_ms + 1)
    assert not committed_too_late(command.model_copy(update={"accept_by_ns": None}), due_ms + 1)
