"""When a record may be dialled: its contact's local time, in the record's zone with daylight
saving applied at that instant, inside both the record's daily window and its calling list's.

Windows are `[from, till)` in seconds after local midnight; `from > till` is an overnight
window (it wraps past midnight) and `from == till` an empty one. Pure: "now" is given.
"""

from datetime import datetime

from outbound_contracts.calling_lists import CallingListRules
from outbound_contracts.records import CallingListRecord
from outbound_contracts.time_zones import time_zone


def within(second: int, start: int, end: int) -> bool:
    """Is `second` (after local midnight) inside the window `[start, end)`?"""
    if start <= end:
        return start <= second < end
    return second >= start or second < end


def local_second(zone_name: str, now: int) -> int | None:
    """Seconds after local midnight at the instant `now` (Unix s); None: no such zone."""
    zone = time_zone(zone_name)
    if zone is None:
        return None
    local = datetime.fromtimestamp(now, zone)
    return local.hour * 3600 + local.minute * 60 + local.second


def in_window(record: CallingListRecord, rules: CallingListRules, now: int) -> bool:
    return window_open(record.time_zone, record.daily_from, record.daily_till, rules, now)


def window_open(
    zone: str, daily_from: int, daily_till: int, rules: CallingListRules, now: int
) -> bool:
    """A record whose zone is unknown (only an old one can be) is never in its window."""
    second = local_second(zone, now)
    return (
        second is not None
        and within(second, daily_from, daily_till)
        and within(second, rules.time_from, rules.time_until)
    )
