"""When a partition's committed end was where: the worker's own evidence that a command was
committed after the gateway answered it 503 (`outbound_contracts.deadline`)."""

import bisect


class CommitClock:
    """Observations of one partition's committed end (its high watermark: every record below
    it is on every in-sync replica) and the latest time each was seen. Ends only grow: a lower
    one (a new leader whose high watermark lags a moment) is ignored rather than taken for a
    record not yet committed."""

    def __init__(self) -> None:
        self._ends: list[int] = []
        self._seen_at_ms: list[int] = []

    def observe(self, end: int | None, at_ms: int | None) -> None:
        if end is None or at_ms is None:
            return
        if self._ends and end < self._ends[-1]:
            return
        if self._ends and end == self._ends[-1]:
            self._seen_at_ms[-1] = max(self._seen_at_ms[-1], at_ms)
            return
        self._ends.append(end)
        self._seen_at_ms.append(at_ms)

    def uncommitted_at(self, offset: int) -> int | None:
        """The latest time the record at `offset` was seen not yet committed, if ever."""
        index = bisect.bisect_right(self._ends, offset) - 1
        return self._seen_at_ms[index] if index >= 0 else None

    def forget_before(self, offset: int) -> None:
        """Drops what no record at `offset` or later needs (all but the last end <= offset)."""
        keep_from = max(0, bisect.bisect_right(self._ends, offset) - 1)
        del self._ends[:keep_from], self._seen_at_ms[:keep_from]
