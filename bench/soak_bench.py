"""The soak (only with `--only soak`): the whole stack for 30 minutes at 200 commands/s with 500
CometD sessions. Every minute: each service's resident memory and open file descriptors, and
the machine's load. Passes when both stay flat after a warm-up, no reply is an error and every
accepted command's outcome reaches each session of its agent exactly once."""

import asyncio
import contextlib
import datetime
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from bench.agent import cookie_headers, session_cookie, update_body
from bench.bayeux_client import CHANNEL, Crowd, Endpoint, Level, Message, Transport
from bench.growth import growth_percent_per_hour
from bench.latency import Percentiles
from bench.load_loop import run_load
from bench.machine import busy_cpu_seconds, describe_machine
from bench.posting import Poster, Sender
from bench.proc_stats import ProcessStats, load_average, process_stats
from bench.report import BenchmarkResult, Row, Target, number
from bench.soak_agents import SoakAgent, soak_agents, write_users_file
from bench.stack import USERS_FILE, BenchCluster, ChildProcess
from bench.workload import HELD_RECORD, holding_commands, write_commands
from devstack.broker import free_port

DEFAULT_MINUTES = 30
GROWTH_GOAL_PERCENT_PER_HOUR = 5.0
SERVICES = ("gateway", "ocs_worker", "notifier")
BROKER = "broker (JVM)"
_SCRAPE_EVERY_S = 15.0
_DRAIN_TIMEOUT_S = 120.0
_HOLD_TIMEOUT_S = 120.0
_OPENING_CONCURRENCY = 50


@dataclass(frozen=True, slots=True)
class Scale:
    agents: int
    sessions: int
    rate: float
    minutes: int
    quick: bool = False

    @property
    def command(self) -> str:
        quick = " --quick" if self.quick else ""
        default = self.minutes == (2 if self.quick else DEFAULT_MINUTES)
        return (
            f"python -m bench --only soak{quick}{'' if default else f' --minutes {self.minutes}'}"
        )

    @property
    def warm_up_minutes(self) -> int:
        """Samples before this minute are the warm-up, left out of the growth figures."""
        return min(5, self.minutes // 3)

    @property
    def rate_per_agent(self) -> float:
        return self.rate / self.agents


def scale(*, quick: bool, minutes: int | None) -> Scale:
    if quick:
        return Scale(agents=10, sessions=50, rate=20.0, minutes=minutes or 2, quick=True)
    return Scale(agents=100, sessions=500, rate=200.0, minutes=minutes or DEFAULT_MINUTES)


class SessionLedger:
    """What one session received: how often each of its agent's commands (by the Poster's
    sequence number) came back, error outcomes, and a latency sample when `timed`."""

    def __init__(self, commands: int, delivered: Level, latencies_ns: list[int] | None) -> None:
        self.times = bytearray(commands + 1)
        self.unknown = 0
        self.errors = 0
        self._delivered = delivered
        self._latencies_ns = latencies_ns

    def record(self, data: Message) -> None:
        sequence, _, injected = str(data.get("referenceId", "")).partition(":")
        if not (sequence.isdigit() and injected.isdigit()) or int(sequence) >= len(self.times):
            self.unknown += 1
            return
        index = int(sequence)
        if self.times[index] == 0:
            self._delivered.add()
            if self._latencies_ns is not None:
                self._latencies_ns.append(time.time_ns() - int(injected))
        self.times[index] = min(255, self.times[index] + 1)
        self.errors += data.get("notificationType") == "Error"

    @property
    def distinct(self) -> int:
        return len(self.times) - self.times.count(0)

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.times if count > 1)


@dataclass(frozen=True, slots=True)
class Sample:
    minute: float
    processes: dict[str, ProcessStats]
    load: float
    busy_cores: float
    accepted: int
    refused: int
    delivered: int
    p99_ms: float


