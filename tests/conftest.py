import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from devstack.broker import LocalBroker, free_port
from devstack.cluster import LocalCluster
from devstack.kafka_dist import ensure_kafka_libs
from devstack.topics import provision_topics
from outbound_contracts.topics import TopicNames
from tests.kafka import CACHE_DIR, kafka_broker
from tests.tls import TlsFiles, make_tls_files

pytest_plugins = ["tests.unit_loop"]

TEST_PARTITIONS = 3
CONTAINER_TESTS = Path(__file__).with_name("containers")
# A test that uses one of these (directly or through another fixture) needs a broker.
BROKER_FIXTURES = {"kafka_bootstrap", "own_broker"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--containers",
        action="store_true",
        help="collect tests/containers too (they need the engine `make test-containers` starts)",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path == CONTAINER_TESTS and not config.getoption("--containers"):
        return True
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `kafka` every test that uses a broker fixture, so that `make unit` (`-m "not
    kafka and not slow"`) never starts one, whoever writes the next broker test."""
    for item in items:
        if BROKER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.kafka)


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real broker for the whole session."""
    with kafka_broker(tmp_path_factory.mktemp("kafka")) as bootstrap:
        yield bootstrap


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalBroker]:
    """A broker of this test's own (in `tmp_path/broker`), to stop and start again; started
    outside the event loop, in the main thread (the JVM's parent-death signal follows the
    starting thread)."""
    broker = LocalBroker(
        ensure_kafka_libs(CACHE_DIR),
        tmp_path / "broker",
        port=free_port(),
        controller_port=free_port(),
        heap="512m",
    )
    with broker:
        yield broker


@pytest.fixture(scope="session")
def kafka_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """Three KRaft nodes (replication factor 3, min ISR 2) for the drills that kill brokers;
    started once, by the first test that asks, and stopped (by its processes) at the end.
    A drill that stops a node starts it again before it ends."""
    cluster = LocalCluster(
        ensure_kafka_libs(CACHE_DIR),
        tmp_path_factory.mktemp("cluster"),
        ports=[free_port() for _ in range(3)],
        controller_ports=[free_port() for _ in range(3)],
        heap="512m",
    )
    with cluster:
        yield cluster


@asynccontextmanager
async def fresh_topics(kafka_bootstrap: str) -> AsyncIterator[TopicNames]:
    """A provisioned topic set of its own, deleted afterwards."""
    names = TopicNames.with_prefix(f"t{uuid.uuid4().hex[:12]}-")
    await provision_topics(
        kafka_bootstrap,
        names,
        command_partitions=TEST_PARTITIONS,
        event_partitions=TEST_PARTITIONS,
    )
    yield names
    # Keep the session's broker lean: a long suite would otherwise pile up hundreds of topics.
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(list(names.all()))
    finally:
        await admin.close()


@pytest.fixture
async def topics(kafka_bootstrap: str) -> AsyncIterator[TopicNames]:
    """A fresh, provisioned topic set per test, so tests never see each other's messages."""
    async with fresh_topics(kafka_bootstrap) as names:
        yield names


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))
