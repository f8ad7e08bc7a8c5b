"""The price of replication: the gateway's publish (acks=all, idempotent, one command at a
time) on three brokers with replication factor 3 and min ISR 2, beside the same on the run's
one broker (docs/operations.md, "A cluster")."""

import asyncio
import time

from aiokafka import AIOKafkaProducer

from bench.latency import Percentiles
from bench.report import BenchmarkResult, Row
from bench.stack import BenchCluster
from devstack.broker import free_port
from devstack.cluster import LocalCluster
from devstack.topics import provision_topics
from outbound_contracts.topics import TopicNames

COMMAND = b'{"type": "RejectRecord"}' + b" " * 676
"""700 bytes, as the e2e baseline's records."""


def run(cluster: BenchCluster, *, quick: bool) -> BenchmarkResult:
    commands = 100 if quick else 1000
    one = asyncio.run(_publish_latency(cluster.bootstrap, commands))
    three = LocalCluster(
        cluster.libs,
        cluster.workdir / "cluster",
        ports=[free_port() for _ in range(3)],
        controller_ports=[free_port() for _ in range(3)],
        heap="512m",
    )
    with three:
        replicated = asyncio.run(_publish_latency(three.bootstrap_servers, commands))
    return BenchmarkResult(
        name="replication",
        title="the gateway's publish on three brokers (RF 3, min ISR 2) against one",
        baseline="the same publishes on the run's single broker (RF 1)",
        parameters={
            "publishes": f"{commands:,} of 700 bytes, one at a time, to a 6-partition topic",
            "producer": "acks=all, idempotent, linger 0 (the gateway's)",
            "cluster": "three KRaft nodes on this machine (devstack.cluster), each a broker "
            "and a controller; 2 cores shared with the single broker and the client",
        },
        rows=[
            Row("publish acknowledged, p50", replicated.p50_ms, one.p50_ms, "ms"),
            Row("publish acknowledged, p99", replicated.p99_ms, one.p99_ms, "ms"),
            Row("publish acknowledged, max", replicated.max_ms, one.max_ms, "ms"),
        ],
        notes=[
            "A write is acknowledged once both followers in the ISR have fetched it: one "
            "more fetch round trip per write than on one broker, and on this machine three "
            "JVMs share the cores with the client."
        ],
    )


async def _publish_latency(bootstrap: str, commands: int) -> Percentiles:
    topics = TopicNames.with_prefix(f"bench-replication-{time.monotonic_ns()}-")
    await provision_topics(bootstrap, topics, command_partitions=6, event_partitions=6)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=0
    )
    await producer.start()
    try:
        for partition in range(6):  # metadata, leaders and connections, before measuring
            await producer.send_and_wait(topics.commands, COMMAND, partition=partition)
        samples = []
        for index in range(commands):
            began = time.perf_counter_ns()
            await producer.send_and_wait(topics.commands, COMMAND, key=str(index).encode())
            samples.append(time.perf_counter_ns() - began)
    finally:
        await producer.stop()
    return Percentiles.of(samples)
