"""The open loop's accounting: a command due while every connection is busy is counted as not
sent, and the step then did not measure the system."""

import pytest

from bench.open_loop import LATE_S, OpenLoop


def test_the_nth_command_is_due_n_over_the_rate_after_the_start() -> None:
    schedule = OpenLoop(rate=200, count=3)

    assert [schedule.due_s(index) for index in range(3)] == [0.0, 0.005, 0.01]


def test_a_command_with_a_free_connection_is_sent_and_one_without_is_counted_not_sent() -> None:
    schedule = OpenLoop(rate=100, count=3)

    assert schedule.record(due_s=0.0, at_s=0.0, connection_free=True)
    assert not schedule.record(due_s=0.01, at_s=0.01, connection_free=False)
    assert schedule.record(due_s=0.02, at_s=0.02, connection_free=True)

    assert (schedule.sent, schedule.unsent) == (2, 1)
    assert not schedule.on_time


def test_every_command_sent_is_on_time_and_a_late_send_is_counted_not_refused() -> None:
    schedule = OpenLoop(rate=100, count=2)

    schedule.record(due_s=0.0, at_s=0.001, connection_free=True)
    schedule.record(due_s=0.01, at_s=0.01 + 2 * LATE_S, connection_free=True)

    assert schedule.on_time
    assert schedule.late == 1
    assert schedule.most_late_s == pytest.approx(2 * LATE_S)


def test_a_step_cut_short_is_not_on_time() -> None:
    schedule = OpenLoop(rate=100, count=2)
    schedule.record(due_s=0.0, at_s=0.0, connection_free=True)

    assert not schedule.on_time
