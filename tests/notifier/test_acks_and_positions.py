"""The pure parts of ack and replay: batches and acknowledgements, positions, and the
session registry's seam between a replay and live delivery."""

import pytest

from notifier.acks import Acknowledgements
from notifier.metrics import NotifierMetrics
from notifier.positions import InvalidPosition, Position, parse_position
from notifier.sessions import SessionRegistry

OUTBOUND = "/v2/me/outbound"


def message(n: int) -> dict[str, object]:
    return {"channel": OUTBOUND, "data": {"n": n}}


def test_a_batch_stays_until_acknowledged_and_goes_again_first() -> None:
    acks = Acknowledgements()
    assert acks.close_batch([message(1)]) == ([message(1)], 1)
    assert acks.close_batch([message(2)]) == ([message(1), message(2)], 2)  # 1 was lost
    acks.acknowledge(1)
    assert acks.close_batch([]) == ([message(2)], 3)
    acks.acknowledge(3)
    assert len(acks) == 0
    assert acks.close_batch([]) == ([], 4)


def test_positions_of_one_agent_sort_as_strings_in_offset_order() -> None:
    offsets = [0, 9, 10, 99, 100, 12_345_678_901]
    rendered = [Position(3, offset).render("agent1") for offset in offsets]
    assert sorted(rendered) == rendered
    assert [parse_position(text, "agent1") for text in rendered] == [
        Position(3, offset) for offset in offsets
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (None, "400::Replay position must be a string"),
        ("3:12:cd5078be", "400::Malformed replay position"),
        ("3:00000000000000000012:cd5078be ", "400::Malformed replay position"),
        (Position(3, 12).render("agent2"), "400::Replay position of another agent's stream"),
        (Position(3, 2**63).render("agent1"), "400::Replay position's offset past"),
    ],
)
def test_a_position_that_is_not_the_agents_is_refused(text: object, error: str) -> None:
    with pytest.raises(InvalidPosition, match=f"^{error}"):
        parse_position(text, "agent1")


def test_live_outcomes_wait_for_the_replay_and_none_is_queued_twice() -> None:
    registry = SessionRegistry(
        queue_limit=100,
        max_interval_s=10,
        max_sessions_per_user=10,
        max_subscriptions_per_session=10,
        metrics=NotifierMetrics(),
    )
    session = registry.create("agent1")
    registry.subscribe(session, [OUTBOUND])
    registry.start_replay(session, "position", after=4)
    registry.deliver("agent1", [message(7)], offset=7)  # live, during the replay: held back
    registry.deliver("agent1", [message(8)], offset=8)
    assert list(session.queue) == []
    for offset in (5, 6, 7):  # the replay reaches into what live delivery holds back
        registry.deliver_replayed(session, [message(offset)], offset)
    registry.finish_replay(session)
    registry.deliver("agent1", [message(8)], offset=8)  # a second copy from live: dropped
    registry.deliver("agent1", [message(4)], offset=4)  # at or before the position: dropped
    registry.deliver("agent1", [message(9)], offset=9)
    assert [m["data"] for m in session.queue] == [{"n": n} for n in (5, 6, 7, 8, 9)]
