"""Provisioning knows the cluster: replication from its size, existing topics checked."""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from devstack.cluster import LocalCluster
from devstack.replication import Replication
from devstack.topics import ReplicationRefused, TopicsMismatch, provision_topics
from outbound_contracts.topics import TopicNames

pytestmark = pytest.mark.kafka


@pytest.fixture
async def admin(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await client.start()
    yield client
    await client.close()


async def create_by_hand(admin: AIOKafkaAdminClient, topic: NewTopic) -> None:
    """As a user would have, long before: created, and described by the broker."""
    await admin.create_topics([topic])
    async with asyncio.timeout(30):
        while not (await admin.describe_topics([topic.name]))[0]["partitions"]:  # noqa: ASYNC110
            await asyncio.sleep(0.1)


def fresh_names() -> TopicNames:
    return TopicNames.with_prefix(f"p{uuid.uuid4().hex[:10]}-")


async def replication_of(admin: AIOKafkaAdminClient, topic: str) -> tuple[int, str]:
    [described] = await admin.describe_topics([topic])
    [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    entries = {entry[0]: entry[1] for entry in response.resources[0][4]}
    factor = min(len(p["replicas"]) for p in described["partitions"])
    return factor, entries["min.insync.replicas"]


async def test_one_broker_gets_one_replica_and_provisioning_twice_changes_nothing(
    kafka_bootstrap: str, admin: AIOKafkaAdminClient
) -> None:
    names = fresh_names()
    for _ in range(2):
        chosen = await provision_topics(
            kafka_bootstrap, names, command_partitions=2, event_partitions=2
        )
        assert chosen == Replication(1, 1)
    assert await replication_of(admin, names.commands) == (1, "1")
    await admin.delete_topics(list(names.all()))


async def test_an_existing_topic_that_differs_is_refused_with_each_difference_named(
    kafka_bootstrap: str, admin: AIOKafkaAdminClient
) -> None:
    names = fresh_names()
    await create_by_hand(admin, NewTopic(names.records_changelog, 3, 1))  # not compacted
    with pytest.raises(TopicsMismatch) as refused:
        await provision_topics(kafka_bootstrap, names, command_partitions=2, event_partitions=2)
    message = str(refused.value)
    assert f"{names.records_changelog}: partitions is 3, the settings provision 2" in message
    assert (
        f"{names.records_changelog}: cleanup.policy is delete, the settings provision compact"
        in message
    )
    assert "DEVSTACK_TOPIC_MISMATCH=warn" in message
    await admin.delete_topics(list(names.all()))


async def test_a_mismatch_the_user_chose_to_keep_is_warned_about(
    kafka_bootstrap: str, admin: AIOKafkaAdminClient, caplog: pytest.LogCaptureFixture
) -> None:
    names = fresh_names()
    await create_by_hand(admin, NewTopic(names.events, 1, 1))
    with caplog.at_level(logging.WARNING, logger="devstack.topics"):
        await provision_topics(
            kafka_bootstrap, names, command_partitions=2, event_partitions=2, on_mismatch="warn"
        )
    assert f"{names.events}: partitions is 1, the settings provision 2" in caplog.text
    assert set(names.all()) <= set(await admin.list_topics())
    await admin.delete_topics(list(names.all()))


async def test_a_replication_the_cluster_cannot_hold_is_refused(kafka_bootstrap: str) -> None:
    with pytest.raises(ReplicationRefused, match="needs 3 brokers; the cluster has 1"):
        await provision_topics(
            kafka_bootstrap,
            fresh_names(),
            command_partitions=1,
            event_partitions=1,
            replication=Replication(3, 2),
        )


@pytest.mark.slow
@pytest.mark.cluster
async def test_three_brokers_get_three_replicas_and_min_isr_two_for_ours_and_kafkas(
    kafka_cluster: LocalCluster,
) -> None:
    names = fresh_names()
    bootstrap = kafka_cluster.bootstrap_servers
    chosen = await provision_topics(bootstrap, names, command_partitions=3, event_partitions=3)
    assert chosen == Replication(3, 2)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        for topic in names.all():
            assert await replication_of(admin, topic) == (3, "2"), topic
        # Kafka's own topics are created on first use, from the brokers' settings.
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, "1")])
        broker = {entry[0]: entry[1] for entry in response.resources[0][4]}
        assert broker["offsets.topic.replication.factor"] == "3"
        assert broker["transaction.state.log.replication.factor"] == "3"
        assert broker["transaction.state.log.min.isr"] == "2"
        assert broker["min.insync.replicas"] == "2"
        # Asked for RF 1 on three brokers, it is done, and said (not silent).
        with pytest.raises(
            TopicsMismatch, match="replication factor is 3, the settings provision 1"
        ):
            await provision_topics(
                bootstrap,
                names,
                command_partitions=3,
                event_partitions=3,
                replication=Replication(1, 1),
            )
        await admin.delete_topics(list(names.all()))
    finally:
        await admin.close()
