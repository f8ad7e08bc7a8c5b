"""Sign-outs of one user, a few a minute: each adds an entry to every gateway's and notifier's
deny list until its token would have expired, so sign-in and sign-out in a loop must not grow
them without bound (the deny list's own bound fails closed: `RevokedSessions`)."""

import math
import time
from collections import deque
from collections.abc import Callable

_WINDOW_S = 60.0


class SignOutRate:
    """At most `per_minute` sign-outs of one user in any minute. One entry a user of the
    users file (the caller is authenticated), so memory is bounded by the users."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._recent: dict[str, deque[float]] = {}

    def take(self, user_name: str) -> int | None:
        """Count a sign-out of the user: None when it may go ahead, else whole seconds to wait."""
        now = self._clock()
        times = self._recent.setdefault(user_name, deque())
        while times and times[0] <= now - _WINDOW_S:
            times.popleft()
        if len(times) >= self._per_minute:
            return max(1, math.ceil(times[0] + _WINDOW_S - now))
        times.append(now)
        return None
