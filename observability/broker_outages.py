"""aiokafka's own lines while a broker is away, once per broker and outage instead of every
retry (every ~100 ms per client), and as warnings: a broker restart in a replicated cluster is
routine, and an alert on ERROR must not page for it."""

import logging
import time
from collections.abc import Callable

QUIET_S = 10.0
"""A line repeated with less than this between is the same outage; after a longer quiet, the
next one begins another and is logged again."""

_UNREACHABLE = frozenset(
    {
        'Unable connect to "%s:%s": %s',
        "Unable connect to node with id %s: %s",
        "Unable to update metadata from %s",
        "Failed fetch messages from %s: %s",
        "Failed fetch offsets from %s: %s",
        "FindCoordinator Request failed: %s",
        "Group Coordinator Request failed: %s",
        "Heartbeat send request failed: %s. Will retry.",
    }
)
"""aiokafka's templates (0.14) for a broker it cannot reach: warnings, not errors."""


class OncePerOutage(logging.Filter):
    """On the handler: passes an aiokafka warning or error the first time it is said of a
    broker (its arguments but the last, the error: node id, or host and port), drops repeats
    until it has been quiet for `QUIET_S`, and notes on the next one how many were dropped.
    Other records pass untouched."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._last: dict[tuple[str, str, str], float] = {}
        self._dropped: dict[tuple[str, str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("aiokafka") or record.levelno < logging.WARNING:
            return True
        template = str(record.msg)
        about = _about(record.args)
        key = (record.name, template, about)
        now = self._clock()
        last = self._last.get(key)
        self._last[key] = now
        if last is not None and now - last < QUIET_S:
            self._dropped[key] = self._dropped.get(key, 0) + 1
            return False
        if template in _UNREACHABLE and record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        if dropped := self._dropped.pop(key, 0):
            record.repeats_dropped = dropped
        return True


def _about(args: object) -> str:
    if not isinstance(args, tuple) or not args:
        return ""
    return str(args[:-1] if len(args) > 1 else args)