@dataclass
class Soak:
    scale: Scale
    started: datetime.datetime
    samples: list[Sample] = field(default_factory=list)
    accepted: int = 0
    refused: int = 0
    unsent: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    expected: int = 0
    delivered: int = 0
    duplicates: int = 0
    unknown: int = 0
    error_outcomes: int = 0
    lost_sessions: int = 0
    rehandshakes: int = 0
    reconnects: int = 0
    scrapes: int = 0
    failed_scrapes: int = 0
    latency: Percentiles = field(default_factory=lambda: Percentiles.of([]))
    posting_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Stack:
    services: dict[str, ChildProcess]
    broker_pid: int
    gateway_port: int
    notifier_port: int

    def pids(self) -> dict[str, int]:
        return {
            **{name: child.pid for name, child in self.services.items()},
            BROKER: self.broker_pid,
        }

    def metrics_urls(self) -> list[str]:
        worker_port = self.services["ocs_worker"].env["WORKER_HTTP_PORT"]
        return [
            f"http://127.0.0.1:{port}/metrics"
            for port in (self.gateway_port, self.notifier_port, worker_port)
        ]


def run(cluster: BenchCluster, *, quick: bool, minutes: int | None = None) -> BenchmarkResult:
    size = scale(quick=quick, minutes=minutes)
    agents = soak_agents(size.agents)
    users_file = cluster.workdir / "soak-users.json"
    write_users_file(users_file, agents, USERS_FILE)
    topics = cluster.fresh_topics()
    set_up = [
        command
        for agent in agents
        for command in holding_commands(agent.campaign, agent.user_name, agent.device_id)
    ]
    asyncio.run(write_commands(cluster.bootstrap, topics.commands, set_up))
    gateway_port, notifier_port = free_port(), free_port()
    users = {"GWS_USERS_FILE": str(users_file)}
    services: dict[str, ChildProcess] = {}
    try:
        services["ocs_worker"] = cluster.service("ocs_worker", topics, **users).start()
        services["notifier"] = cluster.service(
            "notifier", topics, NOTIFIER_PORT=str(notifier_port), **users
        ).start()
        services["gateway"] = cluster.service(
            "gateway", topics, GATEWAY_PORT=str(gateway_port), **users
        ).start()
        stack = Stack(services, cluster.broker.pid, gateway_port, notifier_port)
        soak = run_load(_soak(stack, agents, size))
    finally:
        for service in reversed(services.values()):
            service.stop()
    return _result(soak)


async def _soak(stack: Stack, agents: list[SoakAgent], size: Scale) -> Soak:
    soak = Soak(size, datetime.datetime.now(datetime.UTC))
    gateway = f"http://127.0.0.1:{stack.gateway_port}"
    cookies = [
        await asyncio.to_thread(session_cookie, gateway, agent.user_name) for agent in agents
    ]
    commands_per_agent = round(size.rate_per_agent * 60 * size.minutes)
    delivered = Level()
    latencies_ns: list[int] = []
    sessions_per_agent = size.sessions // size.agents
    ledgers = {
        (agent, slot): SessionLedger(
            commands_per_agent, delivered, latencies_ns if slot == 0 else None
        )
        for agent in range(size.agents)
        for slot in range(sessions_per_agent)
    }
    posters = [
        Poster(
            stack.gateway_port,
            f"/api/v2/me/outbound-records/{HELD_RECORD}",
            [Sender(cookie, partial(update_body, agent.campaign, device_path=agent.device_path))],
            connections=2,
        )
        for agent, cookie in zip(agents, cookies, strict=True)
    ]
    sampler = Sampler(stack, posters, delivered, latencies_ns)
    async with contextlib.AsyncExitStack() as opened:
        crowds = await _open_sessions(opened, stack.notifier_port, cookies, ledgers)
        print(f"   {len(crowds)} sessions of {size.agents} agents hold a connect", flush=True)
        soak.samples.append(sampler.take(0.0))
        began = time.monotonic()
        every_minute = asyncio.create_task(_every_minute(size.minutes, began, sampler, soak))
        scraper = asyncio.create_task(_scrape(stack.metrics_urls(), soak))
        try:
            await asyncio.gather(
                *(
                    _post(poster, index / size.rate, size.rate_per_agent, 60 * size.minutes)
                    for index, poster in enumerate(posters)
                )
            )
            soak.posting_s = time.monotonic() - began
            await every_minute
        finally:
            every_minute.cancel()
            scraper.cancel()
            for poster in posters:
                await poster.close()
        expected = sum(
            posters[agent].accepted
            for agent in range(size.agents)
            for _ in range(sessions_per_agent)
        )
        await delivered.reach(lambda: expected, _DRAIN_TIMEOUT_S)
        soak.expected = expected
        soak.delivered = delivered.value
        soak.lost_sessions = sum(len(crowd.failures) for crowd in crowds)
        soak.rehandshakes = sum(crowd.rehandshakes for crowd in crowds)
        soak.reconnects = sum(crowd.reconnects for crowd in crowds)
    soak.accepted = sum(poster.accepted for poster in posters)
    soak.refused = sum(poster.refused for poster in posters)
    soak.unsent = sum(poster.unsent for poster in posters)
    for poster in posters:
        for reason, count in poster.refusals.items():
            soak.refusals[reason] = soak.refusals.get(reason, 0) + count
    soak.duplicates = sum(ledger.duplicates for ledger in ledgers.values())
    soak.unknown = sum(ledger.unknown for ledger in ledgers.values())
    soak.error_outcomes = sum(ledger.errors for ledger in ledgers.values())
    soak.latency = Percentiles.of(latencies_ns)
    return soak


