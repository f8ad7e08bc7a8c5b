"""`python -m bench.probes.session_memory`: what one idle session holding a connect costs the
server, measured as `fanout` measures it (server RSS once every session holds a connect, minus RSS
before the first, / sessions), without the fan-out; for the notifier and for Faye (through
`fanout`'s own run, one publication).

`--tracemalloc` runs the notifier under tracemalloc and prints where its Python allocations
grew, per 1,000 sessions, by line and by file (docs/performance-history.md, round 2)."""

import argparse
import asyncio
import contextlib
import dataclasses
import os
import signal
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench import fanout_bench
from bench.bayeux_client import CHANNEL, Crowd, Endpoint, Transport
from bench.fanout_bench import TRANSPORTS, notifier_endpoint
from bench.stack import REPO, BenchCluster, ChildProcess
from devstack.broker import free_port

_HOLD_TIMEOUT_S = 300.0
_SNAPSHOT_TIMEOUT_S = 120.0
_TOP = 25


async def hold_sessions(
    server: ChildProcess, endpoint: Endpoint, transport: Transport, sessions: int
) -> float:
    """Bytes of server RSS per session once `sessions` sessions hold a connect."""
    before = server.rss_bytes()
    async with Crowd(endpoint, transport, sessions, {CHANNEL: lambda _: None}) as crowd:
        try:
            await crowd.wait_until_holding(_HOLD_TIMEOUT_S)
        except TimeoutError as error:  # a finding on a loaded machine, not a reason to stop
            print(f"measured anyway: {error}", flush=True)
        for failure in {repr(failure) for failure in crowd.failures}:
            print(f"lost: {failure}", flush=True)
        return (server.rss_bytes() - before) / sessions


async def traced_sessions(
    server: ChildProcess, endpoint: Endpoint, transport: Transport, sessions: int, folder: Path
) -> tuple[float, tracemalloc.Snapshot, tracemalloc.Snapshot]:
    before_rss = server.rss_bytes()
    before = await _snapshot(server, folder, 1)
    async with Crowd(endpoint, transport, sessions, {CHANNEL: lambda _: None}) as crowd:
        await crowd.wait_until_holding(_HOLD_TIMEOUT_S)
        rss = (server.rss_bytes() - before_rss) / sessions
        after = await _snapshot(server, folder, 2)
    return rss, before, after


async def _snapshot(server: ChildProcess, folder: Path, number: int) -> tracemalloc.Snapshot:
    os.kill(server.pid, signal.SIGUSR1)
    done = folder / f"{number}.done"
    deadline = time.monotonic() + _SNAPSHOT_TIMEOUT_S
    while not done.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no tracemalloc snapshot {number} from the notifier")
        await asyncio.sleep(0.2)
    return tracemalloc.Snapshot.load(str(folder / f"{number}.snapshot"))


def print_growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, sessions: int) -> None:
    per_thousand = 1000 / sessions
    total = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    print(f"tracemalloc: {total * per_thousand / 1024:,.0f} KiB per 1,000 sessions in all")
    for key in ("filename", "lineno"):
        print(f"\ngrowth by {key}, per 1,000 sessions:")
        for stat in after.compare_to(before, key)[:_TOP]:
            frame = stat.traceback[0]
            where = frame.filename.replace(str(REPO) + "/", "").split("site-packages/")[-1]
            line = f":{frame.lineno}" if key == "lineno" else ""
            print(
                f"  {stat.size_diff * per_thousand / 1024:9.1f} KiB "
                f"{stat.count_diff * per_thousand:8.0f} blocks  {where}{line}"
            )


def measure_ours(
    cluster: BenchCluster,
    transport: Transport,
    sessions: int,
    *,
    traced: bool,
    env: dict[str, str],
) -> float:
    port = free_port()
    process = cluster.service("notifier", cluster.fresh_topics(1), NOTIFIER_PORT=str(port), **env)
    with tempfile.TemporaryDirectory() as folder:
        if traced:
            process = dataclasses.replace(
                process,
                command=[sys.executable, "-m", "bench.probes.traced_notifier"],
                env={**process.env, "TRACEMALLOC_SNAPSHOTS": folder},
            )
        process.start()
        try:
            endpoint = notifier_endpoint(cluster, port)
            if not traced:
                return asyncio.run(hold_sessions(process, endpoint, transport, sessions))
            rss, before, after = asyncio.run(
                traced_sessions(process, endpoint, transport, sessions, Path(folder))
            )
            print_growth(before, after, sessions)
            return rss
        finally:
            process.stop()


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    env = dict(setting.split("=", 1) for setting in arguments.env)
    workdir = REPO / ".cache" / "bench" / time.strftime("memory-%Y%m%d-%H%M%S")
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(BenchCluster(workdir, REPO / ".cache"))
        for transport in arguments.transport:
            for server in arguments.server:
                if server == "faye":  # as `fanout` measures it, with one publication
                    per_session = fanout_bench.measure_reference(
                        cluster, fanout_bench.FAYE, transport, arguments.sessions, publications=1
                    ).bytes_per_session
                else:
                    per_session = measure_ours(
                        cluster,
                        transport,
                        arguments.sessions,
                        traced=arguments.tracemalloc,
                        env=env,
                    )
                print(
                    f"{server} {transport}: {per_session / 1024:.1f} KiB per session "
                    f"({arguments.sessions:,} sessions)",
                    flush=True,
                )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.probes.session_memory", description=__doc__
    )
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--transport", nargs="+", choices=TRANSPORTS, default=list(TRANSPORTS))
    parser.add_argument("--server", nargs="+", choices=["ours", "faye"], default=["ours"])
    parser.add_argument("--tracemalloc", action="store_true", help="where the notifier's grew")
    parser.add_argument(
        "--env", nargs="*", default=[], help="NOTIFIER_...=value settings for the notifier"
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
