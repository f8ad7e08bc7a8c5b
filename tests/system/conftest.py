"""The whole system as a user runs it: gateway, ocs_worker and notifier as `python -m` child
processes on the session's broker, a fresh topic set, and the demo calling list imported.

`system` gives one such system per test, `module_system` one per test module; `System`
restarts, kills and stops its services for the failure drills. Logs of every child are in the
test's tmp folder and are shown when a service fails to come up."""

import asyncio
import json
import os
import secrets
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.broker import free_port
from devstack.children import ChildProcess
from outbound_contracts.topics import TopicNames
from tests.conftest import fresh_topics
from tests.kafka import REPO

USERS_FILE = REPO / "demo" / "users.json"
DEMO_CALLING_LIST = REPO / "demo" / "calling-list.csv"
DEMO_APPLICATION_ID = 134
DEMO_CAMPAIGN = "Campaign1"
NOTIFICATIONS_PATH = "/api/v2/notifications"


@dataclass
class System:
    bootstrap: str
    topics: TopicNames
    gateway: ChildProcess
    worker: ChildProcess
    notifier: ChildProcess
    logs: Path

    @property
    def gateway_url(self) -> str:
        """Base URL of the gateway, e.g. `http://127.0.0.1:PORT`."""
        return f"http://127.0.0.1:{self.gateway.env['GATEWAY_PORT']}"

    @property
    def cometd_url(self) -> str:
        """The notifier's CometD endpoint, where a desktop's CometD client points."""
        return f"http://127.0.0.1:{self.notifier.env['NOTIFIER_PORT']}{NOTIFICATIONS_PATH}"

    @property
    def services(self) -> list[ChildProcess]:
        return [self.worker, self.notifier, self.gateway]

    async def restart(self, service: ChildProcess) -> None:
        """Stop (SIGTERM) if running, then start and wait until it answers."""
        service.stop()
        await service.start_async()

    async def import_calling_list(
        self,
        csv_file: Path = DEMO_CALLING_LIST,
        *,
        application_id: int = DEMO_APPLICATION_ID,
        campaign: str = DEMO_CAMPAIGN,
    ) -> str:
        """`python -m ocs_worker import`, which returns once the worker applied every row."""
        importer = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ocs_worker", "import",
            "--application-id", str(application_id), "--campaign", campaign, str(csv_file),
            env=self.worker.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(importer.communicate(), timeout=120)
        transcript = output.decode(errors="replace")
        assert importer.returncode == 0, f"{transcript}\nworker log:\n{self.worker.log_tail()}"
        return transcript

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()


def build_system(
    bootstrap: str, topics: TopicNames, logs: Path, browser_origins: Sequence[str] = ()
) -> System:
    """The three services of one system on free ports; none started yet. As under `make run`,
    the gateway's desktop page may call the notifier; `browser_origins` may call both."""
    common = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "OCS_TOPIC_PREFIX": topics.commands.removesuffix("ocs.commands"),
        "GWS_USERS_FILE": str(USERS_FILE),
        "GWS_SESSION_SECRET": secrets.token_urlsafe(32),
        "WORKER_SESSION_TIMEOUT_MS": "6000",
        "WORKER_HEARTBEAT_INTERVAL_MS": "1000",
    }
    gateway_port, notifier_port, worker_port = (str(free_port()) for _ in range(3))
    notifier_origins = [f"http://127.0.0.1:{gateway_port}", *browser_origins]

    def child(module: str, ready_url: str | None = None, **env: str) -> ChildProcess:
        return ChildProcess(
            name=module,
            command=[sys.executable, "-m", module],
            env={**common, **env},
            log_file=logs / f"{module}.log",
            ready_url=ready_url,
        )

    return System(
        bootstrap=bootstrap,
        topics=topics,
        gateway=child(
            "gateway",
            f"http://127.0.0.1:{gateway_port}/readyz",
            GATEWAY_PORT=gateway_port,
            GATEWAY_ALLOWED_ORIGINS=json.dumps(list(browser_origins)),
            GATEWAY_DESKTOP_COMETD_URL=f"http://{{host}}:{notifier_port}{NOTIFICATIONS_PATH}",
        ),
        worker=child(
            "ocs_worker", f"http://127.0.0.1:{worker_port}/readyz", WORKER_HTTP_PORT=worker_port
        ),
        notifier=child(
            "notifier",
            f"http://127.0.0.1:{notifier_port}/readyz",
            NOTIFIER_PORT=notifier_port,
            NOTIFIER_ALLOWED_ORIGINS=json.dumps(notifier_origins),
        ),
        logs=logs,
    )


@asynccontextmanager
async def running_system(
    bootstrap: str, topics: TopicNames, logs: Path, browser_origins: Sequence[str] = ()
) -> AsyncIterator[System]:
    """The three services started on `topics` (their logs in the folder `logs`), the demo
    calling list imported; stopped after."""
    running = build_system(bootstrap, topics, logs, browser_origins)
    try:
        await asyncio.gather(*(service.start_async() for service in running.services))
        await running.import_calling_list()
        yield running
    finally:
        running.stop()


@pytest.fixture
async def system(kafka_bootstrap: str, topics: TopicNames, tmp_path: Path) -> AsyncIterator[System]:
    """A running system with the demo calling list (Campaign1, applicationId 134) loaded."""
    async with running_system(kafka_bootstrap, topics, tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
async def module_system(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    """One such system (its own topics) for all tests of a module: they must keep to records,
    users or campaigns of their own."""
    async with (
        fresh_topics(kafka_bootstrap) as topics,
        running_system(kafka_bootstrap, topics, tmp_path_factory.mktemp("system")) as running,
    ):
        yield running
