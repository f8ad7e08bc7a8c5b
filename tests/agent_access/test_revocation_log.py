"""`ocs.session-revocations` on the real broker: what the writer wrote, a reader started later
reads from the beginning, skipping what has expired; a running reader forgets entries as they
expire."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from agent_access.revocation_log import RevocationReader
from agent_access.session import RevokedSessions
from gateway.background_producer import BackgroundProducer
from gateway.revocation_writer import RevocationWriter
from outbound_contracts.revocations import SessionRevoked
from outbound_contracts.topics import TopicNames
from service_settings.kafka_connection import KafkaConnection
from tests.eventually import eventually

pytestmark = pytest.mark.kafka


def revocations_producer(bootstrap: str, topics: TopicNames) -> BackgroundProducer:
    return BackgroundProducer(
        KafkaConnection(bootstrap),
        topics.session_revocations,
        client_id="gws-gateway-revocations",
        timeout_s=10,
    )


def revocation(token: str, expires: float) -> SessionRevoked:
    return SessionRevoked(token_id=token, user_name="agent1", expires=int(expires), revoked_at_ms=0)


@contextlib.asynccontextmanager
async def reading(reader: RevocationReader) -> AsyncIterator[None]:
    task = asyncio.create_task(reader.run())
    try:
        async with asyncio.timeout(20):
            await reader.caught_up.wait()
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def until_passed(moment: float) -> None:
    await eventually(lambda: time.time() >= moment, within=moment - time.time() + 5)


async def test_a_reader_started_later_holds_the_unexpired_revocations_only(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    producer = revocations_producer(kafka_bootstrap, topics)
    writer = RevocationWriter(producer)
    await producer.start()
    soon = time.time() + 2
    try:
        await writer.write(revocation("short", soon))
        await writer.write(revocation("long", time.time() + 3600))
        await writer.write(revocation("long", time.time() + 3600))  # signed out twice
    finally:
        await producer.stop()
    await until_passed(soon)
    revoked = RevokedSessions()
    heard: list[str] = []
    reader = RevocationReader(
        KafkaConnection(kafka_bootstrap),
        topics.session_revocations,
        revoked,
        on_revoked=lambda entry: heard.append(entry.token_id),
    )
    async with reading(reader):
        assert "long" in revoked
        assert "short" not in revoked
        assert heard == ["long"]


async def test_a_running_reader_forgets_a_revocation_once_its_token_expired(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    revoked = RevokedSessions()
    reader = RevocationReader(
        KafkaConnection(kafka_bootstrap),
        topics.session_revocations,
        revoked,
        drop_expired_every_s=0.1,
    )
    producer = revocations_producer(kafka_bootstrap, topics)
    writer = RevocationWriter(producer)
    await producer.start()
    try:
        async with reading(reader):
            expires = time.time() + 4
            await writer.write(revocation("brief", expires))
            await eventually(lambda: "brief" in revoked, what="the revocation read")
            await eventually(lambda: not len(revoked), what="the revocation expired")
            assert time.time() >= int(expires)
    finally:
        await producer.stop()
