"""docs/benchmarks.md: when, where, with what, how, and the figures of each benchmark.

A benchmark run only on request (the 30-minute soak) keeps its section across runs: a run
without it carries its last section over, and a run of only such benchmarks rewrites their
sections and nothing else."""

import datetime
from collections.abc import Sequence
from pathlib import Path

from bench.report import BenchmarkResult, markdown

_PREAMBLE = """\
Written by `python -m bench` (`make bench`); do not edit by hand, run it again. Every figure
of ours is measured in the same run, on the same machine and broker, as its baseline. Ratio is
ours / baseline: above 1 is better for rates, below 1 is better for latencies and memory.

Method (the decisions behind every table):
- One Kafka broker (KRaft, single node, the project's devstack) per run, in a fresh folder
  with free ports; every benchmark provisions its own topic set (random prefix, 6 partitions).
  The replication benchmark alone also starts three KRaft nodes (RF 3, min ISR 2) beside it.
- Our services run as in production, `python -m gateway|ocs_worker|notifier`, default settings
  except log level WARNING (the gateway's per-command log line would otherwise be measured
  too). Baselines run as child processes of the same run, one at a time.
- Load tools run on the same machine: wrk (Debian) for HTTP throughput; one Python asyncio
  process (raw HTTP/1.1 and `websockets`) for CometD sessions and paced POSTs, the same for
  ours and for Faye; the POSTs of e2e and the soak on uvloop. On a small machine they take
  CPU from the system under test; the CPU rows say how much (e2e: per command too).
- Paced POSTs are an open loop (`bench/open_loop.py`): the n-th is due at n / rate whatever
  became of the others; one due while every keep-alive connection is busy is not sent but
  counted ("not sent"), and a step with any is not sustained.
- Latencies are receipt minus send on the same clock; each message carries its send time
  in `referenceId`. Kafka's EndToEndLatency reports whole milliseconds.
- Reference Bayeux servers for the fan-out run as child processes of the run, on the
  notifier's path and channel, each publishing server-side what a POST to a control port of
  its own process carries: Faye (npm `faye`, Node) and the CometD Java server
  (`org.cometd.java` 8.0.0 on Jetty 12.0.9: bench/cometd-java/, built by Maven once into
  `.cache/`; Maven Central serves no `cometd-java-server-http-jetty` 8.0.0 here, so its
  long-polling runs in CometD's Jakarta servlet on Jetty ee10, its websocket on Jetty's own
  websocket API). A server that cannot be built is reported as such and its targets missed.
- A client session lost during a benchmark (refused handshake, `402::Unknown client`, a
  connection closed, a timeout) does not end the run: the benchmark counts it and notes
  delivered / accepted as a finding, then goes on (e2e with a fresh session).
- `--profile SERVICE` samples a service with py-spy; the busiest frames are noted under the
  benchmark and the collapsed stacks stay in the run folder (`.cache/bench/run-*/profiles`).
- The soak runs only with `--only soak` (30 minutes); its section says when and on what it
  ran, and a later run without it carries that section over unchanged.
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
    keep: Sequence[str] = (),
) -> None:
    """The whole document; the sections of the benchmarks named in `keep` (and not run) are
    carried over from the document `path` holds."""
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
    document = "\n".join(lines)
    previous = path.read_text() if path.exists() else ""
    for name in keep:
        kept = section(previous, name)
        if kept is not None and section(document, name) is None:
            document = with_section(document, name, kept)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document)


def write_sections(path: Path, results: list[BenchmarkResult]) -> None:
    """Only the sections of `results` in the document `path` holds, the rest byte for byte."""
    document = path.read_text() if path.exists() else "# Benchmarks\n"
    for result in results:
        document = with_section(document, result.name, markdown(result))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document)


def section(document: str, name: str) -> str | None:
    """The section `## <name>: ...` up to the next `## ` heading, or None."""
    span = _span(document, name)
    return None if span is None else document[span[0] : span[1]]


def with_section(document: str, name: str, text: str) -> str:
    """`document` with its section `name` replaced by `text`, or `text` appended."""
    text = text.rstrip("\n") + "\n"
    span = _span(document, name)
    if span is None:
        return document.rstrip("\n") + "\n\n" + text
    before, after = document[: span[0]], document[span[1] :]
    return before + text + ("\n" + after if after else "")


def _span(document: str, name: str) -> tuple[int, int] | None:
    start = end = None
    offset = 0
    for line in document.splitlines(keepends=True):
        if start is None and line.startswith(f"## {name}:"):
            start = offset
        elif start is not None and line.startswith("## "):
            end = offset
            break
        offset += len(line)
    if start is None:
        return None
    return start, len(document) if end is None else end
