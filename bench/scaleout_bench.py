"""Benchmark 5: two workers against one (same pre-filled commands), two notifiers against one
(same sessions, split evenly): the ratio, and what limits it on this machine."""

import os

from bench import fanout_bench, worker_bench
from bench.report import BenchmarkResult, Row, number
from bench.stack import BenchCluster


def run(cluster: BenchCluster, *, quick: bool) -> BenchmarkResult:
    update_count = 3_000 if quick else 50_000
    sessions, publications = (300, 3) if quick else (10_000, 10)
    one = worker_bench.drain(cluster, worker_bench.prefill(cluster, update_count), workers=1)
    two = worker_bench.drain(cluster, worker_bench.prefill(cluster, update_count), workers=2)
    single = fanout_bench.measure_ours(cluster, "long-polling", sessions, publications, notifiers=1)
    double = fanout_bench.measure_ours(cluster, "long-polling", sessions, publications, notifiers=2)
    cores = os.cpu_count() or 1
    result = BenchmarkResult(
        name="scaleout",
        title="two workers and two notifiers against one",
        baseline="the same service with one process, same run, same broker",
        parameters={
            "workers": f"{update_count:,} UpdateRecord over {worker_bench.CAMPAIGNS} campaigns, "
            "6 partitions, a fresh pre-filled topic per run, one consumer group",
            "notifiers": f"{sessions:,} long-polling sessions split evenly, {publications} "
            "publications; every notifier reads every event and delivers to its own sessions",
            "machine": f"{cores} cores shared by the broker, the services and the load generator",
        },
    )
    result.rows = [
        Row("worker commands/s", two.rate, one.rate, "/s"),
        Row("worker processes' CPU while draining", two.cores, one.cores, "cores"),
        Row("machine CPU while draining", two.machine_cores, one.machine_cores, "cores"),
        Row("notifier delivered messages/s", double.rate, single.rate, "/s"),
        Row("notifier p99 delivery latency", double.latency.p99_ms, single.latency.p99_ms, "ms"),
        Row("notifier processes' CPU while delivering", double.server_cpu_s / double.seconds,
            single.server_cpu_s / single.seconds, "cores"),
        Row("load generator CPU while delivering", double.client_cpu_s / double.seconds,
            single.client_cpu_s / single.seconds, "cores"),
        Row("machine CPU while delivering", double.machine_cores, single.machine_cores, "cores"),
    ]  # fmt: skip
    result.notes += [
        f"Workers: two processes reach {number(two.rate / one.rate)}x one. "
        + _worker_limit(two, cores),
        f"Notifiers: two processes reach {number(double.rate / single.rate)}x one. "
        + _notifier_limit(double, cores),
    ]
    return result


def _saturated(busy_cores: float, cores: int) -> bool:
    return busy_cores >= 0.85 * cores


def _worker_limit(two: worker_bench.Drain, cores: int) -> str:
    if _saturated(two.machine_cores, cores):
        return (
            f"The machine was saturated ({number(two.machine_cores)} of {cores} cores busy, "
            f"the workers {number(two.cores)}): the broker, which reads every command and "
            "writes its event and changelog entry inside a transaction, and the two workers "
            "share the same cores, so a second worker mostly takes CPU from the others."
        )
    return (
        f"The machine was not saturated ({number(two.machine_cores)} of {cores} cores busy, "
        f"the workers {number(two.cores)}): each worker waits on the broker's transaction round "
        "trips (one transaction per partition batch, one after the other), so two workers "
        "double the transactions in flight, but the single broker's transaction coordinator "
        "and log appends are shared; a partition is also served by one worker only, so the "
        "campaigns' spread over partitions caps the gain."
    )


def _notifier_limit(double: fanout_bench.Fanout, cores: int) -> str:
    client = double.client_cpu_s / double.seconds
    servers = double.server_cpu_s / double.seconds
    where = (
        f"the load generator used {number(client)} cores, the two notifiers {number(servers)}, "
        f"the machine {number(double.machine_cores)} of {cores}"
    )
    if client >= 0.85:
        return (
            f"The single-process load generator is the first limit ({where}): every delivery "
            "is parsed in one Python process, so more notifiers cannot deliver faster than it "
            "reads. Every notifier also consumes every event (no consumer group), which costs "
            "little for a fan-out to many sessions of one agent."
        )
    if _saturated(double.machine_cores, cores):
        return f"The machine's CPUs are the limit ({where})."
    return (
        f"Neither the CPUs nor the load generator were saturated ({where}); the notifiers "
        "wait on their Kafka fetches and on the clients' re-polls."
    )
