"""Where the tests get their broker, in the order the project's Kafka notes give:
`KAFKA_BOOTSTRAP_SERVERS`, else the local jars, else testcontainers when a Docker engine
answers, else a failure that says how to get one (never a skip). `TESTS_BROKER=container`
picks testcontainers first (`make test-containers` runs tests so)."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devstack.broker import LocalBroker, free_port
from devstack.kafka_dist import KAFKA_VERSION, KafkaUnavailable, ensure_kafka_libs
from devstack.readiness import wait_for_broker

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("DEVSTACK_CACHE_DIR", REPO / ".cache"))
KAFKA_IMAGE = f"apache/kafka:{KAFKA_VERSION}"
HOST_LISTENER = 9094
"""The container's listener for clients on the host; its own traffic (transactions among it)
goes to the internal one, which only the container can reach."""


@contextmanager
def kafka_broker(workdir: Path) -> Iterator[str]:
    if bootstrap := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield bootstrap
        return
    if os.environ.get("TESTS_BROKER") == "container":
        yield from _testcontainers_broker()
        return
    try:
        libs = ensure_kafka_libs(CACHE_DIR)
    except KafkaUnavailable as no_jars:
        if not _docker_answers():
            pytest.fail(f"no Kafka broker for the tests: {no_jars}", pytrace=False)
        yield from _testcontainers_broker()
        return
    broker = LocalBroker(libs, workdir, port=free_port(), controller_port=free_port(), heap="768m")
    with broker:
        yield broker.bootstrap_servers


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "info"], capture_output=True, check=False)
    return probe.returncode == 0


def _testcontainers_broker() -> Iterator[str]:
    # Ryuk's image comes from a registry; the container is stopped by the `with` instead.
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
    from testcontainers.core.container import DockerContainer

    port = free_port()
    container = (
        DockerContainer(KAFKA_IMAGE)
        .with_env("KAFKA_NODE_ID", "1")
        .with_env("KAFKA_PROCESS_ROLES", "broker,controller")
        .with_env(
            "KAFKA_LISTENERS", f"PLAINTEXT://:9092,CONTROLLER://:9093,HOST://:{HOST_LISTENER}"
        )
        .with_env(
            "KAFKA_ADVERTISED_LISTENERS", f"PLAINTEXT://localhost:9092,HOST://127.0.0.1:{port}"
        )
        .with_env("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT")
        .with_env("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
        .with_env(
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
            "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,HOST:PLAINTEXT",
        )
        .with_env("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093")
        .with_env("KAFKA_HEAP_OPTS", "-Xmx768m -Xms768m")
        .with_env("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
        .with_env("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1")
        .with_env("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
        .with_env("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
    )
    # Published on the loopback only: docker-py takes (address, port), testcontainers' own
    # `with_bind_ports` knows no address.
    container.ports[f"{HOST_LISTENER}/tcp"] = ("127.0.0.1", port)  # type: ignore[assignment]
    with container:
        bootstrap = f"127.0.0.1:{port}"
        wait_for_broker(bootstrap, timeout=90)
        yield bootstrap
