import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from devstack.broker import free_port
from gateway.app import create_app
from gateway.publisher import CommandPublisher
from gateway.settings import GatewaySettings
from tests.kafka import REPO

USERS_FILE = REPO / "demo" / "users.json"
VECTORS = REPO / "tests" / "vectors"


def vector(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text())
    return loaded


def basic(user: str, password: str = "password") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def settings(**overrides: Any) -> GatewaySettings:
    fields: dict[str, Any] = {"session_secret": "test-secret", "users_file": USERS_FILE}
    fields.update(overrides)
    return GatewaySettings.model_validate(fields)


@asynccontextmanager
async def running_gateway(
    gateway_settings: GatewaySettings, publisher: CommandPublisher | None = None
) -> AsyncIterator[str]:
    """The gateway served by uvicorn on a free loopback port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(gateway_settings, publisher),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(20):
            while not server.started:
                if serving.done():
                    serving.result()
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving
