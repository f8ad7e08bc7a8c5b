"""Calling windows on the pure core, with the clock injected as the command's receipt time:
the `[from, till)` boundaries, overnight windows, the calling list's window, the 2026 daylight
saving changes of New York and Sydney, and zones 30 and 45 minutes off the hour."""

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ocs_worker import engine
from ocs_worker.calling_list import read_calling_list
from ocs_worker.calling_window import window_open, within
from ocs_worker.engine import apply
from ocs_worker.state import PartitionState
from outbound_contracts.calling_lists import CallingListRules
from outbound_contracts.commands import (
    DefineCampaign,
    GetChainedRecord,
    GetPreviewRecord,
    StartPreviewSession,
)
from outbound_contracts.events import CommandFailed, UserEventRaised
from outbound_contracts.vocabulary import RecordStatus
from tests.ocs_worker.builders import (
    APP,
    CAMPAIGN,
    LIST,
    agent,
    events,
    held,
    record,
    seeded,
    step,
)

H = 3600


def at(instant: str) -> int:
    """An ISO instant in UTC ("2026-03-09T12:00:00") as the command's receipt time (ns)."""
    moment = datetime.fromisoformat(instant).replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000_000


def preview(state: PartitionState, instant: str, user: str = "agent1") -> int | None:
    """The handle GetPreviewRecord hands out at `instant`; None: error 107, nothing changed."""
    command = agent(GetPreviewRecord, user, received_at_ns=at(instant))
    transition = apply(state, command)
    [outcome] = transition.outcomes
    if isinstance(outcome, CommandFailed):
        assert outcome.error_code == 107
        assert transition.changes == []
        return None
    state.with_changes(transition.changes)
    assert isinstance(outcome, UserEventRaised)
    handle = outcome.user_data["GSW_RECORD_HANDLE"]
    assert isinstance(handle, int)
    return handle


def one_record(zone: str, daily_from: int, daily_till: int, **rules: int) -> PartitionState:
    state = seeded(
        record(1, chain_id=1, time_zone=zone, daily_from=daily_from, daily_till=daily_till)
    )
    if rules:
        step(state, define_rules(CallingListRules.model_validate(rules)))
    step(state, agent(StartPreviewSession))
    return state


def define_rules(rules: CallingListRules, calling_list: str = LIST) -> DefineCampaign:
    return DefineCampaign(
        command_id=uuid.uuid4().hex,
        application_id=APP,
        campaign_name=CAMPAIGN,
        calling_lists=[calling_list],
        calling_list_rules={calling_list: rules},
    )


@pytest.mark.parametrize(
    ("second", "start", "end", "inside"),
    [
        (9 * H - 1, 9 * H, 17 * H, False),
        (9 * H, 9 * H, 17 * H, True),
        (17 * H - 1, 9 * H, 17 * H, True),
        (17 * H, 9 * H, 17 * H, False),
        (23 * H, 22 * H, 6 * H, True),  # overnight: before midnight
        (0, 22 * H, 6 * H, True),
        (6 * H - 1, 22 * H, 6 * H, True),  # overnight: after midnight
        (6 * H, 22 * H, 6 * H, False),
        (12 * H, 22 * H, 6 * H, False),
        (86399, 0, 86400, True),  # 86400: up to midnight
        (12 * H, 5 * H, 5 * H, False),  # from == till: empty
    ],
)
def test_a_window_is_from_included_till_excluded_and_wraps_when_from_is_later(
    second: int, start: int, end: int, *, inside: bool
) -> None:
    assert within(second, start, end) is inside


