import base64

from outbound_contracts.credentials import Authenticator
from outbound_contracts.identity import Device, UserAccount, UserDirectory, hash_password
from outbound_contracts.session import issue_session_token


class CountingDirectory(UserDirectory):
    """The real directory, counting the (expensive) password checks."""

    def __init__(self, accounts: list[UserAccount]) -> None:
        super().__init__(accounts)
        self.checks = 0

    def authenticate(self, user_name: str, password: str) -> UserAccount | None:
        self.checks += 1
        return super().authenticate(user_name, password)


def directory() -> CountingDirectory:
    return CountingDirectory(
        [
            UserAccount(
                id=name,
                user_name=name,
                password_hash=hash_password("pw"),
                enabled=name != "gone",
                devices=[Device(id="d", phone_number="1")],
            )
            for name in ("agent1", "gone")
        ]
    )


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_a_successful_basic_check_is_cached_and_a_failed_one_is_not() -> None:
    users = directory()
    auth = Authenticator(users, "s", cache_size=8)
    assert await auth.user_for(basic("agent1", "pw"), None) == "agent1"
    assert await auth.user_for(basic("agent1", "pw"), None) == "agent1"
    assert users.checks == 1
    assert await auth.user_for(basic("agent1", "nope"), None) is None
    assert await auth.user_for(basic("agent1", "nope"), None) is None
    assert users.checks == 3


async def test_the_session_cookie_names_an_enabled_user() -> None:
    auth = Authenticator(directory(), "secret", cache_size=0, clock=lambda: 100.0)
    token = issue_session_token("agent1", "secret", now=100, ttl_seconds=60)
    assert await auth.user_for(None, token) == "agent1"
    assert (
        await auth.user_for(None, issue_session_token("gone", "secret", now=100, ttl_seconds=60))
        is None
    )
    assert (
        await auth.user_for(None, issue_session_token("agent1", "secret", now=0, ttl_seconds=60))
        is None
    )
    assert await auth.user_for(None, None) is None
