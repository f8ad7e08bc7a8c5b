"""The whole system in the foreground: broker, topics, services, demo data; Ctrl-C stops all."""

import asyncio
import importlib.util
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from devstack.acls import service_grants
from devstack.broker import LocalBroker
from devstack.bus_users import SERVICE_USERS, BusUsers
from devstack.cluster import GATEWAY_PUBLISH_BOUND_S, LocalCluster
from devstack.console import follow, is_terminal
from devstack.kafka_dist import ensure_kafka_libs
from devstack.processes import spawn, terminate
from devstack.settings import DevstackSettings
from devstack.topics import provision_topics
from outbound_contracts.topics import WORKER_GROUP_ID, TopicNames
from service_settings.kafka_connection import KafkaConnection, KafkaLogin

_SERVICE_START_TIMEOUT = 60.0
NOTIFICATIONS = "/api/v2/notifications"


@dataclass
class Service:
    name: str
    module: str
    env: dict[str, str]
    health_url: str | None = None
    process: "subprocess.Popen[bytes] | None" = None

    def exists(self) -> bool:
        return _runnable(self.module)


class _StopRequested(Exception):
    pass


def run_stack(settings: DevstackSettings, *, reset: bool) -> int:
    started = time.monotonic()
    if reset:
        shutil.rmtree(settings.state_dir, ignore_errors=True)
        print(f"reset: removed {settings.state_dir}")
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    _stop_on_signals()
    broker: LocalBroker | LocalCluster | None = None
    services: list[Service] = []
    try:
        if settings.kafka_bootstrap_servers is None:
            broker = _start_broker(settings)
            kafka = broker.connection
        else:
            kafka = KafkaConnection(settings.kafka_bootstrap_servers)
            print(f"using the broker at {kafka.bootstrap_servers} (KAFKA_BOOTSTRAP_SERVERS)")
        _provision(settings, kafka)
        users = broker.quorum.users if isinstance(broker, LocalCluster) else None
        if isinstance(broker, LocalCluster) and users is not None:
            broker.grant(service_grants(_topics(settings), WORKER_GROUP_ID))
            print(f"Kafka users and ACLs ready (passwords in {_users_file(settings)})")
        services = [s for s in _services(settings, kafka, users) if s.exists()]
        logs = _log_folder(settings) if is_terminal() else None
        for service in services:
            _start_service(service, logs)
        _load_demo_data(settings, kafka)
        _print_banner(settings, services, time.monotonic() - started, logs)
        _watch(services)
    except _StopRequested:
        print("\nstopping…")
    finally:
        for service in reversed(services):
            if service.process is not None:
                terminate(service.process, grace_seconds=15)
        if broker is not None:
            broker.stop()
        print("stopped: no process of this stack is left running")
    return 0


def provision_only(settings: DevstackSettings) -> int:
    if settings.kafka_bootstrap_servers is None:
        print("set KAFKA_BOOTSTRAP_SERVERS to the broker whose topics to create", file=sys.stderr)
        return 2
    _provision(settings, KafkaConnection(settings.kafka_bootstrap_servers))
    return 0


def _topics(settings: DevstackSettings) -> TopicNames:
    return TopicNames.with_prefix(settings.ocs_topic_prefix)


def _users_file(settings: DevstackSettings) -> Path:
    return settings.state_dir / "cluster" / "kafka-users.json"


def _provision(settings: DevstackSettings, kafka: KafkaConnection) -> None:
    topics = _topics(settings)
    replication = asyncio.run(
        provision_topics(
            kafka.bootstrap_servers,
            topics,
            command_partitions=settings.command_partitions,
            event_partitions=settings.event_partitions,
            replication=settings.replication,
            on_mismatch=settings.topic_mismatch,
            login=kafka.login,
        )
    )
    print(
        "topics ready:",
        ", ".join(topics.all()),
        f"(replication factor {replication.factor}, min ISR {replication.min_insync})",
        flush=True,
    )


def _stop_on_signals() -> None:
    def request_stop(signum: int, frame: FrameType | None) -> None:
        raise _StopRequested

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)


def _start_broker(settings: DevstackSettings) -> LocalBroker | LocalCluster:
    libs = ensure_kafka_libs(settings.cache_dir)
    broker: LocalBroker | LocalCluster
    if settings.brokers == 1:
        broker = LocalBroker(
            libs,
            settings.state_dir / "broker",
            port=settings.broker_port,
            controller_port=settings.controller_port,
            heap=settings.broker_heap,
        )
    else:
        nodes = range(settings.brokers)
        workdir = settings.state_dir / "cluster"
        if (workdir / "cluster-id").exists() and not _users_file(settings).exists():
            raise RuntimeError(
                f"the cluster in {workdir} was formatted without Kafka users (before the "
                "authenticated bus): start it afresh with `--reset`"
            )
        broker = LocalCluster(
            libs,
            workdir,
            ports=[settings.broker_port + node for node in nodes],
            controller_ports=[settings.cluster_controller_port + node for node in nodes],
            heap=settings.broker_heap,
            users=BusUsers.kept_in(_users_file(settings)),
        )
    began = time.monotonic()
    broker.start()
    print(f"broker ready at {broker.bootstrap_servers} in {time.monotonic() - began:.1f} s")
    return broker


def _login_env(login: KafkaLogin | None) -> dict[str, str]:
    """A service's Kafka sign-in, in the environment its settings read."""
    if login is None:
        return {}
    return {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": login.mechanism,
        "KAFKA_SASL_USERNAME": login.username,
        "KAFKA_SASL_PASSWORD": login.password,
    }


