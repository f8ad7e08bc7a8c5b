"""Password guessing made slow: failed Basic sign-ins counted per user name and per client
address; past a limit, further attempts are refused before any password hash is computed.
An attempt is reserved before its hash and counts against the limit while it is checked, so
that guesses sent all at once check no more than the limit between them.

Shared by the gateway and the notifier. State lives in the process: with several instances
behind a balancer each counts on its own (see docs/operations.md, Security).
"""

import os
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

# How far a repeated lock-out's back-off grows: the base doubled at most this many times.
_MAX_DOUBLINGS = 5
# The wait told to an attempt while other attempts' checks fill the limit (a hash takes ~50 ms).
_CHECKS_UNDER_WAY_WAIT_S = 1.0


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
    checking: int = 0
    """Attempts reserved and being checked now."""


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

    def reserve(self, user_name: str, address: str | None) -> float | None:
        """Reserve a check of a password for `user_name` from `address`: None when it may be
        checked now (then end it with `failed`, `succeeded` or `released`), else the seconds
        to wait. Failures plus attempts being checked never pass a key's limit; when the
        checks under way fill it, the wait is a second, for them to end."""
        now = self._clock()
        keys = _keys(user_name, address)
        waits = [0.0]
        for key in keys:
            failures = self._keys.get(key)
            if failures is None:
                continue
            if failures.blocked_until > now:
                waits.append(failures.blocked_until - now)
            elif len(self._recent(failures, now)) + failures.checking >= self._limit(key):
                waits.append(_CHECKS_UNDER_WAY_WAIT_S)
        if max(waits) > 0:
            return max(waits)
        for key in keys:
            failures = self._keys.pop(key, None) or _Failures()
            self._keys[key] = failures
            failures.checking += 1
        self._evict()
        return None

    def failed(self, user_name: str, address: str | None) -> None:
        """A reserved attempt's password was wrong."""
        now = self._clock()
        for key in _keys(user_name, address):
            failures = self._keys.pop(key, None) or _Failures()
            self._keys[key] = failures
            failures.checking = max(0, failures.checking - 1)
            self._recent(failures, now).append(now)
            if len(failures.times) >= self._limit(key):
                backoff = self._policy.lockout_s * 2 ** min(failures.lockouts, _MAX_DOUBLINGS)
                failures.blocked_until = now + backoff
                failures.lockouts += 1
                failures.times.clear()
        self._evict()

    def released(self, user_name: str, address: str | None) -> None:
        """A reserved attempt was not checked after all."""
        for key in _keys(user_name, address):
            if (failures := self._keys.get(key)) is not None:
                failures.checking = max(0, failures.checking - 1)

    def succeeded(self, user_name: str, address: str | None) -> None:
        """A reserved attempt's password was right: the user's failures are forgotten."""
        self.released(user_name, address)
        self._keys.pop(("user", user_name), None)

    def _recent(self, failures: _Failures, now: float) -> deque[float]:
        while failures.times and failures.times[0] <= now - self._policy.window_s:
            failures.times.popleft()
        return failures.times

    def _evict(self) -> None:
        while len(self._keys) > self._capacity:
            self._keys.popitem(last=False)

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
    password_hash_workers: int | None = Field(
        default=None, gt=0, description="Password hashes computed at once (none: one a core)"
    )
    password_hash_queue: int = Field(
        default=8,
        ge=0,
        description="Sign-ins waiting for a hash slot; beyond them, 503 with Retry-After",
    )

    @property
    def hash_workers(self) -> int:
        return self.password_hash_workers or os.cpu_count() or 1

    @property
    def throttle_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy(
            max_failures_per_user=self.sign_in_max_failures,
            max_failures_per_address=self.sign_in_max_failures_per_address,
            window_s=self.sign_in_window_seconds,
            lockout_s=self.sign_in_lockout_seconds,
        )