async def _open_sessions(
    opened: contextlib.AsyncExitStack,
    notifier_port: int,
    cookies: list[str],
    ledgers: dict[tuple[int, int], SessionLedger],
) -> list[Crowd]:
    """One crowd of one session per ledger, so that each session counts its own deliveries;
    even slots long-polling (acknowledging and replaying, as our desktop), odd ones websocket."""
    gate = asyncio.Semaphore(_OPENING_CONCURRENCY)
    crowds: list[Crowd] = []

    async def open_one(agent: int, slot: int, ledger: SessionLedger) -> None:
        transport: Transport = "long-polling" if slot % 2 == 0 else "websocket"
        endpoint = Endpoint(
            "127.0.0.1", notifier_port, "/api/v2/notifications", cookie_headers(cookies[agent])
        )
        crowd = Crowd(
            endpoint, transport, 1, {CHANNEL: ledger.record}, lossless=transport == "long-polling"
        )
        async with gate:
            crowds.append(await opened.enter_async_context(crowd))

    await asyncio.gather(
        *(open_one(agent, slot, ledger) for (agent, slot), ledger in ledgers.items())
    )
    holding = await asyncio.gather(*(crowd.wait_until_holding(_HOLD_TIMEOUT_S) for crowd in crowds))
    if not all(holding):
        held = sum(crowd.holding for crowd in crowds)
        total = sum(len(crowd.sessions) for crowd in crowds)
        raise TimeoutError(f"{held} of {total} sessions hold a connect after {_HOLD_TIMEOUT_S} s")
    return crowds


async def _post(poster: Poster, offset_s: float, rate: float, seconds: float) -> None:
    """One agent's commands, its first `offset_s` late so that the agents' POSTs interleave."""
    await asyncio.sleep(offset_s)
    await poster.paced(rate, seconds)


class Sampler:
    """Takes a `Sample`; machine CPU and latency are those since the previous one."""

    def __init__(
        self, stack: Stack, posters: list[Poster], delivered: Level, latencies_ns: list[int]
    ) -> None:
        self._stack = stack
        self._posters = posters
        self._delivered = delivered
        self._latencies_ns = latencies_ns
        self._busy_s = busy_cpu_seconds()
        self._at = time.monotonic()
        self._latencies_seen = 0

    def take(self, minute: float) -> Sample:
        busy_s, at = busy_cpu_seconds(), time.monotonic()
        sample = Sample(
            minute=minute,
            processes={name: process_stats(pid) for name, pid in self._stack.pids().items()},
            load=load_average(),
            busy_cores=(busy_s - self._busy_s) / max(at - self._at, 1e-9),
            accepted=sum(poster.accepted for poster in self._posters),
            refused=sum(poster.refused for poster in self._posters),
            delivered=self._delivered.value,
            p99_ms=Percentiles.of(self._latencies_ns[self._latencies_seen :]).p99_ms,
        )
        self._busy_s, self._at, self._latencies_seen = busy_s, at, len(self._latencies_ns)
        _print_sample(sample)
        return sample


