"""Lost client sessions are a benchmark finding, not the end of the run."""

from bench.bayeux_client import BayeuxError, SessionClosed
from bench.losses import delivery_finding, describe_losses
from bench.raw_http import HttpError


def test_no_failure_says_so() -> None:
    assert describe_losses([]) == "no session lost"


def test_losses_are_grouped_by_kind_most_frequent_first_with_the_first_message() -> None:
    failures = [
        HttpError("connection to 127.0.0.1:1 lost"),
        BayeuxError("/meta/connect failed: 402::Unknown client a"),
        BayeuxError("/meta/connect failed: 402::Unknown client b"),
    ]

    assert describe_losses(failures) == (
        "3 sessions lost: 2 BayeuxError (/meta/connect failed: 402::Unknown client a), "
        "1 HttpError (connection to 127.0.0.1:1 lost)"
    )


def test_one_loss_is_singular_and_an_empty_message_is_named() -> None:
    assert describe_losses([SessionClosed("")]) == "1 session lost: 1 SessionClosed (no message)"


def test_a_long_message_is_cut() -> None:
    described = describe_losses([BayeuxError("x" * 1000)])

    assert described == f"1 session lost: 1 BayeuxError ({'x' * 160})"


def test_the_finding_keeps_delivered_of_accepted() -> None:
    finding = delivery_finding("at 2,000/s", 2_990, 3_000, "1 session lost: 1 HttpError (gone)")

    assert finding == (
        "Finding (at 2,000/s): 1 session lost: 1 HttpError (gone); delivered 2,990 of 3,000 "
        "accepted (99.7 %), and the run went on."
    )


def test_nothing_accepted_is_no_division_by_zero() -> None:
    assert "delivered 0 of 0 accepted (0.0 %)" in delivery_finding("x", 0, 0, "lost")
