"""Fixtures for the notifier's tests, reusable by end-to-end tests elsewhere:

- `notifier_users`: a users file with agent1 and agent2 (passwords in `PASSWORDS`).
- `start_notifier(**overrides)`: serves `create_app(settings)` on a free 127.0.0.1 port
  against the test's topics and returns a `RunningNotifier` once it consumes events.
- `running_notifier`: the same with default settings.
- `events`: an `EventWriter` onto the test's `ocs.events`.
- `run_js_client(...)` (see tests/notifier/js.py): the official CometD JS client in Node.
"""

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiokafka import AIOKafkaProducer

from agent_access.identity import UserDirectory, hash_password
from agent_access.session import issue_session_token
from devstack.broker import free_port
from notifier.__main__ import server_config
from notifier.app import Notifier, create_app
from notifier.settings import NotifierSettings
from outbound_contracts.codec import encode
from outbound_contracts.events import CommandFailed, RecordsImported, UserEventRaised
from outbound_contracts.topics import TopicNames, user_key
from tests.eventually import eventually

SESSION_SECRET = "notifier-tests-secret"
PASSWORDS = {"agent1": "agent1-password", "agent2": "agent2-password"}
DEVICES = {
    "agent1": "2b00393c-9ad3-418f-8b3d-a06cbe8af395",
    "agent2": "57fc644b-c3b8-4ce8-ad82-d7e15c5f0b33",
}
_STARTUP_S = 30


def session_token(users_file: Path, user_name: str) -> str:
    """A `GWS_SESSION` token of `user_name`, as the gateway issues it at sign-in."""
    account = UserDirectory.load(users_file).get(user_name)
    assert account is not None, user_name
    return issue_session_token(
        user_name,
        SESSION_SECRET,
        now=time.time(),
        ttl_seconds=600,
        password_version=account.password_version,
    )


def basic(user_name: str) -> str:
    token = base64.b64encode(f"{user_name}:{PASSWORDS[user_name]}".encode()).decode()
    return f"Basic {token}"


@dataclass(frozen=True)
class RunningNotifier:
    base_url: str
    settings: NotifierSettings
    notifier: Notifier

    @property
    def url(self) -> str:
        """The CometD endpoint."""
        return self.base_url + self.settings.path


StartNotifier = Callable[..., Awaitable[RunningNotifier]]
Outcome = UserEventRaised | CommandFailed | RecordsImported


@pytest.fixture(scope="session")
def notifier_users(tmp_path_factory: pytest.TempPathFactory) -> Path:
    users = [
        {
            "id": name,
            "userName": name,
            "passwordHash": hash_password(password),
            "features": ["api-voice-outbound"],
            "devices": [{"id": DEVICES[name], "phoneNumber": f"700{name[-1]}"}],
        }
        for name, password in PASSWORDS.items()
    ]
    path = tmp_path_factory.mktemp("notifier") / "users.json"
    path.write_text(json.dumps({"users": users}))
    return path


@pytest.fixture
async def start_notifier(
    kafka_bootstrap: str, topics: TopicNames, notifier_users: Path
) -> AsyncIterator[StartNotifier]:
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start(**overrides: Any) -> RunningNotifier:
        values: dict[str, Any] = {
            "port": free_port(),
            "kafka_bootstrap_servers": kafka_bootstrap,
            "ocs_topic_prefix": topics.events.removesuffix("ocs.events"),
            "users_file": notifier_users,
            "session_secret": SESSION_SECRET,
            "metrics_enabled": True,
            **overrides,
        }
        settings = NotifierSettings(**values)
        app = create_app(settings)
        server = uvicorn.Server(server_config(settings, app))  # as `main` serves it
        task = asyncio.create_task(server.serve())
        servers.append((server, task))
        notifier: Notifier = app.state.notifier
        async with asyncio.timeout(_STARTUP_S):
            await eventually(lambda: server.started, within=_STARTUP_S, every=0.02)
            await notifier.consumer.ready.wait()
            await notifier.revocations.caught_up.wait()
        return RunningNotifier(f"http://127.0.0.1:{settings.port}", settings, notifier)

    yield start
    for server, _ in servers:
        server.should_exit = True
    for _, task in servers:
        async with asyncio.timeout(_STARTUP_S):
            await task


@pytest.fixture
async def running_notifier(start_notifier: StartNotifier) -> RunningNotifier:
    return await start_notifier()


class EventWriter:
    """Writes onto the test's `ocs.events` as the worker would (key = the target user)."""

    def __init__(self, producer: AIOKafkaProducer, topic: str) -> None:
        self._producer = producer
        self._topic = topic

    async def outcomes(self, *events: Outcome) -> None:
        for event in events:
            key = None if isinstance(event, RecordsImported) else user_key(event.user_name)
            await self._producer.send_and_wait(self._topic, encode(event), key=key)

    async def raw(self, value: bytes) -> None:
        await self._producer.send_and_wait(self._topic, value)


@pytest.fixture
async def events(kafka_bootstrap: str, topics: TopicNames) -> AsyncIterator[EventWriter]:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    yield EventWriter(producer, topics.events)
    await producer.stop()
