"""Idempotent topic provisioning: create what is missing, leave what exists."""

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import for_code

from outbound_contracts.topics import (
    COMMANDS,
    DEAD_LETTER,
    DEAD_LETTER_PARTITIONS,
    EVENTS,
    RECORDS_CHANGELOG,
    SESSION_REVOCATIONS,
    SESSION_REVOCATIONS_PARTITIONS,
    TOPIC_CONFIGS,
    TopicNames,
)

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
        NewTopic(topics.commands, command_partitions, 1, topic_configs=TOPIC_CONFIGS[COMMANDS]),
        NewTopic(topics.events, event_partitions, 1, topic_configs=TOPIC_CONFIGS[EVENTS]),
        NewTopic(
            topics.records_changelog,
            command_partitions,
            1,
            topic_configs=TOPIC_CONFIGS[RECORDS_CHANGELOG],
        ),
        NewTopic(
            topics.dead_letter,
            DEAD_LETTER_PARTITIONS,
            1,
            topic_configs=TOPIC_CONFIGS[DEAD_LETTER],
        ),
        NewTopic(
            topics.session_revocations,
            SESSION_REVOCATIONS_PARTITIONS,
            1,
            topic_configs=TOPIC_CONFIGS[SESSION_REVOCATIONS],
        ),
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
