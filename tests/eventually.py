"""The one way the tests wait for what nothing announces (a metric, a topic's content, a
process's state, the clock): a bounded wait on a condition, checked every `every` seconds.
Where the code offers an event, the tests await the event instead."""

import asyncio
import inspect
from collections.abc import Awaitable, Callable

Condition = Callable[[], bool | Awaitable[bool]]


async def eventually(
    condition: Condition, *, within: float = 10.0, every: float = 0.05, what: str = ""
) -> None:
    """Returns once `condition()` is true; fails the test when it is not within `within`
    seconds (a condition that hangs counts against the same bound)."""
    if not await holds_within(condition, within=within, every=every):
        raise AssertionError(f"not within {within} s: {what or condition}")


async def holds_within(condition: Condition, *, within: float, every: float = 0.05) -> bool:
    """Whether `condition()` became true within `within` seconds: for a test to which both
    answers are findings (eventually() is the wait that must succeed)."""
    try:
        async with asyncio.timeout(within):
            while True:
                holds = condition()
                if inspect.isawaitable(holds):
                    holds = await holds
                if holds:
                    return True
                await asyncio.sleep(every)
    except TimeoutError:
        return False
