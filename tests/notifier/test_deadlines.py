"""`Deadlines`: many held connects' timeouts on one event-loop timer."""

import asyncio

from notifier.deadlines import Deadlines


class Due:
    def __init__(self) -> None:
        self.keys: list[str] = []
        self.at: dict[str, float] = {}
        self.changed = asyncio.Event()

    def __call__(self, key: str) -> None:
        self.keys.append(key)
        self.at[key] = asyncio.get_running_loop().time()
        self.changed.set()

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.keys) < count:
                self.changed.clear()
                await self.changed.wait()


async def test_a_key_is_due_once_its_delay_has_passed_never_before() -> None:
    due = Due()
    deadlines = Deadlines(due)
    added_at = asyncio.get_running_loop().time()
    deadlines.add("a", 0.05)
    await due.wait_for(1)
    assert due.keys == ["a"]
    assert due.at["a"] - added_at >= 0.05


async def test_keys_are_due_in_deadline_order_whatever_order_they_were_added() -> None:
    due = Due()
    deadlines = Deadlines(due)
    deadlines.add("late", 0.2)
    deadlines.add("early", 0.02)
    deadlines.add("middle", 0.1)
    await due.wait_for(3)
    assert due.keys == ["early", "middle", "late"]


async def test_a_discarded_key_is_never_due() -> None:
    due = Due()
    deadlines = Deadlines(due)
    slot = deadlines.add("discarded", 0.02)
    deadlines.add("kept", 0.1)
    deadlines.discard("discarded", slot)
    await due.wait_for(1)
    assert due.keys == ["kept"]


async def test_keys_sharing_a_slot_are_all_due() -> None:
    due = Due()
    deadlines = Deadlines(due, resolution_s=0.5)
    first = deadlines.add("a", 0.001)
    second = deadlines.add("b", 0.001)
    assert first == second
    deadlines.discard("a", first)
    await due.wait_for(1)
    assert due.keys == ["b"]
