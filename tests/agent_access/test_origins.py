"""The `Origin` rule on its own: which pages may open a session."""

import pytest
from pydantic import ValidationError

from agent_access.origins import OriginPolicy, parse_origin
from notifier.settings import NotifierSettings

POLICY = OriginPolicy(["https://Desk.example", "http://127.0.0.1:8080"])


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        (None, "127.0.0.1:8081"),
        ("https://desk.example", "127.0.0.1:8081"),
        ("https://desk.example:443", "127.0.0.1:8081"),
        ("HTTP://127.0.0.1:8080", "127.0.0.1:8081"),
        ("http://127.0.0.1:8081", "127.0.0.1:8081"),
        ("https://notify.example", "notify.example"),
        ("http://[::1]:8081", "[::1]:8081"),
    ],
)
def test_allowed(origin: str | None, host: str) -> None:
    assert POLICY.allows(origin, host)


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("null", "127.0.0.1:8081"),
        ("http://desk.example", "127.0.0.1:8081"),
        ("https://desk.example:8443", "127.0.0.1:8081"),
        ("http://127.0.0.1:8098", "127.0.0.1:8081"),
        ("http://127.0.0.1:8081", None),
        ("http://127.0.0.1:8081", "127.0.0.1:99999"),
        ("https://notify.example:8443", "notify.example"),
        ("ws://127.0.0.1:8081", "127.0.0.1:8081"),
        ("not an origin", "127.0.0.1:8081"),
    ],
)
def test_refused(origin: str, host: str | None) -> None:
    assert not POLICY.allows(origin, host)


def test_an_origin_is_normalized_to_scheme_host_and_port() -> None:
    assert parse_origin("HTTPS://Desk.Example") == ("https", "desk.example", 443)


@pytest.mark.parametrize("setting", ["*", "null", "https://desk.example/app", "desk.example"])
def test_a_setting_that_is_not_an_origin_fails_at_start(setting: str) -> None:
    with pytest.raises(ValidationError, match="is not an origin"):
        NotifierSettings(session_secret="s", allowed_origins=[setting])
