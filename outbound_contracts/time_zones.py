"""The time zone names a record may carry, and the zone each one means.

A name is an IANA zone name (`America/New_York`) or one of the short names Genesys desktops
send, as the GWS samples do (`ECT`): Java's `ZoneId.SHORT_IDS`, the table Genesys's Java
components resolve them with. Zones are read from the `tzdata` package only, never from the
host's `/usr/share/zoneinfo`, so every host and image applies the same rules. Any other name is
refused where it enters (the gateway, the CSV import, the worker's invalid-command check), never
read as UTC.
"""

from functools import cache, lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

SHORT_NAMES = {
    "ACT": "Australia/Darwin",
    "AET": "Australia/Sydney",
    "AGT": "America/Argentina/Buenos_Aires",
    "ART": "Africa/Cairo",
    "AST": "America/Anchorage",
    "BET": "America/Sao_Paulo",
    "BST": "Asia/Dhaka",
    "CAT": "Africa/Harare",
    "CNT": "America/St_Johns",
    "CST": "America/Chicago",
    "CTT": "Asia/Shanghai",
    "EAT": "Africa/Addis_Ababa",
    "ECT": "Europe/Paris",
    "IET": "America/Indiana/Indianapolis",
    "IST": "Asia/Kolkata",
    "JST": "Asia/Tokyo",
    "MIT": "Pacific/Apia",
    "NET": "Asia/Yerevan",
    "NST": "Pacific/Auckland",
    "PLT": "Asia/Karachi",
    "PNT": "America/Phoenix",
    "PRT": "America/Puerto_Rico",
    "PST": "America/Los_Angeles",
    "SST": "Pacific/Guadalcanal",
    "VST": "Asia/Ho_Chi_Minh",
}
"""java.time.ZoneId.SHORT_IDS, less EST, MST and HST, which are IANA names of the same zones."""


@cache
def _iana_names() -> frozenset[str]:
    return frozenset(resources.files("tzdata").joinpath("zones").read_text().split())


@lru_cache(maxsize=1024)
def time_zone(name: str) -> ZoneInfo | None:
    """The zone a record's `time_zone` names; None for a name that is not a zone."""
    key = SHORT_NAMES.get(name, name)
    if key not in _iana_names():
        return None
    with resources.files("tzdata").joinpath("zoneinfo", *key.split("/")).open("rb") as data:
        return ZoneInfo.from_file(data, key=key)


def is_time_zone(name: str) -> bool:
    return time_zone(name) is not None


def known_time_zone(name: str) -> str:
    """`name` when it names a zone (a pydantic validator where a name enters), else ValueError."""
    if not is_time_zone(name):
        raise ValueError(
            f"unknown time zone {name!r}: an IANA zone name (America/New_York) "
            "or a Genesys short name (ECT, PST)"
        )
    return name
