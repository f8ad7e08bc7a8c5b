"""Real HTTP into the gateway, real Kafka behind it."""

import asyncio

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.partitioner import murmur2

from outbound_contracts.codec import decode_command
from outbound_contracts.commands import CancelRecord, RejectRecord
from outbound_contracts.topics import TopicNames, campaign_key
from tests.conftest import TEST_PARTITIONS
from tests.gateway.conftest import basic, running_gateway, settings, vector

pytestmark = pytest.mark.kafka


async def commands_on(
    bootstrap: str, topic: str, expected: int
) -> list[tuple[int, bytes | None, bytes | None]]:
    """(partition, key, value) of every message, reading a little past the expected count."""
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


def partition_for(key: bytes) -> int:
    hashed: int = murmur2(key)
    return (hashed & 0x7FFFFFFF) % TEST_PARTITIONS


@pytest.mark.parametrize(
    ("name", "user", "kind"),
    [("reject-record", "agent1", RejectRecord), ("cancel-record", "agent2", CancelRecord)],
)
async def test_a_vector_request_lands_once_on_its_campaign_partition(
    kafka_bootstrap: str, topics: TopicNames, name: str, user: str, kind: type
) -> None:
    request = vector(name)["request"]
    gateway = settings(
        kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topics.commands.split("ocs.")[0]
    )
    async with running_gateway(gateway) as base_url, httpx.AsyncClient() as http:
        response = await http.post(
            base_url + request["path"], json=request["body"], headers=basic(user)
        )
    assert response.status_code == vector(name)["response"]["status"]
    assert response.json() == vector(name)["response"]["body"]

    [(partition, key, value)] = await commands_on(kafka_bootstrap, topics.commands, expected=1)
    assert key == campaign_key(134, "Campaign1")
    assert partition == partition_for(key)
    command = decode_command(value)
    assert isinstance(command, RejectRecord | CancelRecord)
    assert isinstance(command, kind)
    assert command.user_name == user
    assert command.reference_id == "123456789"


async def test_refused_requests_publish_nothing(kafka_bootstrap: str, topics: TopicNames) -> None:
    request = vector("reject-record")["request"]
    gateway = settings(
        kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topics.commands.split("ocs.")[0]
    )
    async with running_gateway(gateway) as base_url, httpx.AsyncClient() as http:
        url = base_url + request["path"]
        refused = [
            await http.post(url, json=request["body"]),
            await http.post(url, json=request["body"], headers=basic("agent3")),
            await http.post(
                url, json={**request["body"], "applicationId": "x"}, headers=basic("agent1")
            ),
            await http.post(url, json=request["body"], headers=basic("agent2")),
        ]
    assert [r.status_code for r in refused] == [401, 403, 400, 404]
    assert await commands_on(kafka_bootstrap, topics.commands, expected=0) == []
