"""Helpers for end-to-end tests that need a worker: in-process or as a real process.

- `worker_settings(bootstrap, topics, **overrides)`: settings for the test's topics, own group.
- `running_worker(settings)`: an in-process `OcsWorker` serving until the block ends;
  `InProcessWorker(settings)` when the test decides when it stops.
- `worker_process(settings)`: `python -m ocs_worker` as a subprocess (SIGKILL-able).
- `send_commands(bootstrap, topics, commands)`: commands keyed by campaign, acks=all.
- `read_topic(bootstrap, topic, expected)`: every value of a topic, read_committed by default.
"""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from devstack.broker import free_port
from ocs_worker.service import OcsWorker
from ocs_worker.settings import WorkerSettings
from outbound_contracts.codec import encode
from outbound_contracts.commands import Command
from outbound_contracts.topics import TopicNames


def worker_settings(bootstrap: str, topics: TopicNames, **overrides: object) -> WorkerSettings:
    prefix = topics.commands.removesuffix("ocs.commands")
    return WorkerSettings.model_validate(
        {
            "kafka_bootstrap_servers": bootstrap,
            "ocs_topic_prefix": prefix,
            "group_id": f"ocs-worker-{uuid.uuid4().hex[:8]}",
            "http_port": free_port(),  # never the default's 8082, which another run may hold
            **overrides,
        }
    )


class InProcessWorker:
    """An `OcsWorker` served in a task of the test's event loop, its status listener on a
    port of its own (`status_url`), so several may run at once on the same settings."""

    def __init__(self, settings: WorkerSettings) -> None:
        settings = settings.model_copy(update={"http_port": free_port()})
        self.status_url = f"http://127.0.0.1:{settings.http_port}"
        self.worker = OcsWorker(settings)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.worker.run(self._stop))

    async def stop(self) -> None:
        self._stop.set()
        async with asyncio.timeout(30):
            await self._task


@asynccontextmanager
async def running_worker(settings: WorkerSettings) -> AsyncIterator[OcsWorker]:
    serving = InProcessWorker(settings)
    try:
        yield serving.worker
    finally:
        await serving.stop()


@contextmanager
def worker_process(settings: WorkerSettings) -> Iterator["subprocess.Popen[bytes]"]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "OCS_TOPIC_PREFIX": settings.ocs_topic_prefix,
        "WORKER_GROUP_ID": settings.group_id,
        "WORKER_BATCH_MAX_COMMANDS": str(settings.batch_max_commands),
        "WORKER_SESSION_TIMEOUT_MS": str(settings.session_timeout_ms),
        "WORKER_HEARTBEAT_INTERVAL_MS": str(settings.heartbeat_interval_ms),
        "WORKER_HTTP_PORT": str(free_port()),
    }
    process = subprocess.Popen([sys.executable, "-m", "ocs_worker"], env=env)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def send_commands(bootstrap: str, topics: TopicNames, commands: Sequence[Command]) -> None:
    async with AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all") as producer:
        sends = [
            await producer.send(topics.commands, encode(command), command.partition_key)
            for command in commands
        ]
        await asyncio.gather(*sends)


async def read_topic(
    bootstrap: str,
    topic: str,
    expected: int,
    *,
    isolation: str = "read_committed",
    settle_ms: int = 500,
    within_seconds: float = 60,
) -> list[bytes]:
    """Reads until `expected` values arrived, then once more to show that nothing else does."""
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
        async with asyncio.timeout(within_seconds):
            while len(values) < expected:
                batch = await consumer.getmany(timeout_ms=200)
                values += [m.value for ms in batch.values() for m in ms if m.value is not None]
        extra = await consumer.getmany(timeout_ms=settle_ms)
        values += [m.value for ms in extra.values() for m in ms if m.value is not None]
    finally:
        await consumer.stop()
    return values
