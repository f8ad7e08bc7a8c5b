"""`python -m bench.probes.round_trips [--rate N] [--commands N]`: broker requests per command,
per hop.

One process plays the three clients of the pipeline against a fresh broker: a producer
configured as the gateway's (acks=all, idempotent) writes UpdateRecord commands at a steady
rate, the worker (`OcsWorker`, as `python -m ocs_worker` runs it) applies them, and a consumer
configured as the notifier's (read_committed, no group) reads the outcomes. Every request
aiokafka writes to a broker socket is counted by the client that wrote it (a context variable
the clients' background tasks inherit) and by its API, then divided by the commands sent.
All three share this process's event loop, so the latency printed is for comparing runs of
this script, not the pipeline's.
The transaction markers are written by the broker itself (one WriteTxnMarkers per commit and
partition leader), so they are not counted here.
"""

import argparse
import asyncio
import contextvars
import datetime
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.conn import AIOKafkaConnection
from aiokafka.producer import sender

from bench.stack import PARTITIONS, REPO, BenchCluster
from bench.worker_bench import ACKNOWLEDGED
from bench.workload import campaign_names, holding_commands, updates, write_commands
from devstack.broker import free_port
from notifier.kafka import events_reader
from ocs_worker.service import OcsWorker
from ocs_worker.settings import WorkerSettings
from outbound_contracts.codec import encode
from outbound_contracts.topics import TopicNames
from service_settings.kafka_connection import KafkaConnection

CAMPAIGNS = 12
T = TypeVar("T")
_role: contextvars.ContextVar[str] = contextvars.ContextVar("role", default="other")
requests: Counter[tuple[str, str]] = Counter()
request_ms: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
"""From a request written to its response read, by client and API."""
retries: Counter[tuple[str, str]] = Counter()
"""Requests answered with an error and sent again, by handler and the wait before the retry."""
latencies_ms: list[float] = []
"""From the command's creation to the outcome read, on this process's one clock."""


def count_requests() -> None:
    """Wraps aiokafka's one place where a request goes onto a socket."""
    send: Callable[..., Any] = AIOKafkaConnection.send

    def counting_send(self: AIOKafkaConnection, request: Any, *args: Any, **kwargs: Any) -> Any:
        key = (_role.get(), type(request).__name__)
        requests[key] += 1
        reply = send(self, request, *args, **kwargs)
        return _timed(key, reply) if asyncio.iscoroutine(reply) else reply

    AIOKafkaConnection.send = counting_send


def count_retries() -> None:
    """Wraps the transactional and produce handlers of aiokafka's sender: a handler answered
    with a retriable error returns the backoff it is about to sleep (produce: re-enqueues)."""
    for handler in (
        sender.AddPartitionsToTxnHandler,
        sender.AddOffsetsToTxnHandler,
        sender.TxnOffsetCommitHandler,
        sender.EndTxnHandler,
    ):
        _count_backoffs(handler)
    produce = sender.SendProduceReqHandler
    handle: Callable[..., Any] = produce.handle_response

    def counting_produce(self: Any, response: Any) -> Any:
        result = handle(self, response)
        if self._to_reenqueue:
            retries[(produce.__name__, f"{self._default_backoff * 1000:g} ms")] += 1
        return result

    produce.handle_response = counting_produce


def _count_backoffs(handler: Any) -> None:
    handle: Callable[..., Any] = handler.handle_response

    def counting(self: Any, response: Any) -> Any:
        backoff = handle(self, response)
        if backoff is not None:
            retries[(handler.__name__, f"{backoff * 1000:g} ms")] += 1
        return backoff

    handler.handle_response = counting


async def _timed(key: tuple[str, str], reply: Awaitable[T]) -> T:
    sent = time.perf_counter()
    try:
        return await reply
    finally:
        request_ms[key].append((time.perf_counter() - sent) * 1000)


async def in_role(role: str, start: Callable[[], Awaitable[T]]) -> T:
    """Starts a client in `role`: its background tasks inherit the context variable."""
    token = _role.set(role)
    try:
        return await start()
    finally:
        _role.reset(token)


