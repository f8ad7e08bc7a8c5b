"""A server we run as a child process: started, awaited until it answers, signalled, stopped.

Shared by the benchmarks and the system tests, which run the services as in production
(`python -m <service>` with its environment) and must see their logs when one fails."""

import asyncio
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from devstack.processes import spawn, terminate

START_TIMEOUT_S = 60.0
_POLL_S = 0.1


class ChildFailed(RuntimeError):
    """A child process did not come up; the message holds its log's tail."""


@dataclass
class ChildProcess:
    """`command` with `env`, its output appended to `log_file`; ready once `ready_url`
    answers 200 (at once when there is none)."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_file: Path
    ready_url: str | None = None
    process: "subprocess.Popen[bytes] | None" = field(default=None, repr=False)

    def start(self) -> "ChildProcess":
        """Start and block until ready. Call from a thread that outlives the child."""
        self.launch()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._ready(deadline):
            time.sleep(_POLL_S)
        return self

    async def start_async(self) -> "ChildProcess":
        """Start and wait until ready without blocking the event loop (which must run in a
        thread that outlives the child, as pytest's does)."""
        self.launch()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not await asyncio.to_thread(self._ready, deadline):  # noqa: ASYNC110 - polling a URL
            await asyncio.sleep(_POLL_S)
        return self

    def launch(self) -> None:
        """Start without waiting for readiness."""
        with self.log_file.open("ab") as log:
            self.process = spawn(self.command, env=self.env, stdout=log, stderr=log)

    def _ready(self, deadline: float) -> bool:
        if self.ready_url is None or _answers(self.ready_url):
            return True
        if self.running_process().poll() is not None or time.monotonic() > deadline:
            self.stop()
            raise ChildFailed(f"{self.name} did not come up:\n{self.log_tail()}")
        return False

    def running_process(self) -> "subprocess.Popen[bytes]":
        if self.process is None:
            raise ChildFailed(f"{self.name} is not running")
        return self.process

    @property
    def pid(self) -> int:
        return self.running_process().pid

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        process, self.process = self.running_process(), None
        process.send_signal(signal.SIGKILL)
        process.wait()

    def rss_bytes(self) -> int:
        return resident_bytes(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def stop(self) -> None:
        """SIGTERM, SIGKILL after a grace period; nothing when not running."""
        process, self.process = self.process, None
        if process is not None:
            terminate(process, grace_seconds=15)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_file.exists():
            return "(no log)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


def resident_bytes(pid: int) -> int:
    """Resident set size of process `pid`, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise ChildFailed(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback URLs
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
