"""Idempotent topic provisioning: create what is missing, leave what exists."""

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import for_code

from outbound_contracts.topics import TopicNames

_TOPIC_ALREADY_EXISTS = 36


async def provision_topics(
    bootstrap_servers: str,
    topics: TopicNames,
    *,
    command_partitions: int,
    event_partitions: int,
) -> None:
    """Commands and changelog share a partition count: changelog partition N is the state of
    command partition N."""
    wanted = [
        # The broker's append time is what the gateway and the worker check a command's
        # `accept_by_ns` against: one clock, one verdict (docs/decisions.md).
        NewTopic(
            topics.commands,
            command_partitions,
            1,
            topic_configs={"message.timestamp.type": "LogAppendTime"},
        ),
        NewTopic(topics.events, event_partitions, 1),
        NewTopic(
            topics.records_changelog,
            command_partitions,
            1,
            topic_configs={"cleanup.policy": "compact", "min.compaction.lag.ms": "0"},
        ),
        NewTopic(topics.dead_letter, 1, 1, topic_configs={"retention.ms": "-1"}),
    ]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [topic for topic in wanted if topic.name not in existing]
        if missing:
            response = await admin.create_topics(missing)
            for name, error_code, *_ in response.topic_errors:
                # Already-exists means another provisioner won the race: the topic is there.
                if error_code not in (0, _TOPIC_ALREADY_EXISTS):
                    raise for_code(error_code)(f"creating topic {name}")
    finally:
        await admin.close()
