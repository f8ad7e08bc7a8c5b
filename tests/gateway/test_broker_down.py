"""Durability's other half: no broker, no 200, and the answer comes within the bound."""

import asyncio
import time
from functools import partial

import httpx
import pytest

from devstack.broker import LocalBroker, free_port
from devstack.topics import provision_topics
from outbound_contracts.topics import TopicNames
from tests.eventually import eventually
from tests.gateway.conftest import basic, running_gateway, settings, vector
from tests.gateway.test_sign_out import SIGN_OUT

pytestmark = pytest.mark.kafka


async def test_a_stopped_broker_is_503_4_within_the_bound(own_broker: LocalBroker) -> None:
    await provision_topics(
        own_broker.bootstrap_servers, TopicNames(), command_partitions=1, event_partitions=1
    )
    request = vector("reject-record")["request"]
    bound = 2.0
    gateway = settings(
        kafka_bootstrap_servers=own_broker.bootstrap_servers, publish_timeout_seconds=bound
    )
    async with (
        running_gateway(gateway) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=30) as http,
    ):
        url = base_url + request["path"]
        # Ready once the producer has the partition's leader: seconds on a loaded machine.
        await eventually(partial(ready, http), within=30, every=0.1)
        first = await http.post(url, json=request["body"], headers=basic("agent1"))
        assert first.json() == {"statusCode": 0}
        own_broker.stop()
        began = time.monotonic()
        refused = await http.post(url, json=request["body"], headers=basic("agent1"))
        elapsed = time.monotonic() - began
        began = time.monotonic()
        readiness = await http.get(base_url + "/readyz")
        readiness_elapsed = time.monotonic() - began
        began = time.monotonic()
    stopping_elapsed = time.monotonic() - began
    assert (readiness.status_code, readiness_elapsed < bound + 1.0) == (503, True)
    assert stopping_elapsed < bound + 2.0  # shutdown does not wait for the lost broker
    assert refused.status_code == 503
    assert refused.json()["statusCode"] == 4
    assert set(refused.json()) == {"statusCode", "statusMessage"}
    assert elapsed < bound + 1.0


async def test_a_broker_absent_at_start_leaves_the_gateway_serving_and_refusing() -> None:
    """Nothing listens on the bootstrap port: the gateway starts anyway, within the bound, is
    not ready, and refuses commands at once instead of letting them wait for a broker."""
    request = vector("reject-record")["request"]
    bound = 1.0
    gateway = settings(
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}", publish_timeout_seconds=bound
    )
    began = time.monotonic()
    async with running_gateway(gateway) as base_url, httpx.AsyncClient(timeout=30) as http:
        started_within = time.monotonic() - began
        assert (await http.get(base_url + "/healthz")).status_code == 200
        assert (await http.get(base_url + "/readyz")).status_code == 503
        began = time.monotonic()
        refused = await http.post(
            base_url + request["path"], json=request["body"], headers=basic("agent1")
        )
        refused_within = time.monotonic() - began
    assert started_within < bound + 2.0
    assert (refused.status_code, refused.json()["statusCode"]) == (503, 4)
    assert "not connected" in refused.json()["statusMessage"]
    assert refused_within < 0.5


async def ready(http: httpx.AsyncClient) -> bool:
    return (await http.get("/readyz")).status_code == 200


async def test_a_broker_that_comes_up_after_the_gateway_is_connected_to_in_the_background(
    own_broker: LocalBroker,
) -> None:
    """The broker is away when the gateway starts and comes up later: both producers (commands
    and revocations) connect in the background, and the gateway, which refused commands and
    sign-outs until then, turns ready and accepts them without a restart."""
    await provision_topics(
        own_broker.bootstrap_servers, TopicNames(), command_partitions=1, event_partitions=1
    )
    own_broker.stop()
    request = vector("reject-record")["request"]
    gateway = settings(
        kafka_bootstrap_servers=own_broker.bootstrap_servers, publish_timeout_seconds=1.0
    )
    async with (
        running_gateway(gateway) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=30, headers={"Origin": base_url}) as http,
    ):
        assert (await http.get("/api/v2/me", headers=basic("agent1"))).status_code == 200
        command = partial(http.post, request["path"], json=request["body"], headers=basic("agent1"))
        refused_command = await command()
        refused_sign_out = await http.post("/api/v2/me", json=SIGN_OUT)
        assert (await http.get("/readyz")).status_code == 503

        # Started from the loop's executor, as in the broker-stop drill: its threads outlive
        # the broker (the JVM's parent-death signal follows the starting thread).
        await asyncio.to_thread(own_broker.start)
        await eventually(partial(ready, http), within=60, every=0.2)
        accepted_command = await command()
        accepted_sign_out = await http.post("/api/v2/me", json=SIGN_OUT)
    assert (refused_command.status_code, refused_command.json()["statusCode"]) == (503, 4)
    assert (refused_sign_out.status_code, refused_sign_out.json()["statusCode"]) == (503, 4)
    assert accepted_command.json() == {"statusCode": 0}
    assert (accepted_sign_out.status_code, accepted_sign_out.json()) == (200, {"statusCode": 0})
