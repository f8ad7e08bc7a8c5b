"""Password guessing made slow: failed Basic sign-ins counted per user name and per client
address; past a limit, further attempts are refused before any password hash is computed.

Shared by the gateway and the notifier. State lives in the process: with several instances
behind a balancer each counts on its own (see docs/operations.md, Security).
"""

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

# How far a repeated lock-out's back-off grows: the base doubled at most this many times.
_MAX_DOUBLINGS = 5


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures_per_user: int
    max_failures_per_address: int
    window_s: float
    lockout_s: float


@dataclass(slots=True)
class _Failures:
    times: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0
    lockouts: int = 0


class SignInThrottle:
    """Each key (a user name, a client address) keeps its failures within the window. Reaching
    the key's limit locks it out for `lockout_s`, doubled for each lock-out since the last
    success (at most 32 times the base); a success resets the user's key only, so a valid
    account of the attacker's own cannot reset an address that guesses others' passwords.
    At most `capacity` keys are kept (least recently failed dropped first), so a flood of
    invented user names costs bounded memory."""

    def __init__(
        self,
        policy: ThrottlePolicy,
        *,
        capacity: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._policy = policy
        self._capacity = capacity
        self._clock = clock
        self._keys: OrderedDict[tuple[str, str], _Failures] = OrderedDict()

    def retry_after(self, user_name: str, address: str | None) -> float | None:
        """Seconds until an attempt for `user_name` from `address` may be checked, or None
        when it may be checked now."""
        now = self._clock()
        waits = [
            failures.blocked_until - now
            for key in _keys(user_name, address)
            if (failures := self._keys.get(key)) is not None and failures.blocked_until > now
        ]
        return max(waits) if waits else None

    def failed(self, user_name: str, address: str | None) -> None:
        now = self._clock()
        for key in _keys(user_name, address):
            failures = self._keys.pop(key, None) or _Failures()
            self._keys[key] = failures
            failures.times.append(now)
            while failures.times and failures.times[0] <= now - self._policy.window_s:
                failures.times.popleft()
            if len(failures.times) >= self._limit(key):
                backoff = self._policy.lockout_s * 2 ** min(failures.lockouts, _MAX_DOUBLINGS)
                failures.blocked_until = now + backoff
                failures.lockouts += 1
                failures.times.clear()
        while len(self._keys) > self._capacity:
            self._keys.popitem(last=False)

    def succeeded(self, user_name: str) -> None:
        self._keys.pop(("user", user_name), None)

    def _limit(self, key: tuple[str, str]) -> int:
        if key[0] == "user":
            return self._policy.max_failures_per_user
        return self._policy.max_failures_per_address


def _keys(user_name: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("user", user_name)]
    if address is not None:
        keys.append(("address", address))
    return keys


class SignInThrottleSettings(BaseModel):
    """The throttle's settings, mixed into the gateway's and the notifier's settings (each
    reads them under its own prefix)."""

    sign_in_max_failures: int = Field(
        default=5, gt=0, description="Failed sign-ins of one user name within the window"
    )
    sign_in_max_failures_per_address: int = Field(
        default=50, gt=0, description="Failed sign-ins from one client address within the window"
    )
    sign_in_window_seconds: float = Field(default=300, gt=0)
    sign_in_lockout_seconds: float = Field(
        default=30, gt=0, description="First lock-out; each further one doubles it, up to 32x"
    )

    @property
    def throttle_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy(
            max_failures_per_user=self.sign_in_max_failures,
            max_failures_per_address=self.sign_in_max_failures_per_address,
            window_s=self.sign_in_window_seconds,
            lockout_s=self.sign_in_lockout_seconds,
        )
