import pytest

from notifier.channels import is_valid_channel, is_valid_pattern, patterns_matching


@pytest.mark.parametrize(
    ("pattern", "channel", "matches"),
    [
        ("/v2/me/outbound", "/v2/me/outbound", True),
        ("/v2/me/*", "/v2/me/outbound", True),
        ("/v2/*", "/v2/me/outbound", False),
        ("/v2/**", "/v2/me/outbound", True),
        ("/**", "/me/internal", True),
        ("/*", "/me", True),
        ("/*", "/me/internal", False),
        ("/me/**", "/me", False),
        ("/me/internal", "/me/internal/x", False),
    ],
)
def test_wildcards_match_as_bayeux_defines(pattern: str, channel: str, matches: bool) -> None:
    assert (pattern in patterns_matching(channel)) is matches


@pytest.mark.parametrize("name", ["", "/", "me", "/a//b", "/a/", "/a/**/b", "/*/b"])
def test_malformed_patterns_are_refused(name: str) -> None:
    assert not is_valid_pattern(name)


def test_a_channel_has_no_wildcard() -> None:
    assert is_valid_channel("/chat/room")
    assert is_valid_pattern("/chat/*")
    assert not is_valid_channel("/chat/*")
