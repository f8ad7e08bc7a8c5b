"""The tests' one bounded wait."""

import asyncio

import pytest

from tests.eventually import eventually, holds_within


async def test_it_returns_once_the_condition_holds() -> None:
    checks: list[int] = []

    def third_time() -> bool:
        checks.append(1)
        return len(checks) == 3

    await eventually(third_time, every=0.001)
    assert len(checks) == 3


async def test_it_awaits_a_condition_that_is_a_coroutine() -> None:
    flag = asyncio.Event()
    asyncio.get_running_loop().call_later(0.01, flag.set)

    async def is_set() -> bool:
        return flag.is_set()

    await eventually(is_set, every=0.001)
    assert flag.is_set()


async def test_a_condition_that_never_holds_fails_the_test_naming_it() -> None:
    with pytest.raises(AssertionError, match=r"not within 0.05 s: the sky fell"):
        await eventually(lambda: False, within=0.05, every=0.01, what="the sky fell")


async def test_a_condition_that_hangs_counts_against_the_bound() -> None:
    async def hangs() -> bool:
        await asyncio.Event().wait()
        return True

    with pytest.raises(AssertionError, match="not within"):
        await eventually(hangs, within=0.05)


async def test_holds_within_answers_either_way() -> None:
    assert await holds_within(lambda: True, within=0.05)
    assert not await holds_within(lambda: False, within=0.05, every=0.01)
