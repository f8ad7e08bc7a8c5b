"""Kafka's own performance tools (`org.apache.kafka.tools.*`) on the same broker: the
physical limits our services are compared against."""

import re
import subprocess
from dataclasses import dataclass

from bench.stack import BenchCluster


@dataclass(frozen=True, slots=True)
class ToolLatency:
    p50_ms: float
    p99_ms: float
    p999_ms: float


def _run(cluster: BenchCluster, tool: str, *args: str) -> str:
    result = subprocess.run(
        cluster.java_tool(tool, *args), capture_output=True, text=True, check=False, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"{tool} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return result.stdout


def producer_performance(
    cluster: BenchCluster, topic: str, records: int, record_size: int, *, transaction_ms: int
) -> float:
    """Records/s with acks=all, transactional (a commit every `transaction_ms`)."""
    output = _run(
        cluster, "ProducerPerformance",
        "--bootstrap-server", cluster.bootstrap, "--topic", topic,
        "--num-records", str(records), "--record-size", str(record_size), "--throughput", "-1",
        "--transaction-duration-ms", str(transaction_ms),
        "--command-property", "acks=all",
    )  # fmt: skip
    matches = re.findall(r"([\d.]+) records/sec", output)
    if not matches:
        raise RuntimeError(f"ProducerPerformance printed no rate:\n{output}")
    return float(matches[-1])


def consumer_performance(cluster: BenchCluster, topic: str, records: int) -> float:
    """Records/s fetched by one read_committed consumer (fetch time, group join excluded)."""
    output = _run(
        cluster, "ConsumerPerformance",
        "--bootstrap-server", cluster.bootstrap, "--topic", topic,
        "--num-records", str(records), "--command-property", "isolation.level=read_committed",
        "--command-property", "auto.offset.reset=earliest", "--timeout", "60000",
    )  # fmt: skip
    header, values = _table(output)
    return float(values[header.index("fetch.nMsg.sec")])


def end_to_end_latency(
    cluster: BenchCluster, topic: str, records: int, record_size: int
) -> ToolLatency:
    """Produce (acks=all) -> consume latency of one message at a time."""
    output = _run(
        cluster, "EndToEndLatency", cluster.bootstrap, topic, str(records), "all", str(record_size)
    )
    match = re.search(r"50th = ([\d.]+), 99th = ([\d.]+), 99.9th = ([\d.]+)", output)
    if match is None:
        raise RuntimeError(f"EndToEndLatency printed no percentiles:\n{output}")
    p50, p99, p999 = (float(value) for value in match.groups())
    return ToolLatency(p50, p99, p999)


def _table(output: str) -> tuple[list[str], list[str]]:
    lines = [line for line in output.splitlines() if "," in line]
    header = next(line for line in lines if "nMsg.sec" in line)
    values = lines[lines.index(header) + 1]
    return [x.strip() for x in header.split(",")], [x.strip() for x in values.split(",")]
