"""The systems under test as child processes: one broker per bench run, fresh topics per
benchmark, and the services started as in production (`python -m <service>` with its env)."""

import asyncio
import os
import secrets
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from bench.profiling import Profiler
from devstack.broker import LocalBroker, free_port
from devstack.children import ChildProcess as BaseChild
from devstack.kafka_dist import ensure_kafka_libs
from devstack.topics import provision_topics
from outbound_contracts.topics import TopicNames

REPO = Path(__file__).resolve().parents[1]
USERS_FILE = REPO / "demo" / "users.json"
PARTITIONS = 6


@dataclass
class ChildProcess(BaseChild):
    """A server we started, sampled by py-spy while it runs when `profile_to` is set."""

    profile_to: Path | None = None
    profiler: Profiler | None = field(default=None, repr=False)

    def start(self) -> "ChildProcess":
        super().start()
        if self.profile_to is not None:
            with self.log_file.open("ab") as log:
                self.profiler = Profiler(self.pid, self.profile_to, log)
        return self

    def stop(self) -> None:
        profiler, self.profiler = self.profiler, None
        if profiler is not None:
            profiler.stop()
        super().stop()


class BenchCluster:
    """One Kafka broker (fresh data dir, free ports) for the whole run, and our services."""

    def __init__(
        self, workdir: Path, cache_dir: Path, profile: frozenset[str] = frozenset()
    ) -> None:
        self.workdir = workdir
        self.profile = profile
        self.profiles = workdir / "profiles"
        self.libs = ensure_kafka_libs(cache_dir)
        self.broker = LocalBroker(
            self.libs, workdir / "broker", port=free_port(), controller_port=free_port()
        )
        self.session_secret = secrets.token_urlsafe(32)
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap_servers

    def __enter__(self) -> "BenchCluster":
        self.broker.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.broker.stop()

    def fresh_topics(self, partitions: int = PARTITIONS) -> TopicNames:
        """A topic set no earlier benchmark touched."""
        topics = TopicNames.with_prefix(f"bench-{uuid.uuid4().hex[:8]}-")
        asyncio.run(
            provision_topics(
                self.bootstrap,
                topics,
                command_partitions=partitions,
                event_partitions=partitions,
            )
        )
        return topics

    def java_tool(self, tool: str, *args: str) -> list[str]:
        """The command line of one of Kafka's own tools (`org.apache.kafka.tools.<tool>`)."""
        return [
            "java",
            "-Xmx512m",
            "-cp",
            f"{self.libs}/*",
            f"org.apache.kafka.tools.{tool}",
            *args,
        ]

    def service(
        self, module: str, topics: TopicNames, *, name: str | None = None, **env: str
    ) -> ChildProcess:
        """`python -m <module>` against this broker and `topics`; not started yet."""
        label = name or module
        if module == "ocs_worker":
            env = {"WORKER_HTTP_PORT": str(free_port()), **env}
        port = env.get("GATEWAY_PORT") or env.get("NOTIFIER_PORT")
        ready = None
        if port is not None:
            ready = f"http://127.0.0.1:{port}/{'readyz' if module == 'notifier' else 'healthz'}"
        return ChildProcess(
            name=label,
            command=[sys.executable, "-m", module],
            env={
                **os.environ,
                "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
                "OCS_TOPIC_PREFIX": topics.commands.removesuffix("ocs.commands"),
                "GWS_USERS_FILE": str(USERS_FILE),
                "GWS_SESSION_SECRET": self.session_secret,
                "GATEWAY_LOG_LEVEL": "WARNING",
                # The benches scrape the services' /metrics.
                "GATEWAY_METRICS_ENABLED": "true",
                "NOTIFIER_METRICS_ENABLED": "true",
                "NOTIFIER_LOG_LEVEL": "warning",
                "WORKER_LOG_LEVEL": "warning",
                # The benches hold thousands of sessions of one agent (a fan-out, the soak):
                # past the notifier's cap of sessions per user, which guards production.
                "NOTIFIER_MAX_SESSIONS_PER_USER": "1000000",
                **env,
            },
            log_file=self.logs / f"{label}.log",
            ready_url=ready,
            profile_to=self._profile_file(module, label),
        )

    def _profile_file(self, module: str, label: str) -> Path | None:
        if module not in self.profile:
            return None
        self.profiles.mkdir(parents=True, exist_ok=True)
        started = len(list(self.profiles.glob(f"{label}-*.txt")))
        return self.profiles / f"{label}-{started + 1}.txt"
