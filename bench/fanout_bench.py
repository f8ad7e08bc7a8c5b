"""Benchmark 4: one publication fanned out to 10,000 connected CometD sessions (long-polling,
and a websocket variant): delivered messages/s, delivery latency, memory per session; ours
against two reference servers, the Faye Bayeux server (Node) and the CometD Java server
(Jetty), all driven by the same load generator.

Injection differs and is timed from its start: ours is an agent outcome produced to
`ocs.events` (Kafka produce + the notifier's consume + render + delivery); a reference
server's is an HTTP POST to a control port of its process that publishes server-side (no
broker). Sessions lost on the way are a finding of the run (`bench.losses`), not its end."""

import asyncio
import contextlib
import json
import math
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol

from aiokafka import AIOKafkaProducer
from pydantic import JsonValue

from agent_access.identity import UserDirectory
from agent_access.session import SESSION_COOKIE, issue_session_token
from bench import cometd_java
from bench.agent import (
    APPLICATION_ID,
    CALLING_LIST,
    DEVICE_ID,
    DEVICE_PATH,
    USER_NAME,
    cookie_headers,
)
from bench.bayeux_client import CHANNEL, Crowd, Deliveries, Endpoint, Transport
from bench.bayeux_client import reference_id as make_reference_id
from bench.latency import Percentiles
from bench.losses import delivery_finding, describe_losses
from bench.machine import FAYE_DIR, busy_cpu_seconds
from bench.raw_http import HttpConnection
from bench.report import BenchmarkResult, Row, Target, number
from bench.stack import REPO, USERS_FILE, BenchCluster, ChildProcess
from devstack.broker import free_port
from outbound_contracts.codec import encode
from outbound_contracts.events import UserEventRaised
from outbound_contracts.topics import TopicNames, user_key

PATH = "/api/v2/notifications"
TRANSPORTS: tuple[Transport, ...] = ("long-polling", "websocket")
_HOLD_TIMEOUT_S = 300.0
_COMETD_RATE_GOAL = 0.8
_MEMORY_GOAL = 1.0


