"""The worker's small HTTP listener: `/metrics`, `/healthz`, `/readyz`; nothing else.

Served by uvicorn in the worker's own event loop, started and stopped with the worker."""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ocs_worker.metrics import WorkerMetrics


def status_app(metrics: WorkerMetrics, ready: Callable[[], bool]) -> Starlette:
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        if ready():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "not ready: not a member of the consumer group"}, 503)

    async def prometheus(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", prometheus),
        ]
    )


@asynccontextmanager
async def serving(app: Starlette, host: str, port: int) -> AsyncIterator[None]:
    """Serves `app` on host:port for the duration of the block; an address that cannot be
    bound raises OSError here, before the worker joins its group."""
    listening = socket.create_server((host, port), reuse_port=False)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
    # The worker's own handlers stop it on SIGTERM/SIGINT, and then this listener.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(server.serve(sockets=[listening]), name="worker-http")
    try:
        yield
    finally:
        server.should_exit = True
        await task
        listening.close()
