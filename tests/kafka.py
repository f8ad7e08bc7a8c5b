"""Where the tests get their broker, in the order the project's Kafka notes give:
`KAFKA_BOOTSTRAP_SERVERS`, else the local jars, else testcontainers when a Docker engine
answers, else a failure that says how to get one (never a skip)."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devstack.broker import LocalBroker, free_port
from devstack.kafka_dist import KafkaUnavailable, ensure_kafka_libs

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("DEVSTACK_CACHE_DIR", REPO / ".cache"))


@contextmanager
def kafka_broker(workdir: Path) -> Iterator[str]:
    if bootstrap := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield bootstrap
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
    from testcontainers.kafka import KafkaContainer

    with KafkaContainer("apache/kafka:4.3.1").with_kraft() as container:
        yield str(container.get_bootstrap_server())
