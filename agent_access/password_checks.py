"""Password hashes at most a few at a time: a burst of guesses (each ~50 ms of a core) cannot
take the processor from the agents at work; past a short queue a sign-in is refused at once,
without a hash, and told to retry."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

RETRY_AFTER_S = 1


class PasswordChecksBusy(Exception):
    """Every hashing slot and queue place is taken: the password was not checked."""

    def __init__(self) -> None:
        super().__init__(f"too many passwords being checked, retry after {RETRY_AFTER_S} s")
        self.retry_after_s = RETRY_AFTER_S


class PasswordCheckSlots:
    """`workers` checks run at once (one a core), `queue` more wait for a slot."""

    def __init__(self, *, workers: int, queue: int) -> None:
        self._running = asyncio.Semaphore(workers)
        self._admitted = 0
        self._capacity = workers + queue

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Held while one password is checked; raises `PasswordChecksBusy` when full."""
        if self._admitted >= self._capacity:
            raise PasswordChecksBusy
        self._admitted += 1
        try:
            async with self._running:
                yield
        finally:
            self._admitted -= 1
