"""examples/events_consumer.py, as another team would run it, on the real broker: it prints
committed outcomes only, refuses what its published schema refuses, commits in its own group,
and imports nothing of ours."""

import ast
import asyncio
import sys
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from outbound_contracts.asyncapi import DOCUMENT
from outbound_contracts.codec import encode
from outbound_contracts.events import CommandFailed, RecordsImported, UserEventRaised
from outbound_contracts.topics import TopicNames, user_key
from tests.kafka import REPO

pytestmark = pytest.mark.kafka

EXAMPLE = REPO / "examples" / "events_consumer.py"
OUR_PACKAGES = {
    "outbound_contracts",
    "agent_access",
    "observability",
    "gateway",
    "ocs_worker",
    "notifier",
    "devstack",
}


def outcome(kind: type[UserEventRaised | CommandFailed], **fields: object) -> bytes:
    common = {
        "command_id": uuid.uuid4().hex,
        "user_name": "agent1",
        "device_id": "d1",
        "received_at_ns": 1,
        "processing_ns": 2,
        "message_type": "OutboundRecordMessage",
        "subject": {"recordHandle": 9},
        "user_data": {"GSW_RECORD_HANDLE": 9},
    }
    return encode(kind.model_validate({**common, **fields}))


def test_the_example_imports_nothing_of_ours() -> None:
    tree = ast.parse(EXAMPLE.read_text())
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
    }
    assert imported & OUR_PACKAGES == set()


async def test_it_prints_committed_outcomes_and_skips_invalid_ones(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    rejected = outcome(UserEventRaised, notification_type="RecordRejectAcknowledged")
    failed = outcome(CommandFailed, error_code=104, error_message="Campaign not found")
    imported = encode(
        RecordsImported(command_id="c", application_id=134, campaign_name="Campaign1", imported=3)
    )
    aborted = outcome(UserEventRaised, notification_type="FromAnAbortedTransaction")
    invalid = b'{"type": "UserEventRaised", "user_name": "agent1"}'
    async with AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap, transactional_id=f"example-{uuid.uuid4().hex}"
    ) as producer:
        await producer.begin_transaction()
        await (await producer.send(topics.events, aborted, user_key("agent1")))
        await producer.abort_transaction()
        async with producer.transaction():
            for value in (rejected, invalid, failed, imported):
                await producer.send(topics.events, value, user_key("agent1"))
    group = f"reporting-{uuid.uuid4().hex[:8]}"
    example = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLE),
        "--bootstrap-servers", kafka_bootstrap, "--group", group, "--topic", topics.events,
        "--contract", str(DOCUMENT), "--max-messages", "4",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(example.communicate(), timeout=60)
    assert example.returncode == 0, stderr.decode()
    printed = stdout.decode().splitlines()
    assert len(printed) == 3, printed
    assert printed[0].startswith("UserEventRaised user=agent1 command=")
    assert printed[0].endswith("notification=RecordRejectAcknowledged")
    assert printed[1].endswith("error=104 'Campaign not found'")
    assert printed[2] == "RecordsImported 134:Campaign1 imported=3 rejected=0"
    assert "FromAnAbortedTransaction" not in stdout.decode()
    assert "invalid UserEventRaised" in stderr.decode()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    assert sum(offset.offset for offset in committed.values()) > 0