async def _every_minute(minutes: int, began: float, sampler: Sampler, soak: Soak) -> None:
    for minute in range(1, minutes + 1):
        await asyncio.sleep(max(0.0, began + 60 * minute - time.monotonic()))
        soak.samples.append(sampler.take((time.monotonic() - began) / 60))


async def _scrape(urls: list[str], soak: Soak) -> None:
    """Every service's /metrics every 15 s, as a Prometheus would."""
    while True:
        for url in urls:
            soak.scrapes += 1
            if not await asyncio.to_thread(_answers, url):
                soak.failed_scrapes += 1
        await asyncio.sleep(_SCRAPE_EVERY_S)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            return bool(response.status == 200)
    except OSError:
        return False


def _print_sample(sample: Sample) -> None:
    memory = ", ".join(
        f"{name} {stats.rss_kib / 1024:.0f} MiB/{stats.open_fds} fds"
        for name, stats in sample.processes.items()
    )
    print(
        f"   minute {sample.minute:4.1f}: {memory}; load {sample.load:.2f}; accepted "
        f"{sample.accepted:,}, errors {sample.refused:,}, delivered {sample.delivered:,}, "
        f"p99 {sample.p99_ms:.0f} ms",
        flush=True,
    )


def growth(soak: Soak, name: str, figure: Callable[[ProcessStats], float]) -> float:
    """% per hour of `figure` of process `name` over the samples after the warm-up."""
    kept = [sample for sample in soak.samples if sample.minute >= soak.scale.warm_up_minutes]
    return growth_percent_per_hour(
        [sample.minute for sample in kept], [figure(sample.processes[name]) for sample in kept]
    )


def _rss_mib(stats: ProcessStats) -> float:
    return stats.rss_kib / 1024


def _fds(stats: ProcessStats) -> float:
    return stats.open_fds


def _result(soak: Soak) -> BenchmarkResult:
    size = soak.scale
    machine = describe_machine()
    loads = [sample.load for sample in soak.samples]
    result = BenchmarkResult(
        name="soak",
        title=f"{size.minutes} minutes of the whole stack at {size.rate:,.0f} commands/s",
        baseline="none: each service against itself over time (growth after the warm-up)",
        parameters={
            "run": f"{soak.started:%Y-%m-%d %H:%M UTC}, `{size.command}`, commit "
            f"{machine['commit']}, {machine['CPU']}, {machine['cores']} cores, {machine['RAM']}",
            "stack": "one broker; gateway, worker (with its metrics listener) and notifier as "
            "`python -m ...`, default settings, exactly-once on; every /metrics scraped every "
            f"{_SCRAPE_EVERY_S:.0f} s",
            "agents": f"{size.agents} (a users file of the soak's own), each holding a record "
            "of its own campaign",
            "sessions": f"{size.sessions}, {size.sessions // size.agents} per agent, alternately "
            "long-polling (acknowledging and replaying) and websocket; each counts what it "
            "receives on /v2/me/outbound",
            "load": f"UpdateRecord POSTs paced at {size.rate:,.0f}/s in all "
            f"({size.rate_per_agent:g}/s per agent, 2 keep-alive connections each) for "
            f'{size.minutes} minutes; any reply but 200 `{{"statusCode": 0}}` is an error',
            "sampled": "every minute: VmRSS of /proc/<pid>/status and the entries of "
            "/proc/<pid>/fd of each process, the 1-minute load average, the machine's busy "
            "cores (/proc/stat) and p99 of POST -> delivery latency (first session of each agent)",
            "growth": f"the least-squares slope over the samples from minute "
            f"{size.warm_up_minutes} on (before: warm-up), per hour, as % of their mean",
            "machine": "2 cores shared with other work during the run: the load average "
            "column counts every process on the machine",
        },
    )
    first, final = soak.samples[0], soak.samples[-1]
    for name in (*SERVICES, BROKER):
        last = final.processes[name]
        cpu_s = last.cpu_s - first.processes[name].cpu_s
        result.rows += [
            Row(f"{name} CPU, mean", cpu_s / (60 * max(final.minute, 1e-9)), None, "cores"),
            Row(f"{name} RSS at the end", last.rss_kib / 1024, None, "MiB"),
            Row(f"{name} RSS growth after warm-up", growth(soak, name, _rss_mib), None, "%/h"),
            Row(f"{name} open FDs at the end", last.open_fds, None, ""),
            Row(f"{name} open FD growth after warm-up", growth(soak, name, _fds), None, "%/h"),
        ]
    result.rows += [
        Row("commands accepted", soak.accepted, None, ""),
        Row("error replies", soak.refused, None, ""),
        Row("commands not sent: every connection busy when due", soak.unsent, None, ""),
        Row(
            "achieved rate", (soak.accepted + soak.refused) / max(soak.posting_s, 1e-9), None, "/s"
        ),
        Row("outcomes delivered / expected (every session)", soak.delivered, soak.expected, ""),
        Row("duplicate deliveries to a session", soak.duplicates, None, ""),
        Row("error outcomes (session deliveries)", soak.error_outcomes, None, ""),
        Row("sessions lost", soak.lost_sessions, None, ""),
        Row("re-handshakes with replay", soak.rehandshakes, None, ""),
        Row("long-poll connects sent again on a new connection", soak.reconnects, None, ""),
        Row("p50 POST -> delivery", soak.latency.p50_ms, None, "ms"),
        Row("p99 POST -> delivery", soak.latency.p99_ms, None, "ms"),
        Row("max POST -> delivery", soak.latency.max_ms, None, "ms"),
        Row("/metrics scrapes failed", soak.failed_scrapes, soak.scrapes, ""),
        Row("load average (1 min), mean", sum(loads) / len(loads), None, ""),
        Row("load average (1 min), max", max(loads), None, ""),
    ]
    result.targets += _targets(soak)
    result.notes += [
        f"Refused {count:,} times: {reason}"
        for reason, count in sorted(soak.refusals.items(), key=lambda item: -item[1])[:5]
    ]
    if soak.unknown:
        result.notes.append(f"{soak.unknown:,} deliveries carried no referenceId of ours.")
    result.tables.append(_minutes_table(soak))
    return result


