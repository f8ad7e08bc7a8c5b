"""An app served by uvicorn in the test's event loop, as the service's `main` configures it;
whether a service is ready."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn

from tests.eventually import eventually


@asynccontextmanager
async def serving(config: uvicorn.Config) -> AsyncIterator[None]:
    """Serves `config` (as the service's `main` builds it) until the block ends."""
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    def started() -> bool:
        if task.done():
            task.result()  # it failed to start: raise why
        return server.started

    try:
        await eventually(started, within=30, every=0.02, what="uvicorn started")
        yield
    finally:
        server.should_exit = True
        await task


async def answers_ready(http: httpx.AsyncClient) -> bool:
    """A condition: the service behind `http` answers `/readyz` with 200 (false while it is
    not listening yet)."""
    try:
        return (await http.get("/readyz")).status_code == 200
    except httpx.TransportError:
        return False
