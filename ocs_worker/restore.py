"""Rebuilding the state of newly owned partitions from `ocs.records-changelog`."""

import logging

from aiokafka import AIOKafkaConsumer, TopicPartition

from ocs_worker.state import PartitionState
from outbound_contracts.changelog import decode_change
from service_settings.kafka_connection import KafkaConnection

log = logging.getLogger(__name__)


async def restore(
    kafka: KafkaConnection, changelog: str, partitions: list[int]
) -> dict[int, PartitionState]:
    """Reads each changelog partition from its beginning to its last stable offset.

    The caller has already started the partition's transactional producer, which fenced any
    previous owner and so ended its open transaction: the last stable offset is the end.
    """
    states = {partition: PartitionState() for partition in partitions}
    if not partitions:
        return states
    consumer = AIOKafkaConsumer(
        **kafka.client_kwargs(),
        isolation_level="read_committed",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        assigned = [TopicPartition(changelog, partition) for partition in partitions]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends: dict[TopicPartition, int] = await consumer.end_offsets(assigned)
        pending = {tp for tp in assigned if await consumer.position(tp) < ends[tp]}
        entries = 0
        while pending:
            fetched = await consumer.getmany(*pending, timeout_ms=500)
            for tp, messages in fetched.items():
                state = states[tp.partition]
                for message in messages:
                    if message.offset < ends[tp] and message.value is not None:
                        state.with_change(decode_change(message.value))
                        entries += 1
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
        log.info("restored partitions %s from %d changelog entries", partitions, entries)
    finally:
        await consumer.stop()
    return states
