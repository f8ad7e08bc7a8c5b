"""The load generator's event loop: uvloop, as the services under test run on. On asyncio's
own loop the generator's Python cost per command (210 µs in round 3) took cores the system
under test needed on this 2-core machine; the e2e benchmark reports what it costs now."""

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")


def run_load(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on a uvloop loop."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)
