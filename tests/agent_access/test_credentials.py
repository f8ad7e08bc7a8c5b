import base64
from collections.abc import Callable
from typing import Any

import pytest

from agent_access.credentials import Authenticator, SignInRefusal, SignInThrottled
from agent_access.identity import Device, UserAccount, UserDirectory, hash_password
from agent_access.password_checks import PasswordCheckSlots
from agent_access.session import RevokedSessions, SessionVerifier, issue_session_token
from agent_access.sign_in_throttle import SignInThrottle, ThrottlePolicy
from tests.agent_access.accounts import name_of

UNLIMITED = ThrottlePolicy(
    max_failures_per_user=10**6, max_failures_per_address=10**6, window_s=1, lockout_s=1
)


def authenticator(
    users: UserDirectory,
    secret: str,
    *,
    policy: ThrottlePolicy = UNLIMITED,
    on_refusal: Callable[[SignInRefusal], None] = lambda _: None,
    revoked: RevokedSessions | None = None,
    **options: Any,
) -> Authenticator:
    return Authenticator(
        users,
        SessionVerifier(secret, revoked or RevokedSessions()),
        throttle=SignInThrottle(policy),
        slots=PasswordCheckSlots(workers=2, queue=8),
        on_refusal=on_refusal,
        **options,
    )


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
    auth = authenticator(users, "s", cache_size=8)
    assert name_of(await auth.account_for(basic("agent1", "pw"), None)) == "agent1"
    assert name_of(await auth.account_for(basic("agent1", "pw"), None)) == "agent1"
    assert users.checks == 1
    assert name_of(await auth.account_for(basic("agent1", "nope"), None)) is None
    assert name_of(await auth.account_for(basic("agent1", "nope"), None)) is None
    assert users.checks == 3


async def test_the_session_cookie_names_an_enabled_user() -> None:
    users = directory()
    auth = authenticator(users, "secret", cache_size=0, clock=lambda: 100.0)

    def token(user_name: str, *, now: float = 100, version: str | None = None) -> str:
        account = users.get(user_name)
        assert account is not None
        current = account.password_version if version is None else version
        return issue_session_token(
            user_name, "secret", now=now, ttl_seconds=60, password_version=current
        )

    assert name_of(await auth.account_for(None, token("agent1"))) == "agent1"
    assert name_of(await auth.account_for(None, token("gone"))) is None  # disabled
    assert name_of(await auth.account_for(None, token("agent1", now=0))) is None  # expired
    assert (
        name_of(await auth.account_for(None, token("agent1", version="before"))) is None
    )  # new password
    assert name_of(await auth.account_for(None, None)) is None


async def test_past_the_limit_a_guess_is_refused_without_hashing_and_a_success_resets() -> None:
    users = directory()
    refusals: list[SignInRefusal] = []
    policy = ThrottlePolicy(
        max_failures_per_user=3, max_failures_per_address=100, window_s=60, lockout_s=30
    )
    auth = authenticator(users, "s", cache_size=0, policy=policy, on_refusal=refusals.append)
    for _ in range(3):
        assert (
            name_of(await auth.account_for(basic("agent1", "guess"), None, address="127.0.0.2"))
            is None
        )
    for _ in range(100):
        with pytest.raises(SignInThrottled) as throttled:
            await auth.account_for(basic("agent1", "guess"), None, address="127.0.0.2")
    assert users.checks == 3
    assert 1 <= throttled.value.retry_after_s <= 30
    assert refusals == ["failed"] * 3 + ["throttled"] * 100
    # The session cookie is not a guess: a signed-in desktop keeps working meanwhile.
    account = users.get("agent1")
    assert account is not None
    token = issue_session_token(
        "agent1", "s", now=0, ttl_seconds=10**10, password_version=account.password_version
    )
    assert name_of(await auth.account_for(None, token)) == "agent1"
