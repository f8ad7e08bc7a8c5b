"""The open loop's accounting: the n-th command of a step is due n / rate after the step's
start, whatever became of the earlier ones. A command that finds no free connection at its due
time is not sent but counted as "could not send": a poster that waited for a connection would
close the loop, and the rate it reached would be connections / latency, the load generator's
limit and not the system's (docs/performance-history.md, round 3)."""

from dataclasses import dataclass

LATE_S = 0.010
"""A command sent this long after its due time counts as sent late (the generator's own lag)."""


@dataclass(slots=True)
class OpenLoop:
    """`count` commands at `rate` per second: when each is due, and what became of it."""

    rate: float
    count: int
    sent: int = 0
    unsent: int = 0
    """Due while every connection was busy: not sent, and the step not sustained."""
    late: int = 0
    """Sent more than `LATE_S` after their due time, the generator's loop being behind."""
    most_late_s: float = 0.0

    def due_s(self, index: int) -> float:
        """Seconds after the step's start at which command `index` (from 0) is due."""
        return index / self.rate

    def record(self, *, due_s: float, at_s: float, connection_free: bool) -> bool:
        """Accounts for one command due at `due_s` and handled at `at_s` (seconds after the
        start); returns whether to send it."""
        if not connection_free:
            self.unsent += 1
            return False
        self.sent += 1
        lag = at_s - due_s
        if lag > LATE_S:
            self.late += 1
        self.most_late_s = max(self.most_late_s, lag)
        return True

    @property
    def on_time(self) -> bool:
        """Every command due was sent: the step measured the system, not the generator."""
        return self.unsent == 0 and self.sent == self.count
