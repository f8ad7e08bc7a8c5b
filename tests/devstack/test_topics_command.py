"""`python -m devstack topics` creates the topics the services will use, prefix included."""

import asyncio
import os
import sys
import uuid
from asyncio.subprocess import PIPE

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from outbound_contracts.topics import TopicNames
from tests.kafka import REPO

pytestmark = pytest.mark.kafka


async def test_the_topics_command_creates_the_prefixed_topics_the_services_read(
    kafka_bootstrap: str,
) -> None:
    prefix = f"p{uuid.uuid4().hex[:8]}-"
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "OCS_TOPIC_PREFIX": prefix}
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "devstack", "topics",
        cwd=REPO, env=env, stdout=PIPE, stderr=PIPE,
    )  # fmt: skip
    stdout, stderr = await command.communicate()
    assert command.returncode == 0, stderr.decode()
    names = TopicNames.with_prefix(prefix).all()
    assert stdout.decode().strip() == (
        f"topics ready: {', '.join(names)} (replication factor 1, min ISR 1)"
    )
    expected = set(names)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        assert expected <= existing
        await admin.delete_topics(sorted(expected))
    finally:
        await admin.close()
