"""docs/benchmarks.md: when, where, with what, how, and the figures of each benchmark."""

import datetime
from pathlib import Path

from bench.report import BenchmarkResult, markdown

_PREAMBLE = """\
Written by `python -m bench` (`make bench`); do not edit by hand, run it again. Every figure
of ours is measured in the same run, on the same machine and broker, as its baseline. Ratio is
ours / baseline: above 1 is better for rates, below 1 is better for latencies and memory.
"""


def write_document(
    path: Path,
    results: list[BenchmarkResult],
    *,
    failed: list[str],
    started: datetime.datetime,
    elapsed_s: float,
    quick: bool,
    command: str,
    machine: dict[str, str],
    versions: dict[str, str],
) -> None:
    lines = ["# Benchmarks", "", _PREAMBLE]
    if quick:
        lines += ["**A `--quick` smoke run: small scale, not representative.**", ""]
    lines += [
        f"- Date: {started.strftime('%Y-%m-%d %H:%M UTC')}; took {elapsed_s / 60:.1f} min",
        f"- Command: `{command}`",
        *(f"- {key}: {value}" for key, value in machine.items()),
        "- Versions: " + ", ".join(f"{key} {value}" for key, value in versions.items()),
        "",
        "## Summary",
        "",
        "| benchmark | target | result |",
        "|---|---|---|",
    ]
    for result in results:
        for target in result.targets:
            state = "met" if target.met else "**missed**"
            lines.append(f"| {result.name} | {target.goal} | {state} |")
    lines += [f"| {failure.split(':', 1)[0]} | (did not run) | **failed** |" for failure in failed]
    lines.append("")
    for failure in failed:
        lines += [f"Failed: `{failure}`", ""]
    lines += [markdown(result) for result in results]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
