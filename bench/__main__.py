"""`python -m bench [--only NAME ...] [--quick]`: run the benchmarks against baselines measured in
the same run, print ours / baseline / ratio / target, and write the results as Markdown.

The soak (30 minutes) runs only when named: `python -m bench --only soak [--minutes N]`."""

import argparse
import datetime
import resource
import shutil
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Protocol

from bench import (
    e2e_bench,
    fanout_bench,
    gateway_bench,
    replication_bench,
    scaleout_bench,
    soak_bench,
    worker_bench,
)
from bench.machine import FAYE_DIR, describe_machine, describe_versions
from bench.profiling import busiest_frames
from bench.report import BenchmarkResult, print_result
from bench.stack import REPO, BenchCluster
from bench.writeup import write_document, write_sections
from bench.wrk import ensure_wrk, wrk_version


class Benchmark(Protocol):
    def __call__(self, cluster: BenchCluster, *, quick: bool) -> BenchmarkResult: ...


BENCHMARKS: dict[str, Benchmark] = {
    "gateway": gateway_bench.run,
    "e2e": e2e_bench.run,
    "worker": worker_bench.run,
    "fanout": fanout_bench.run,
    "scaleout": scaleout_bench.run,
    "replication": replication_bench.run,
}
ON_REQUEST = ("soak",)
"""Run only when named with --only; their sections of the results survive runs without them."""


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    names: list[str] = arguments.only or list(BENCHMARKS)
    runners: dict[str, Benchmark] = {
        **BENCHMARKS,
        "soak": partial(soak_bench.run, minutes=arguments.minutes),
    }
    output: Path = arguments.output or (
        REPO / ".cache" / "bench" / "benchmarks-quick.md"
        if arguments.quick
        else REPO / "docs" / "benchmarks.md"
    )
    _raise_open_files_limit()
    wrk = wrk_version() if shutil.which("wrk") else (ensure_wrk() and wrk_version())
    if {"fanout", "scaleout"} & set(names):
        _install_faye()
    started = datetime.datetime.now(datetime.UTC)
    workdir = REPO / ".cache" / "bench" / started.strftime("run-%Y%m%d-%H%M%S")
    results: list[BenchmarkResult] = []
    failed: list[str] = []
    profiled: set[Path] = set()
    began = time.monotonic()
    profile = frozenset(arguments.profile)
    with BenchCluster(workdir, REPO / ".cache", profile) as cluster:
        for name in names:
            print(f"\n-- running {name}{' (quick)' if arguments.quick else ''} ...", flush=True)
            try:
                result = runners[name](cluster, quick=arguments.quick)
            except Exception as error:  # noqa: BLE001 - one broken benchmark must not hide the rest
                failed.append(f"{name}: {type(error).__name__}: {error}")
                print(f"!! {name} failed: {error}", file=sys.stderr, flush=True)
                continue
            result.notes.extend(_profile_notes(cluster, already=profiled))
            profiled |= set(cluster.profiles.glob("*.txt"))
            print_result(result)
            results.append(result)
    shutil.rmtree(workdir / "broker" / "data", ignore_errors=True)
    if set(names) <= set(ON_REQUEST):
        write_sections(output, results)
    else:
        write_document(
            output,
            results,
            failed=failed,
            started=started,
            elapsed_s=time.monotonic() - began,
            quick=arguments.quick,
            command=" ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
            machine=describe_machine(),
            versions=describe_versions(wrk),
            keep=ON_REQUEST,
        )
    print(f"\nwrote {output}; service logs in {workdir / 'logs'}")
    for failure in failed:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failed else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only", nargs="+", choices=[*BENCHMARKS, *ON_REQUEST], help="run only these"
    )
    parser.add_argument(
        "--minutes",
        type=int,
        help=f"how long the soak runs (default {soak_bench.DEFAULT_MINUTES}; 2 with --quick)",
    )
    parser.add_argument("--quick", action="store_true", help="a small-scale run of seconds")
    parser.add_argument(
        "--profile",
        nargs="+",
        default=[],
        choices=["gateway", "ocs_worker", "notifier"],
        help="sample these services with py-spy while they run (reports in the run folder)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="where to write the results (default: docs/benchmarks.md, or "
        ".cache/bench/benchmarks-quick.md with --quick)",
    )
    return parser


def _profile_notes(cluster: BenchCluster, already: set[Path]) -> list[str]:
    notes = []
    for report in sorted(set(cluster.profiles.glob("*.txt")) - already):
        frames = ", ".join(f"{frame} {share:.0f} %" for frame, share in busiest_frames(report))
        notes.append(
            f"py-spy profile {report.relative_to(REPO)}: busiest frames (own time) {frames}"
        )
    return notes


def _raise_open_files_limit() -> None:
    """10,000 sessions need 10,000 sockets here and in the server (which inherits the limit)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _install_faye() -> None:
    """The Faye baseline's Node packages, exactly as locked."""
    if (FAYE_DIR / "node_modules" / "faye").is_dir():
        return
    subprocess.run(["npm", "ci", "--prefix", str(FAYE_DIR), "--no-audit", "--no-fund"], check=True)


if __name__ == "__main__":
    sys.exit(main())
