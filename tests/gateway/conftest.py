"""Reusable pieces for gateway tests, and for end-to-end tests that need a gateway:
`settings(...)`, `running_gateway(...)`, `basic(user)`, `vector(name)`, `read_commands(...)`;
the fixtures `client` and `published` (a gateway per test), or `shared_client` and
`shared_published` (one per module, for a module that binds them to those names)."""

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.partitioner import murmur2

from devstack.broker import free_port
from gateway.app import create_app
from gateway.kafka import CommandPublisher, InMemoryPublisher
from gateway.parameters import Receipt
from gateway.record_requests import HELD_RECORD_OPERATIONS
from gateway.settings import GatewaySettings
from outbound_contracts.commands import AgentCommand
from outbound_contracts.topics import TopicNames
from tests.conftest import TEST_PARTITIONS
from tests.kafka import REPO
from tests.serving import serving

USERS_FILE = REPO / "demo" / "users.json"
VECTORS = REPO / "tests" / "vectors"
AGENT1_DEVICE = "/devices/2b00393c-9ad3-418f-8b3d-a06cbe8af395"
AGENT2_DEVICE = "/devices/57fc644b-c3b8-4ce8-ad82-d7e15c5f0b33"
AGENT4_DEVICE = "/devices/d4e5f6a7-1b2c-4d3e-9f40-6a7b8c9d0e14"
"""agent4 of the demo may work Campaign1 only."""


def vector(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text())
    return loaded


def basic(user: str, password: str = "password") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def held_record_command(
    handle: str, body: dict[str, Any], *, user_name: str, received_at_ns: int
) -> AgentCommand:
    """The command the gateway builds from `body` posted to `/outbound-records/{handle}`."""
    request = HELD_RECORD_OPERATIONS.model_for(body["operationName"]).parse(body)
    return request.command(Receipt(user_name, received_at_ns), {"recordHandle": handle})


def settings(**overrides: Any) -> GatewaySettings:
    """Gateway settings for tests: the demo users, a fixed secret, then `overrides`."""
    fields: dict[str, Any] = {"session_secret": "test-secret", "users_file": USERS_FILE}
    fields.update(overrides)
    return GatewaySettings.model_validate(fields)


def kafka_settings(bootstrap: str, topics: TopicNames, **overrides: Any) -> GatewaySettings:
    """Settings of a gateway that publishes to `topics` on the broker at `bootstrap`."""
    prefix = topics.commands.removesuffix("ocs.commands")
    return settings(kafka_bootstrap_servers=bootstrap, ocs_topic_prefix=prefix, **overrides)


@asynccontextmanager
async def running_gateway(
    gateway_settings: GatewaySettings, publisher: CommandPublisher | None = None
) -> AsyncIterator[str]:
    """The gateway served by uvicorn on a free loopback port; yields its base URL."""
    port = free_port()
    app = create_app(gateway_settings, publisher)
    async with serving(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")):
        yield f"http://127.0.0.1:{port}"


async def read_commands(
    bootstrap: str, topic: str, expected: int
) -> list[tuple[int, bytes | None, bytes | None]]:
    """(partition, key, value) of every message on `topic`: waits (bounded) for `expected`,
    then reads a little longer so that an unexpected extra one is seen too."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    consumer.assign([TopicPartition(topic, p) for p in range(TEST_PARTITIONS)])
    await consumer.start()
    found: list[tuple[int, bytes | None, bytes | None]] = []
    try:
        async with asyncio.timeout(15):
            while len(found) < expected:
                batch = await consumer.getmany(timeout_ms=200)
                found += [(m.partition, m.key, m.value) for ms in batch.values() for m in ms]
        extra = await consumer.getmany(timeout_ms=700)
        found += [(m.partition, m.key, m.value) for ms in extra.values() for m in ms]
    finally:
        await consumer.stop()
    return found


def default_partition(key: bytes, partitions: int = TEST_PARTITIONS) -> int:
    """The partition Kafka's default partitioner picks for `key` (murmur2, positive)."""
    hashed: int = murmur2(key)
    return (hashed & 0x7FFFFFFF) % partitions


@pytest.fixture
def published() -> InMemoryPublisher:
    return InMemoryPublisher()


@pytest.fixture
async def client(published: InMemoryPublisher) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of a gateway (default settings) whose commands go to `published`."""
    async with (
        running_gateway(settings(), publisher=published) as base_url,
        # As a page of the gateway's own origin: a browser sends Origin with every POST.
        httpx.AsyncClient(base_url=base_url, headers={"Origin": base_url}) as http,
    ):
        yield http


@pytest.fixture(scope="module")
async def module_gateway() -> AsyncIterator[tuple[httpx.AsyncClient, InMemoryPublisher]]:
    """One gateway (default settings) for a module whose tests share it: starting one per test
    was most of their time."""
    publisher = InMemoryPublisher()
    async with (
        running_gateway(settings(), publisher=publisher) as base_url,
        # As a page of the gateway's own origin: a browser sends Origin with every POST.
        httpx.AsyncClient(base_url=base_url, headers={"Origin": base_url}) as http,
    ):
        yield http, publisher


@pytest.fixture
def shared_published(
    module_gateway: tuple[httpx.AsyncClient, InMemoryPublisher],
) -> InMemoryPublisher:
    """The module gateway's publisher, emptied for this test."""
    publisher = module_gateway[1]
    publisher.published.clear()
    return publisher


@pytest.fixture
def shared_client(
    module_gateway: tuple[httpx.AsyncClient, InMemoryPublisher],
    shared_published: InMemoryPublisher,
) -> httpx.AsyncClient:
    """The module gateway's client, without the cookies of an earlier test."""
    http = module_gateway[0]
    http.cookies.clear()
    return http