def _services(
    settings: DevstackSettings, kafka: KafkaConnection, users: BusUsers | None
) -> list[Service]:
    secret_file = settings.state_dir / "session-secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(32))
    cluster = {"GATEWAY_PUBLISH_TIMEOUT_SECONDS": str(GATEWAY_PUBLISH_BOUND_S)}
    common = {
        **(cluster if settings.brokers > 1 else {}),
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "GWS_SESSION_SECRET": secret_file.read_text().strip(),
        "GWS_USERS_FILE": str(settings.users_file.resolve()),
        # A development run shows everything on its loopback ports (docs/operations.md,
        # "What is public"): /metrics of both, the gateway's /openapi.json and /asyncapi.json.
        "GATEWAY_METRICS_ENABLED": "true",
        "GATEWAY_API_DOCUMENTS_ENABLED": "true",
        "NOTIFIER_METRICS_ENABLED": "true",
    }
    login = {
        user: _login_env(None if users is None else users.login(user)) for user in SERVICE_USERS
    }
    gateway_port, notifier_port = settings.gateway_port, settings.notifier_port
    # The desktop page on the gateway's port calls the notifier on its own: another origin.
    desktop_origins = [f"http://{host}:{gateway_port}" for host in ("127.0.0.1", "localhost")]
    return [
        Service(
            "ocs_worker",
            "ocs_worker",
            {**common, **login["ocs_worker"], "WORKER_HTTP_PORT": str(settings.worker_port)},
            f"http://127.0.0.1:{settings.worker_port}/healthz",
        ),
        Service(
            "notifier",
            "notifier",
            {
                **common,
                **login["notifier"],
                "NOTIFIER_PORT": str(notifier_port),
                "NOTIFIER_ALLOWED_ORIGINS": json.dumps(desktop_origins),
            },
            f"http://127.0.0.1:{notifier_port}/healthz",
        ),
        Service(
            "gateway",
            "gateway",
            {
                **common,
                **login["gateway"],
                "GATEWAY_PORT": str(gateway_port),
                "GATEWAY_DESKTOP_COMETD_URL": f"http://{{host}}:{notifier_port}{NOTIFICATIONS}",
            },
            f"http://127.0.0.1:{gateway_port}/healthz",
        ),
    ]


def _log_folder(settings: DevstackSettings) -> Path:
    folder = settings.state_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _start_service(service: Service, logs: Path | None) -> None:
    """Started and healthy; with `logs`, its output goes there and its summary to the terminal,
    else the service writes to our stdout itself."""
    command = [sys.executable, "-m", service.module]
    if logs is None:
        process = service.process = spawn(command, env=service.env)
    else:
        process = service.process = spawn(
            command, env=service.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        assert process.stdout is not None
        follow(service.name, process.stdout, logs / f"{service.name}.log")
    deadline = time.monotonic() + _SERVICE_START_TIMEOUT
    while service.health_url is not None and not _healthy(service.health_url):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{service.name} did not come up (exit code {process.poll()})")
        time.sleep(0.2)
    print(f"{service.name} started (pid {process.pid})")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - our own loopback URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _load_demo_data(settings: DevstackSettings, kafka: KafkaConnection) -> None:
    if not _runnable("ocs_worker"):
        return
    command = [
        sys.executable, "-m", "ocs_worker", "import",
        "--application-id", "134", "--campaign", "Campaign1",
        "--rules", str(settings.demo_calling_list_rules), str(settings.demo_calling_list),
    ]  # fmt: skip
    # An operator's import, as the admin (it writes commands, which only the gateway may).
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        **_login_env(kafka.login),
    }
    subprocess.run(command, env=env, check=True)  # noqa: S603


def _runnable(package: str) -> bool:
    """The package exists and runs as `python -m package` (a fresh clone lacks empty folders)."""
    if importlib.util.find_spec(package) is None:
        return False
    return importlib.util.find_spec(f"{package}.__main__") is not None


def _watch(services: list[Service]) -> None:
    while True:
        for service in services:
            if service.process is not None and service.process.poll() is not None:
                code = service.process.returncode
                raise RuntimeError(f"{service.name} exited with code {code}")
        time.sleep(0.5)


def _print_banner(
    settings: DevstackSettings, services: list[Service], elapsed: float, logs: Path | None
) -> None:
    running = ", ".join(service.name for service in services) or "no services yet"
    gateway = f"http://127.0.0.1:{settings.gateway_port}"
    log_files = f"{logs}/{{{','.join(s.name for s in services)}}}.log" if logs else "stdout"
    print(
        f"""
ready in {elapsed:.1f} s ({running}).
  agent desktop      : {gateway}/desktop/  (sign in as agent1 / password)
  HTTP API           : {gateway}/api/v2/me/outbound-records/{{recordHandle}}  (docs: {gateway}/docs)
  CometD             : http://127.0.0.1:{settings.notifier_port}/api/v2/notifications
  worker status      : http://127.0.0.1:{settings.worker_port}/metrics  (/healthz, /readyz)
  demo logins        : agent1 / password, agent2 / password (agent3 lacks api-voice-outbound)
  try it             : curl -u agent1:password -H 'Content-Type: application/json' \\
                         {gateway}/api/v2/me/outbound-records/9 -d '{{"operationName": \
"RejectRecord", "devicePath": "/devices/2b00393c-9ad3-418f-8b3d-a06cbe8af395", "callingList": \
"CallingList1", "applicationId": 134, "campaignName": "Campaign1", "referenceId": "123456789"}}'
  full JSON logs     : {log_files}
Ctrl-C stops everything.""",
        flush=True,
    )
