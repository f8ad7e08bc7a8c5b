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
    try:
        async with asyncio.timeout(within):
            while True:
                holds = condition()
                if inspect.isawaitable(holds):
                    holds = await holds
                if holds:
                    return
                await asyncio.sleep(every)
    except TimeoutError:
        raise AssertionError(f"not within {within} s: {what or condition}") from None
