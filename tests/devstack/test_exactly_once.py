"""Kafka's exactly-once building blocks, as the worker uses them, on the real broker:
a transactional producer commits one batch and aborts another; a `read_committed` consumer
sees only the committed one; the consumer offsets committed inside the transaction stick."""

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from confluent_kafka import Consumer, Producer
from confluent_kafka import TopicPartition as ConfluentPartition

from outbound_contracts.topics import TopicNames

pytestmark = pytest.mark.kafka


async def read_all(bootstrap: str, topic: str, isolation: str, expected: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        isolation_level=isolation,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        async with asyncio.timeout(20):
            while len(values) < expected:
                batch = await consumer.getmany(timeout_ms=200)
                values += [m.value for messages in batch.values() for m in messages if m.value]
        # Nothing more arrives: read once more past the expected count.
        extra = await consumer.getmany(timeout_ms=500)
        values += [m.value for messages in extra.values() for m in messages if m.value]
    finally:
        await consumer.stop()
    return values


async def committed_offset(bootstrap: str, group: str, partition: TopicPartition) -> int | None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        offset: int | None = await consumer.committed(partition)
        return offset
    finally:
        await consumer.stop()


async def test_aiokafka_commits_one_batch_and_aborts_another(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    source = TopicPartition(topics.commands, 0)
    async with AIOKafkaProducer(bootstrap_servers=kafka_bootstrap) as plain:
        for n in range(3):
            await plain.send_and_wait(topics.commands, f"in-{n}".encode(), partition=0)

    group = f"eos-{uuid.uuid4().hex[:8]}"
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap,
        group_id=group,
        isolation_level="read_committed",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    consumer.assign([source])
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap, transactional_id=f"eos-smoke-{uuid.uuid4().hex}"
    )
    await consumer.start()
    await producer.start()
    try:
        fetched = await consumer.getmany(source, timeout_ms=5000)
        inputs = fetched[source]
        assert [m.value for m in inputs] == [b"in-0", b"in-1", b"in-2"]

        async with producer.transaction():
            for message in inputs[:2]:
                await producer.send(
                    topics.events, b"committed:" + (message.value or b""), partition=0
                )
            await producer.send_offsets_to_transaction({source: inputs[1].offset + 1}, group)

        await producer.begin_transaction()
        await producer.send(topics.events, b"aborted:" + (inputs[2].value or b""), partition=0)
        await producer.send_offsets_to_transaction({source: inputs[2].offset + 1}, group)
        await producer.abort_transaction()
    finally:
        await producer.stop()
        await consumer.stop()

    seen = await read_all(kafka_bootstrap, topics.events, "read_committed", expected=2)
    assert seen == [b"committed:in-0", b"committed:in-1"]
    everything = await read_all(kafka_bootstrap, topics.events, "read_uncommitted", expected=3)
    assert b"aborted:in-2" in everything
    assert await committed_offset(kafka_bootstrap, group, source) == 2


def test_confluent_kafka_agrees_on_the_same_flow(kafka_bootstrap: str, topics: TopicNames) -> None:
    """The same flow with librdkafka: a second opinion on the broker's transaction support."""
    group = f"eos-{uuid.uuid4().hex[:8]}"
    plain = Producer({"bootstrap.servers": kafka_bootstrap})
    for n in range(2):
        plain.produce(topics.commands, f"in-{n}".encode(), partition=0)
    assert plain.flush(10) == 0

    consumer = Consumer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": group,
            "isolation.level": "read_committed",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    consumer.assign([ConfluentPartition(topics.commands, 0, 0)])
    inputs = consumer.consume(num_messages=2, timeout=10)
    assert [m.value() for m in inputs] == [b"in-0", b"in-1"]

    producer = Producer(
        {"bootstrap.servers": kafka_bootstrap, "transactional.id": f"eos-{uuid.uuid4().hex}"}
    )
    producer.init_transactions(10)
    producer.begin_transaction()
    producer.produce(topics.events, b"committed:in-0")
    producer.send_offsets_to_transaction(
        [ConfluentPartition(topics.commands, 0, (inputs[0].offset() or 0) + 1)],
        consumer.consumer_group_metadata(),
    )
    producer.commit_transaction(10)
    producer.begin_transaction()
    producer.produce(topics.events, b"aborted:in-1")
    producer.abort_transaction(10)
    consumer.close()

    seen = asyncio.run(read_all(kafka_bootstrap, topics.events, "read_committed", expected=1))
    assert seen == [b"committed:in-0"]
    check = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": group})
    try:
        [position] = check.committed([ConfluentPartition(topics.commands, 0)], timeout=10)
        assert position.offset == 1
    finally:
        check.close()