@pytest.mark.parametrize(
    ("zone", "till_utc"),
    [
        ("America/New_York", "2026-06-15T21:00:00"),  # 17:00 EDT, UTC-4
        ("America/Denver", "2026-06-15T23:00:00"),  # 17:00 MDT, UTC-6
        ("Asia/Kolkata", "2026-06-15T11:30:00"),  # 17:00 IST, UTC+5:30
        ("Asia/Kathmandu", "2026-06-15T11:15:00"),  # 17:00 NPT, UTC+5:45
        ("Australia/Eucla", "2026-06-15T08:15:00"),  # 17:00 ACWST, UTC+8:45
        ("America/St_Johns", "2026-06-15T19:30:00"),  # 17:00 NDT, UTC-2:30
    ],
)
def test_a_record_is_handed_out_at_till_minus_1_s_and_not_at_till_in_its_own_zone(
    zone: str, till_utc: str
) -> None:
    just_before = (datetime.fromisoformat(till_utc) - timedelta(seconds=1)).isoformat()
    assert preview(one_record(zone, 9 * H, 17 * H), till_utc) is None
    assert preview(one_record(zone, 9 * H, 17 * H), just_before) == 1


@pytest.mark.parametrize(
    ("zone", "opens_utc", "hour_earlier_utc"),
    [
        # New York, DST from 8 March 2026 (EST UTC-5 -> EDT UTC-4) to 1 November (-> EST).
        ("America/New_York", "2026-03-06T13:00:00", "2026-03-06T12:00:00"),
        ("America/New_York", "2026-03-09T12:00:00", "2026-03-09T11:00:00"),
        ("America/New_York", "2026-10-30T12:00:00", "2026-10-30T11:00:00"),
        ("America/New_York", "2026-11-02T13:00:00", "2026-11-02T12:00:00"),
        # Sydney, DST until 5 April 2026 (AEDT UTC+11 -> AEST UTC+10), again from 4 October.
        ("Australia/Sydney", "2026-04-02T21:00:00", "2026-04-02T20:00:00"),
        ("Australia/Sydney", "2026-04-05T22:00:00", "2026-04-05T21:00:00"),
        ("Australia/Sydney", "2026-10-01T22:00:00", "2026-10-01T21:00:00"),
        ("Australia/Sydney", "2026-10-04T21:00:00", "2026-10-04T20:00:00"),
    ],
)
def test_across_daylight_saving_8_am_stays_8_am_local(
    zone: str, opens_utc: str, hour_earlier_utc: str
) -> None:
    """The window 08:00-09:00 local opens at a UTC instant that moves by the DST change."""
    assert preview(one_record(zone, 8 * H, 9 * H), hour_earlier_utc) is None
    assert preview(one_record(zone, 8 * H, 9 * H), opens_utc) == 1


def test_on_the_night_clocks_go_back_the_repeated_hour_is_inside_both_times() -> None:
    # New York, 1 November 2026: 01:30 EDT is 05:30Z, 01:30 EST is 06:30Z.
    assert preview(one_record("America/New_York", 1 * H, 2 * H), "2026-11-01T05:30:00") == 1
    assert preview(one_record("America/New_York", 1 * H, 2 * H), "2026-11-01T06:30:00") == 1
    assert preview(one_record("America/New_York", 1 * H, 2 * H), "2026-11-01T07:00:00") is None


def test_on_the_night_clocks_go_forward_the_skipped_hour_never_opens() -> None:
    # New York, 8 March 2026: 01:59:59 EST (06:59:59Z) is followed by 03:00 EDT (07:00Z).
    for instant in ("2026-03-08T06:59:59", "2026-03-08T07:00:00", "2026-03-08T07:30:00"):
        assert preview(one_record("America/New_York", 2 * H, 3 * H), instant) is None


def test_an_overnight_window_is_open_late_and_early_and_closed_by_day() -> None:
    def state() -> PartitionState:
        return one_record("UTC", 22 * H, 6 * H)

    assert preview(state(), "2026-06-15T23:30:00") == 1
    assert preview(state(), "2026-06-16T05:59:59") == 1
    assert preview(state(), "2026-06-16T06:00:00") is None
    assert preview(state(), "2026-06-16T21:59:59") is None


