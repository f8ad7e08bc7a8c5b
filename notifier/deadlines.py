"""When held connects time out: one event-loop timer for all of them.

A timer per held connect (`loop.call_later`) costs ~0.5 KiB under uvloop, which keeps a libuv
timer for each (docs/performance-history.md, round 2). Here deadlines fall into slots of
`resolution_s` (a deadline is rounded up, so nothing is due early), each slot a set, and one
timer waits for the earliest slot.
"""

import asyncio
import heapq
import math
from collections.abc import Callable
from typing import Generic, TypeVar

Key = TypeVar("Key")

RESOLUTION_S = 0.01


class Deadlines(Generic[Key]):
    def __init__(self, on_due: Callable[[Key], None], resolution_s: float = RESOLUTION_S) -> None:
        self._on_due = on_due
        self._resolution_s = resolution_s
        self._slots: dict[int, set[Key]] = {}
        self._order: list[int] = []
        """Slot numbers, earliest first (a heap); a slot emptied early stays until due."""
        self._timer: asyncio.TimerHandle | None = None
        self._timer_slot: int | None = None

    def add(self, key: Key, delay_s: float) -> int:
        """`on_due(key)` once `delay_s` has passed, unless discarded; returns the slot that
        `discard` needs."""
        loop = asyncio.get_running_loop()
        slot = math.ceil((loop.time() + delay_s) / self._resolution_s)
        keys = self._slots.get(slot)
        if keys is None:
            keys = self._slots[slot] = set()
            heapq.heappush(self._order, slot)
        keys.add(key)
        if self._timer_slot is None or slot < self._timer_slot:
            self._schedule(loop, slot)
        return slot

    def discard(self, key: Key, slot: int) -> None:
        keys = self._slots.get(slot)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._slots[slot]

    def _schedule(self, loop: asyncio.AbstractEventLoop, slot: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_slot = slot
        self._timer = loop.call_at(slot * self._resolution_s, self._fire, loop)

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = self._timer_slot = None
        now = loop.time()
        while self._order and self._order[0] * self._resolution_s <= now:
            for key in self._slots.pop(heapq.heappop(self._order), ()):
                self._on_due(key)
        while self._order and self._order[0] not in self._slots:
            heapq.heappop(self._order)
        if self._order:
            self._schedule(loop, self._order[0])
