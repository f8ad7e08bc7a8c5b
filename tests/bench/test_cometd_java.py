"""The CometD Java reference server, built by Maven as the fan-out benchmark builds it, serves
the benchmark's channel and message to the benchmark's own load generator on both transports."""

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench.bayeux_client import CHANNEL, Crowd, Deliveries, Endpoint, Transport, reference_id
from bench.cometd_java import ensure_cometd_java
from bench.fanout_bench import PATH, ControlPortInjector, cometd_java_reference
from devstack.broker import free_port
from devstack.children import ChildProcess
from tests.kafka import CACHE_DIR

_SESSIONS = 5


@pytest.fixture(scope="module")
async def cometd_java_ports(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[int, int]]:
    reference = cometd_java_reference(ensure_cometd_java(CACHE_DIR))
    port, control_port = free_port(), free_port()
    logs: Path = tmp_path_factory.mktemp("cometd-java")
    server = await ChildProcess(
        name="cometd-java",
        command=reference.command(port, control_port),
        env=dict(os.environ),
        log_file=logs / "cometd-java.log",
        ready_url=f"http://127.0.0.1:{control_port}/",
    ).start_async()
    try:
        yield port, control_port
    finally:
        server.stop()


@pytest.mark.bench
@pytest.mark.parametrize("transport", ["long-polling", "websocket"])
async def test_every_session_receives_each_publication(
    cometd_java_ports: tuple[int, int], transport: Transport
) -> None:
    port, control_port = cometd_java_ports
    deliveries = Deliveries()
    endpoint = Endpoint("127.0.0.1", port, PATH)
    injector = ControlPortInjector(control_port)
    async with Crowd(endpoint, transport, _SESSIONS, {CHANNEL: deliveries.record}) as crowd:
        assert await crowd.wait_until_holding(30)
        for sequence in (1, 2):
            await injector.publish(reference_id(sequence, time.time_ns()))

        assert await deliveries.wait_for(2 * _SESSIONS, 30)
        assert crowd.failures == []