def test_the_calling_lists_window_intersects_the_records_in_the_contacts_zone() -> None:
    # The record allows 08:00-20:00 New York time, the list 09:00-21:00: 09:00-20:00 remain.
    def state() -> PartitionState:
        return one_record("America/New_York", 8 * H, 20 * H, time_from=9 * H, time_until=21 * H)

    assert preview(state(), "2026-06-15T12:59:59") is None  # 08:59:59 EDT
    assert preview(state(), "2026-06-15T13:00:00") == 1
    assert preview(state(), "2026-06-15T23:59:59") == 1  # 19:59:59 EDT
    assert preview(state(), "2026-06-16T00:00:00") is None  # 20:00 EDT


def test_an_overnight_list_window_intersects_a_day_window_to_its_overlap() -> None:
    def state() -> PartitionState:
        return one_record("UTC", 0, 86400, time_from=20 * H, time_until=2 * H)

    assert preview(state(), "2026-06-15T19:59:59") is None
    assert preview(state(), "2026-06-15T20:00:00") == 1
    assert preview(state(), "2026-06-16T01:59:59") == 1
    assert preview(state(), "2026-06-16T02:00:00") is None


def test_a_record_outside_its_window_stays_ready_and_unchanged_while_others_go_out() -> None:
    closed = record(
        1, chain_id=1, time_zone="America/Los_Angeles", daily_from=9 * H, daily_till=17 * H
    )
    open_ = record(2, chain_id=2, time_zone="America/New_York", daily_from=9 * H, daily_till=17 * H)
    state = seeded(closed, open_)
    step(state, agent(StartPreviewSession))
    # 15:30Z is 11:30 EDT (open) and 08:30 PDT (closed).
    assert preview(state, "2026-06-15T15:30:00") == 2
    assert preview(state, "2026-06-15T15:30:01") is None
    assert state.campaigns[(APP, CAMPAIGN)].records[1] == closed
    # Two records, the same window, other zones: the west opens three hours later.
    assert preview(state, "2026-06-15T15:59:59") is None  # 08:59:59 PDT
    assert preview(state, "2026-06-15T16:00:00") == 1
    taken = state.campaigns[(APP, CAMPAIGN)].records[1]
    assert (taken.record_status, taken.call_result, taken.attempts) == (
        RecordStatus.RETRIEVED,
        closed.call_result,
        closed.attempts,
    )


def test_get_chained_record_hands_out_only_the_chain_members_inside_their_window() -> None:
    state = seeded(
        held(1, chain_id=1, by="agent1", time_zone="UTC"),
        record(2, chain_id=1, chain_n=1, time_zone="UTC", daily_from=9 * H, daily_till=17 * H),
        record(3, chain_id=1, chain_n=2, time_zone="UTC", daily_from=18 * H, daily_till=20 * H),
    )
    command = agent(GetChainedRecord, record_handle=1, received_at_ns=at("2026-06-15T10:00:00"))
    outcomes = events(state, command)
    handed = [o.user_data.get("GSW_RECORD_HANDLE") for o in outcomes[:-1]]
    assert handed == [1, 2]
    records = state.campaigns[(APP, CAMPAIGN)].records
    assert records[2].record_status is RecordStatus.RETRIEVED
    assert records[3].record_status is RecordStatus.READY


def test_the_list_rules_are_kept_until_redefined_and_survive_a_changelog_replay() -> None:
    state = seeded()
    nine_to_five = CallingListRules(time_from=9 * H, time_until=17 * H)
    step(state, define_rules(nine_to_five))
    step(state, define_rules(nine_to_five, calling_list="CallingList2"))
    plain = DefineCampaign(
        command_id="again", application_id=APP, campaign_name=CAMPAIGN, calling_lists=[LIST]
    )
    assert apply(state, plain).changes == []  # a list named without rules keeps its rules
    transition = apply(state, define_rules(CallingListRules(), calling_list="CallingList2"))
    state.with_changes(transition.changes)
    campaign = state.campaigns[(APP, CAMPAIGN)]
    assert campaign.rules_of(LIST) == nine_to_five
    assert campaign.rules_of("CallingList2") == CallingListRules()
    assert campaign.calling_lists == (LIST, "CallingList2")
    replayed = PartitionState()
    replayed.with_changes(transition.changes)
    assert replayed.campaigns[(APP, CAMPAIGN)].rules == campaign.rules