def _targets(soak: Soak) -> list[Target]:
    growths = {
        f"{name} {label}": growth(soak, name, figure)
        for name in SERVICES
        for label, figure in (("RSS", _rss_mib), ("FDs", _fds))
    }
    worst = max(growths, key=lambda key: growths[key])
    goal = GROWTH_GOAL_PERCENT_PER_HOUR
    flat = Target(
        f"RSS and open FDs of gateway, worker, notifier grow < {goal:g} %/h after warm-up",
        growths[worst] < goal,
        "; ".join(f"{key} {growths[key]:+.1f} %/h" for key in growths) + f" (most: {worst})",
    )
    no_errors = Target(
        "no error replies",
        soak.refused == 0,
        f"{soak.refused:,} of {soak.accepted + soak.refused:,} POSTs answered with an error",
    )
    complete = (
        soak.delivered == soak.expected
        and soak.duplicates == 0
        and soak.lost_sessions == 0
        and soak.error_outcomes == 0
    )
    delivered = Target(
        "every accepted command's outcome reaches each session of its agent exactly once",
        complete,
        f"{soak.delivered:,} of {soak.expected:,} session deliveries, {soak.duplicates:,} "
        f"duplicates, {soak.error_outcomes:,} error outcomes, {soak.lost_sessions} sessions "
        f"lost",
    )
    return [flat, no_errors, delivered]


def _minutes_table(soak: Soak) -> str:
    names = (*SERVICES, BROKER)
    lines = [
        "Per minute (RSS in MiB / open FDs; minutes before "
        f"{soak.scale.warm_up_minutes} are the warm-up):",
        "",
        "| minute | load 1 min | busy cores | "
        + " | ".join(names)
        + " | accepted | errors | delivered | p99 ms |",
        "|---:|---:|---:|" + "---:|" * len(names) + "---:|---:|---:|---:|",
    ]
    for sample in soak.samples:
        memory = " | ".join(
            f"{sample.processes[name].rss_kib / 1024:.1f} / {sample.processes[name].open_fds}"
            for name in names
        )
        lines.append(
            f"| {sample.minute:.1f} | {sample.load:.2f} | {sample.busy_cores:.2f} | {memory} | "
            f"{sample.accepted:,} | {sample.refused:,} | {sample.delivered:,} | "
            f"{number(sample.p99_ms)} |"
        )
    return "\n".join(lines)
