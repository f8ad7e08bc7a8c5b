"""Time zone names: IANA names and Genesys short names are zones, anything else is refused."""

import pytest

from outbound_contracts.time_zones import SHORT_NAMES, is_time_zone, known_time_zone, time_zone


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("America/New_York", "America/New_York"),
        ("Asia/Kathmandu", "Asia/Kathmandu"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("UTC", "UTC"),
        ("EST", "EST"),
        ("ECT", "Europe/Paris"),
        ("PST", "America/Los_Angeles"),
    ],
)
def test_a_zone_name_means_its_iana_zone(name: str, key: str) -> None:
    zone = time_zone(name)
    assert zone is not None
    assert zone.key == key


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "america/new_york", "X"])
def test_any_other_name_is_no_zone_and_is_refused_with_its_name(name: str) -> None:
    assert time_zone(name) is None
    assert not is_time_zone(name)
    with pytest.raises(ValueError, match="unknown time zone"):
        known_time_zone(name)


def test_every_short_name_names_a_zone_of_the_package() -> None:
    assert all(is_time_zone(key) for key in SHORT_NAMES.values())
