"""What the figures were measured on: machine, versions, commit."""

import importlib.metadata
import json
import os
import platform
import subprocess
from pathlib import Path

from bench.cometd_java import COMETD_VERSION, JETTY_VERSION
from devstack.kafka_dist import KAFKA_VERSION

FAYE_DIR = Path(__file__).with_name("faye")


def describe_machine() -> dict[str, str]:
    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "RAM": f"{_mem_total_kib() / 2**20:.1f} GiB",
        "kernel": platform.release(),
        "commit": _git("rev-parse", "--short", "HEAD")
        + (" (with uncommitted changes)" if _uncommitted_changes() else ""),
    }


def _uncommitted_changes() -> bool:
    """Changes to anything but the results file this run rewrites."""
    changed = _git("status", "--porcelain", "--", ".", ":(exclude)docs/benchmarks.md")
    return bool(changed)


def describe_versions(wrk: str) -> dict[str, str]:
    packages = ("fastapi", "uvicorn", "aiokafka", "pydantic", "websockets", "uvloop")
    return {
        "Python": platform.python_version(),
        "Java": _first_line(["java", "-version"]),
        "Node": _first_line(["node", "--version"]),
        "Kafka": KAFKA_VERSION,
        "wrk": wrk,
        "Faye": _faye_version(),
        "CometD Java": f"{COMETD_VERSION} (Jetty {JETTY_VERSION})",
        **{name: importlib.metadata.version(name) for name in packages},
    }


def busy_cpu_seconds() -> float:
    """CPU time spent busy by the whole machine, all cores, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def _mem_total_kib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return 0


def _first_line(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return ((result.stdout or result.stderr).splitlines() or ["unknown"])[0]


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    return result.stdout.strip()


def _faye_version() -> str:
    package = FAYE_DIR / "node_modules" / "faye" / "package.json"
    if not package.exists():
        return "not installed"
    return str(json.loads(package.read_text())["version"])