def test_a_record_that_reached_the_lists_max_attempts_is_not_handed_out_again() -> None:
    state = seeded(
        record(1, chain_id=1, attempts=3),
        record(2, chain_id=1, chain_n=1, attempts=2),  # the chain's next record with attempts left
        record(3, chain_id=2, attempts=2),
    )
    step(state, define_rules(CallingListRules(max_attempts=3)))
    step(state, agent(StartPreviewSession))
    assert preview(state, "2026-06-15T12:00:00") == 2
    assert preview(state, "2026-06-15T12:00:01") == 3
    assert preview(state, "2026-06-15T12:00:02") is None
    assert state.campaigns[(APP, CAMPAIGN)].records[1].record_status is RecordStatus.READY


def test_raising_max_attempts_makes_an_exhausted_record_dialable_again() -> None:
    state = seeded(record(1, chain_id=1, attempts=10))
    step(state, agent(StartPreviewSession))
    assert preview(state, "2026-06-15T12:00:00") is None  # the default is 10
    step(state, define_rules(CallingListRules(max_attempts=11)))
    assert preview(state, "2026-06-15T12:00:01") == 1


@pytest.mark.parametrize(
    ("instant", "dialable"),
    [
        # 13:00Z in June: 09:00 New York, 08:00 Chicago, 07:00 Denver and Phoenix (no DST).
        ("2026-06-15T13:00:00", {101, 102}),
        # 16:00Z: 12:00 New York ... 09:00 Los Angeles, 08:00 Anchorage, 06:00 Honolulu.
        ("2026-06-15T16:00:00", {101, 102, 103, 104, 105, 106}),
        # 01:30Z: 21:30 New York (closed), 20:30 Chicago ... 15:30 Honolulu.
        ("2026-06-16T01:30:00", {102, 103, 104, 105, 106, 107}),
        # 07:00Z: 03:00 New York ... 21:00 Honolulu: nobody may be called.
        ("2026-06-16T07:00:00", set()),
    ],
)
def test_the_us_hours_demo_list_is_dialable_8_to_21_local_in_each_zone(
    instant: str, dialable: set[int]
) -> None:
    path = Path(__file__).parents[2] / "demo" / "calling-list-us-hours.csv"
    rows = read_calling_list(path.read_text().splitlines(), "USHours")
    state = seeded(*(row.record for row in rows))
    for user in ("agent1", "agent2", "agent3"):
        step(state, agent(StartPreviewSession, user))
    handed = set()
    for user in ("agent1", "agent2", "agent3") * 3:
        handle = preview(state, instant, user)
        if handle is not None:
            handed.add(handle)
    assert handed == dialable


def test_a_pick_asks_each_window_once_however_many_records_wait_outside_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Index, not scan: 2,000 records closed now and 20 open, in four zones."""
    closed = [
        record(h, chain_id=h, time_zone=ZONE_OF[h % 4], daily_from=20 * H, daily_till=21 * H)
        for h in range(2000)
    ]
    open_ = [record(h, chain_id=h, time_zone=ZONE_OF[h % 4]) for h in range(2000, 2020)]
    state = seeded(*closed, *open_)
    step(state, agent(StartPreviewSession))
    asked: list[tuple[str, int, int]] = []

    def counting(zone: str, start: int, end: int, rules: CallingListRules, now: int) -> bool:
        asked.append((zone, start, end))
        return window_open(zone, start, end, rules, now)

    monkeypatch.setattr(engine, "window_open", counting)
    assert preview(state, "2026-06-15T16:00:00") == 2000  # 12:00 in New York
    assert len(asked) == len(set(asked)) == 8  # four zones, two windows each


ZONE_OF = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
