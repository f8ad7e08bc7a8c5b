"""`python -m bench.probes.worker_ab [--variant NAME=DIR ...]`: the worker's CPU per command, A/B.

Each round drains a freshly pre-filled `ocs.commands` once with every variant, back to back,
so that the machine's other load falls on all of them alike. A variant is a directory holding
the `ocs_worker` and `outbound_contracts` packages to run (e.g. an older commit's, from
`git archive`); without any, this checkout's. The figure that survives a busy machine is the
worker process's CPU time per command (from /proc), as the benchmark's row "worker CPU per
command" (the same drain); the rate and the machine's load average are printed beside it.
Compare variants within one run: the same code's figure moves between days
(docs/performance-history.md).
"""

import argparse
import datetime
import statistics
import sys
from pathlib import Path

from bench import worker_bench
from bench.proc_stats import load_average
from bench.stack import REPO, BenchCluster


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    variants = {"here": REPO}
    if arguments.variant:
        variants = {
            name: Path(directory).resolve()
            for name, _, directory in (spec.partition("=") for spec in arguments.variant)
        }
    started = datetime.datetime.now(datetime.UTC).strftime("ab-%Y%m%d-%H%M%S")
    profile = frozenset({"ocs_worker"} if arguments.profile else ())
    cpu_us: dict[str, list[float]] = {name: [] for name in variants}
    with BenchCluster(REPO / ".cache" / "bench" / started, REPO / ".cache", profile) as cluster:
        for round_number in range(arguments.rounds):
            for name, directory in variants.items():
                prefilled = worker_bench.prefill(cluster, arguments.updates)
                drained = worker_bench.drain(cluster, prefilled, workers=1, code=directory)
                cpu_us[name].append(drained.cpu_us_per_command)
                print(
                    f"round {round_number + 1} {name:>10}: {drained.rate:8,.0f} commands/s, "
                    f"worker {drained.cores:.2f} cores, {drained.cpu_us_per_command:6.1f} µs "
                    f"CPU per command, load average {load_average():.1f}",
                    flush=True,
                )
    for name, figures in cpu_us.items():
        print(f"{name:>10}: median {statistics.median(figures):6.1f} µs CPU per command")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.probes.worker_ab", description=__doc__)
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=DIR")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true", help="py-spy every worker run")
    return parser


if __name__ == "__main__":
    sys.exit(main())