class Injector(Protocol):
    async def publish(self, reference_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Fanout:
    sessions: int
    publications: int
    delivered: int
    accepted: int
    """Deliveries expected: sessions live before the burst x publications."""
    lost_sessions: int
    losses: str
    rate: float
    seconds: float
    latency: Percentiles
    bytes_per_session: float
    server_cpu_s: float
    client_cpu_s: float
    machine_cpu_s: float
    """CPU time of the servers, of the load generator and of the machine while delivering."""

    @property
    def machine_cores(self) -> float:
        return self.machine_cpu_s / self.seconds

    @property
    def server_ms_per_1000(self) -> float:
        return 1e6 * self.server_cpu_s / max(self.delivered, 1)


def outbound_data(reference_id: str) -> dict[str, object]:
    """The `/v2/me/outbound` data of a RecordRejectAcknowledge, as the notifier renders it."""
    return {
        "messageType": "OutboundRecordMessage",
        "notificationType": "RecordRejectAcknowledge",
        "referenceId": reference_id,
        "record": _record_block(),
    }


def _record_block() -> dict[str, JsonValue]:
    return {
        "devicePath": DEVICE_PATH,
        "callingList": CALLING_LIST,
        "applicationId": APPLICATION_ID,
        "recordHandle": 9,
        "campaignName": "Campaign1",
    }


class KafkaInjector:
    """Agent outcomes for agent1 on `ocs.events`, as the worker writes them."""

    def __init__(self, producer: AIOKafkaProducer, topic: str) -> None:
        self._producer = producer
        self._topic = topic

    async def publish(self, reference_id: str) -> None:
        event = UserEventRaised(
            command_id=uuid.uuid4().hex,
            user_name=USER_NAME,
            device_id=DEVICE_ID,
            reference_id=reference_id,
            received_at_ns=time.time_ns(),
            processing_ns=0,
            message_type="OutboundRecordMessage",
            subject=_record_block(),
            user_data={"GSW_USER_EVENT": "RecordRejectAcknowledge", "GSW_RECORD_HANDLE": 9},
            notification_type="RecordRejectAcknowledge",
        )
        await self._producer.send(self._topic, encode(event), key=user_key(USER_NAME))


@contextlib.asynccontextmanager
async def kafka_injector(bootstrap: str, topics: TopicNames) -> AsyncIterator[KafkaInjector]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await producer.start()
    try:
        yield KafkaInjector(producer, topics.events)
    finally:
        await producer.stop()


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference Bayeux server: its name in the results, what runs its code, and its
    command line serving Bayeux on a port and taking publications on a control port."""

    name: str
    runtime: str
    command: Callable[[int, int], list[str]]


def _faye_command(port: int, control_port: int) -> list[str]:
    return ["node", str(FAYE_DIR / "server.mjs"), str(port), str(control_port), PATH]


FAYE = Reference("Faye", "V8's JIT", _faye_command)


def cometd_java_reference(home: Path) -> Reference:
    return Reference(
        "CometD Java", "the JVM's JIT", partial(cometd_java.server_command, home, path=PATH)
    )


class ControlPortInjector:
    """A reference server's publication: a POST to its control port, published server-side.

    Each POST opens its own connection: Node closes a keep-alive connection idle for 5 s, and
    the wait for the warm-up's 10,000 deliveries can be longer, which lost the next POST."""

    def __init__(self, control_port: int) -> None:
        self._control_port = control_port

    async def publish(self, reference_id: str) -> None:
        message = {"channel": CHANNEL, "data": outbound_data(reference_id)}
        control = HttpConnection("127.0.0.1", self._control_port)
        try:
            await control.post("/publish", json.dumps(message).encode())
        finally:
            await control.close()


async def fan_out(
    servers: list[tuple[ChildProcess, Endpoint]],
    injector: Injector,
    transport: Transport,
    sessions: int,
    publications: int,
) -> Fanout:
    """`sessions` split evenly over `servers`; memory is the servers' RSS growth."""
    deliveries = Deliveries()
    rss_before = sum(server.rss_bytes() for server, _ in servers)
    share = sessions // len(servers)
    handlers = {CHANNEL: deliveries.record}
    crowds = [Crowd(endpoint, transport, share, handlers) for _, endpoint in servers]
    async with contextlib.AsyncExitStack() as stack:
        for crowd in crowds:
            await stack.enter_async_context(crowd)
        for crowd in crowds:
            if not await crowd.wait_until_holding(_HOLD_TIMEOUT_S):
                print(f"    {crowd.holding} of {crowd.live} live sessions hold a connect "
                      f"after {_HOLD_TIMEOUT_S:.0f} s; publishing anyway", flush=True)  # fmt: skip
        bytes_per_session = (sum(s.rss_bytes() for s, _ in servers) - rss_before) / sessions
        connected = sum(crowd.live for crowd in crowds)
        await injector.publish(make_reference_id(0, time.time_ns()))  # warm-up
        await deliveries.wait_for(connected, 60)
        deliveries.clear()
        server_cpu, client_cpu = _server_cpu(servers), time.process_time()
        machine_cpu = busy_cpu_seconds()
        started = time.time_ns()
        # Every publication's latency counts from the burst's start: Faye's control POST
        # returns only after its fan-out, so stamping each at its own send would leave
        # Faye's queueing out while ours (a Kafka send returns at once) counts it.
        for sequence in range(1, publications + 1):
            await injector.publish(make_reference_id(sequence, started))
        await deliveries.wait_for(connected * publications, 120)
        server_cpu, client_cpu = _server_cpu(servers) - server_cpu, time.process_time() - client_cpu
        machine_cpu = busy_cpu_seconds() - machine_cpu
        failures = [failure for crowd in crowds for failure in crowd.failures]
    elapsed_s = max(deliveries.last_at_ns - started, 1) / 1e9
    return Fanout(
        sessions=sessions,
        publications=publications,
        delivered=deliveries.count,
        accepted=connected * publications,
        lost_sessions=len(failures),
        losses=describe_losses(failures),
        rate=deliveries.count / elapsed_s,
        seconds=elapsed_s,
        latency=Percentiles.of(deliveries.latencies_ns),
        bytes_per_session=bytes_per_session,
        server_cpu_s=server_cpu,
        client_cpu_s=client_cpu,
        machine_cpu_s=machine_cpu,
    )


def _server_cpu(servers: list[tuple[ChildProcess, Endpoint]]) -> float:
    return sum(process.cpu_seconds() for process, _ in servers)


def notifier_endpoint(cluster: BenchCluster, port: int) -> Endpoint:
    account = UserDirectory.load(USERS_FILE).get(USER_NAME)
    assert account is not None, f"{USER_NAME} is not in {USERS_FILE}"
    token = issue_session_token(
        USER_NAME,
        cluster.session_secret,
        now=time.time(),
        ttl_seconds=3600,
        password_version=account.password_version,
    )
    return Endpoint("127.0.0.1", port, PATH, cookie_headers(f"{SESSION_COOKIE}={token}"))


def measure_ours(
    cluster: BenchCluster, transport: Transport, sessions: int, publications: int, notifiers: int
) -> Fanout:
    topics = cluster.fresh_topics()
    servers: list[tuple[ChildProcess, Endpoint]] = []
    try:
        for index in range(notifiers):
            port = free_port()
            process = cluster.service(
                "notifier", topics, name=f"notifier-{index}", NOTIFIER_PORT=str(port)
            ).start()
            servers.append((process, notifier_endpoint(cluster, port)))

        async def measure() -> Fanout:
            async with kafka_injector(cluster.bootstrap, topics) as injector:
                return await fan_out(servers, injector, transport, sessions, publications)

        return asyncio.run(measure())
    finally:
        for process, _ in servers:
            process.stop()


def measure_reference(
    cluster: BenchCluster,
    reference: Reference,
    transport: Transport,
    sessions: int,
    publications: int,
) -> Fanout:
    port, control_port = free_port(), free_port()
    name = reference.name.lower().replace(" ", "-")
    server = ChildProcess(
        name=name,
        command=reference.command(port, control_port),
        env=dict(os.environ),
        log_file=cluster.logs / f"{name}.log",
        ready_url=f"http://127.0.0.1:{control_port}/",
    ).start()
    try:
        endpoint = Endpoint("127.0.0.1", port, PATH)
        injector = ControlPortInjector(control_port)
        return asyncio.run(
            fan_out([(server, endpoint)], injector, transport, sessions, publications)
        )
    finally:
        server.stop()


def run(cluster: BenchCluster, *, quick: bool) -> BenchmarkResult:
    sessions, publications = (300, 3) if quick else (10_000, 10)
    result = BenchmarkResult(
        name="fanout",
        title=f"notifier fan-out to {sessions:,} sessions",
        baseline="the Faye Bayeux server (npm faye, Node); in the rows and targets that say "
        f"so, the CometD Java server (org.cometd.java {cometd_java.COMETD_VERSION} on Jetty "
        f"{cometd_java.JETTY_VERSION}, bench/cometd-java/); each on the same machine, same "
        "load generator, same channel and message",
        parameters={
            "sessions": f"{sessions:,} of agent1, each its own TCP connection, subscribed to "
            f"{CHANNEL}; ours authenticated by the GWS_SESSION cookie",
            "publications": f"{publications} back to back after one warm-up, each delivered "
            "to every session",
            "load generator": "one Python asyncio process: raw HTTP/1.1 "
            "long polls (bench/raw_http.py) or `websockets` connections",
            "delivered/s": "deliveries / (last receipt - first injection)",
            "latency": "receipt at the client - start of the burst, for every publication "
            "(ours: Kafka produce + consume + render + delivery; Faye and CometD Java: control "
            "POST + server-side publish); each publication's own send time would hide a "
            "reference server's queueing, since its control POST returns only after the "
            "publish has queued the message to every session",
            "memory": "server RSS (/proc/<pid>/status) after every session holds a connect, "
            "minus RSS before the first session, / sessions",
            "CometD Java": "one JVM (default heap and GC of Java 17), connects held 30 s "
            "(timeout=30000), long-polling in the Jakarta servlet on Jetty ee10 (the Jetty-core "
            "HTTP module of CometD 8.0.0 is not on Maven Central here), websocket on Jetty's "
            "websocket API; trustClientSession=true and maxSessionsPerBrowser=-1, as the load "
            "generator keeps no BAYEUX_BROWSER cookie",
            "lost sessions": "a session that cannot open or that the server ends is counted "
            "and reported with delivered / accepted; the run goes on",
        },
    )
    try:
        cometd_home: Path | None = cometd_java.ensure_cometd_java(REPO / ".cache")
    except cometd_java.CometDJavaUnavailable as error:
        cometd_home = None
        result.notes.append(f"The CometD Java server could not be built here: {error}")
    for transport in TRANSPORTS:
        ours = measure_ours(cluster, transport, sessions, publications, notifiers=1)
        faye = measure_reference(cluster, FAYE, transport, sessions, publications)
        add_faye(result, transport, ours, faye)
        if cometd_home is not None:
            reference = cometd_java_reference(cometd_home)
            cometd = measure_reference(cluster, reference, transport, sessions, publications)
            compare_with_cometd_java(result, transport, ours, cometd, reference=reference)
        else:
            result.targets += [
                Target(f"{transport}: {goal} CometD Java's", False, "not measured: not built")
                for goal in (f"delivered messages/s >= {_COMETD_RATE_GOAL}x", "p99 no worse than")
            ]
        result.notes += lost_session_findings(transport, ours=ours, Faye=faye)
    return result


def lost_session_findings(transport: Transport, **runs: Fanout) -> list[str]:
    return [
        delivery_finding(f"{transport}, {who}", run.delivered, run.accepted, run.losses)
        for who, run in runs.items()
        if run.lost_sessions or run.delivered < run.accepted
    ]


def add_faye(result: BenchmarkResult, transport: Transport, ours: Fanout, faye: Fanout) -> None:
    expected = ours.sessions * ours.publications
    result.rows += [
        Row(f"{transport}: delivered messages/s", ours.rate, faye.rate, "/s"),
        Row(f"{transport}: p50 delivery latency", ours.latency.p50_ms, faye.latency.p50_ms, "ms"),
        Row(f"{transport}: p99 delivery latency", ours.latency.p99_ms, faye.latency.p99_ms, "ms"),
        Row(f"{transport}: memory per session", ours.bytes_per_session / 1024,
            faye.bytes_per_session / 1024, "KiB"),
        Row(f"{transport}: delivered (of {expected:,})", ours.delivered, faye.delivered,
            "messages"),
        Row(f"{transport}: sessions lost", ours.lost_sessions, faye.lost_sessions, "sessions"),
        Row(f"{transport}: server CPU per 1,000 deliveries", ours.server_ms_per_1000,
            faye.server_ms_per_1000, "ms"),
        Row(f"{transport}: load generator CPU while delivering", ours.client_cpu_s,
            faye.client_cpu_s, "s"),
    ]  # fmt: skip
    for name, met, figures in (
        (
            "delivered messages/s",
            ours.rate > faye.rate,
            f"{number(ours.rate)}/s against Faye's {number(faye.rate)}/s",
        ),
        (
            "p99 delivery latency",
            ours.latency.p99_ms < faye.latency.p99_ms,
            f"{number(ours.latency.p99_ms)} ms against Faye's {number(faye.latency.p99_ms)} ms",
        ),
    ):
        verdict = figures
        if not met:
            verdict += f" ({_why(ours, faye, FAYE)})"
        result.targets.append(Target(f"{transport}: ahead of Faye on {name}", met, verdict))
    result.targets.append(_memory_against_faye(transport, ours, faye))


def _memory_against_faye(transport: Transport, ours: Fanout, faye: Fanout) -> Target:
    ratio = ours.bytes_per_session / faye.bytes_per_session if faye.bytes_per_session else math.nan
    met = ratio <= _MEMORY_GOAL
    verdict = (
        f"{number(ours.bytes_per_session / 1024)} KiB per session against Faye's "
        f"{number(faye.bytes_per_session / 1024)} KiB ({number(ratio)}x)"
    )
    if not met:
        verdict += (
            "; what a session holds, object by object (ours, uvicorn's and the websockets "
            "library's), is measured by `python -m bench.probes.session_memory` "
            "(docs/performance-history.md)"
        )
    return Target(f"{transport}: memory per session <= {_MEMORY_GOAL}x Faye's", met, verdict)


def compare_with_cometd_java(
    result: BenchmarkResult,
    transport: Transport,
    ours: Fanout,
    cometd: Fanout,
    *,
    reference: Reference,
) -> None:
    against = "against CometD Java"
    result.rows += [
        Row(f"{transport}, {against}: delivered messages/s", ours.rate, cometd.rate, "/s"),
        Row(f"{transport}, {against}: p50 delivery latency", ours.latency.p50_ms,
            cometd.latency.p50_ms, "ms"),
        Row(f"{transport}, {against}: p99 delivery latency", ours.latency.p99_ms,
            cometd.latency.p99_ms, "ms"),
        Row(f"{transport}, {against}: memory per session", ours.bytes_per_session / 1024,
            cometd.bytes_per_session / 1024, "KiB"),
        Row(f"{transport}, {against}: delivered (of {cometd.sessions * cometd.publications:,})",
            ours.delivered, cometd.delivered, "messages"),
        Row(f"{transport}, {against}: sessions lost", ours.lost_sessions, cometd.lost_sessions,
            "sessions"),
        Row(f"{transport}, {against}: server CPU per 1,000 deliveries", ours.server_ms_per_1000,
            cometd.server_ms_per_1000, "ms"),
    ]  # fmt: skip
    rate_met = ours.rate >= _COMETD_RATE_GOAL * cometd.rate
    rate = (
        f"{number(ours.rate)}/s against CometD Java's {number(cometd.rate)}/s "
        f"({number(ours.rate / cometd.rate if cometd.rate else float('nan'))}x)"
    )
    p99_met = ours.latency.p99_ms <= cometd.latency.p99_ms
    p99 = (
        f"{number(ours.latency.p99_ms)} ms against CometD Java's {number(cometd.latency.p99_ms)} ms"
    )
    result.targets += [
        Target(
            f"{transport}: delivered messages/s >= {_COMETD_RATE_GOAL}x CometD Java's",
            rate_met,
            rate if rate_met else f"{rate} ({_why(ours, cometd, reference)})",
        ),
        Target(
            f"{transport}: p99 no worse than CometD Java's",
            p99_met,
            p99 if p99_met else f"{p99} ({_why(ours, cometd, reference)})",
        ),
    ]
    result.notes += lost_session_findings(transport, **{"CometD Java": cometd})


def _why(ours: Fanout, other: Fanout, reference: Reference) -> str:
    """What the CPU figures say about a missed fan-out target."""
    name = reference.name
    server = (
        f"the notifier spent {number(ours.server_ms_per_1000)} ms of CPU per 1,000 deliveries, "
        f"{name} {number(other.server_ms_per_1000)} ms"
    )
    if ours.server_ms_per_1000 > other.server_ms_per_1000:
        server += (
            ": per delivery the notifier does more in Python (a JSON reply per session and "
            f"connect, Starlette's request/response objects) than {name} does on "
            f"{reference.runtime}"
        )
    client = (
        f"; the load generator, one Python process on the same {os.cpu_count()} cores, "
        f"used {number(ours.client_cpu_s)} s of CPU with ours and "
        f"{number(other.client_cpu_s)} s with {name}, and its receipt queue is part of every "
        "latency"
    )
    ours_latency = f"; ours includes a Kafka produce and consume ({name}'s injection has no broker)"
    return server + client + ours_latency