async def measure(bootstrap: str, topics: TopicNames, rate: float, count: int) -> float:
    campaigns = campaign_names(CAMPAIGNS)
    setup = [command for campaign in campaigns for command in holding_commands(campaign)]
    await write_commands(bootstrap, topics.commands, setup)
    settings = WorkerSettings(
        kafka_bootstrap_servers=bootstrap,
        ocs_topic_prefix=topics.commands.removesuffix("ocs.commands"),
        group_id="round-trips",
        http_port=free_port(),
        log_level="warning",
    )
    worker = OcsWorker(settings)
    stop = asyncio.Event()
    worker_task = await in_role("worker", lambda: _started(worker.run(stop)))
    reader = events_reader(KafkaConnection(bootstrap), "round-trips-notifier")
    gateway = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, client_id="gateway"
    )
    try:
        await in_role("notifier", reader.start)
        outcomes = [TopicPartition(topics.events, p) for p in range(PARTITIONS)]
        reader.assign(outcomes)
        await in_role("gateway", gateway.start)
        async with asyncio.timeout(120):
            while worker.applied < len(setup):  # noqa: ASYNC110 - a counter, polled
                await asyncio.sleep(0.05)
        await reader.seek_to_end(*outcomes)
        for partition in outcomes:
            await reader.position(partition)
        requests.clear()
        request_ms.clear()
        retries.clear()
        heard = asyncio.create_task(_hear(reader, count))
        began = time.monotonic()
        for index, command in enumerate(updates(campaigns, count)):
            await asyncio.sleep(max(0.0, began + index / rate - time.monotonic()))
            await gateway.send(topics.commands, encode(command), key=command.partition_key)
        async with asyncio.timeout(120):
            await heard
        return time.monotonic() - began
    finally:
        stop.set()
        await worker_task
        await gateway.stop()
        await reader.stop()


async def _started(run: Awaitable[None]) -> "asyncio.Task[None]":
    return asyncio.ensure_future(run)


async def _hear(reader: AIOKafkaConsumer, count: int) -> None:
    while len(latencies_ms) < count:
        batches = await reader.getmany(timeout_ms=500)
        now = time.time_ns()
        for messages in batches.values():
            for message in messages:
                if ACKNOWLEDGED in (message.value or b""):  # not a set-up command's outcome
                    outcome = json.loads(message.value or b"")
                    latencies_ms.append((now - outcome["received_at_ns"]) / 1e6)


def report(count: int, seconds: float) -> None:
    print(f"{count:,} commands in {seconds:.1f} s; broker requests per command, by client:")
    print(f"  {'client':>9} {'request':<32} {'number':>8} {'/command':>8}  response p50 / p99")
    for (role, api), number in sorted(requests.items()):
        waits = request_ms[(role, api)]
        spread = ""
        if len(waits) >= 2:
            cuts = statistics.quantiles(waits, n=100)
            spread = f"  {cuts[49]:6.1f} / {cuts[98]:6.1f} ms"
        print(f"  {role:>9} {api:<32} {number:>8,} {number / count:8.3f}{spread}")
    print("retried requests, by handler and the wait before the retry:")
    for (handler, backoff), number in sorted(retries.items()):
        print(f"  {handler:<26} {backoff:>8} {number:>8,}")
    cuts = statistics.quantiles(latencies_ms, n=100)
    print(f"  send -> outcome read: p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms")
    print(f"  this process's CPU: {time.process_time():.1f} s")
    per_commit = requests[("worker", "EndTxnRequest")]
    if per_commit:
        print(f"  commands per transaction: {count / per_commit:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.probes.round_trips", description=__doc__)
    parser.add_argument("--rate", type=float, default=1000.0, help="commands/s")
    parser.add_argument("--commands", type=int, default=10_000)
    arguments = parser.parse_args(argv)
    count_requests()
    count_retries()
    started = datetime.datetime.now(datetime.UTC).strftime("round-trips-%Y%m%d-%H%M%S")
    with BenchCluster(REPO / ".cache" / "bench" / started, REPO / ".cache") as cluster:
        topics = cluster.fresh_topics()
        run = measure(cluster.bootstrap, topics, arguments.rate, arguments.commands)
        seconds = asyncio.run(run)
    report(arguments.commands, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
