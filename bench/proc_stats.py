"""What a process holds, read from /proc: resident memory, open file descriptors, CPU time;
and the machine's load average."""

import os
from dataclasses import dataclass
from pathlib import Path

from devstack.children import cpu_seconds, resident_bytes


@dataclass(frozen=True, slots=True)
class ProcessStats:
    rss_kib: int
    open_fds: int
    cpu_s: float


def process_stats(pid: int) -> ProcessStats:
    open_fds = len(list(Path(f"/proc/{pid}/fd").iterdir()))
    return ProcessStats(resident_bytes(pid) // 1024, open_fds, cpu_seconds(pid))


def load_average() -> float:
    """The machine's 1-minute load average (every process on it, ours or not)."""
    return os.getloadavg()[0]
