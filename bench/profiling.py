"""`--profile SERVICE`: py-spy samples every process of that service while the benchmarks run,
in collapsed-stack form (loadable in speedscope.app); the busiest frames are summarised."""

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import IO

from devstack.processes import spawn

PY_SPY_VERSION = "0.4.3"


def ensure_py_spy() -> str:
    """py-spy from PATH or beside this Python; installed with pip on first use."""
    beside = Path(sys.executable).with_name("py-spy")
    for candidate in (shutil.which("py-spy"), beside if beside.exists() else None):
        if candidate is not None:
            return str(candidate)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", f"py-spy=={PY_SPY_VERSION}"], check=True
    )
    return str(beside)


class Profiler:
    """py-spy attached to one process; the report is written when it is stopped."""

    def __init__(self, pid: int, output: Path, log: IO[bytes]) -> None:
        self.output = output
        self._process = spawn(
            [ensure_py_spy(), "record", "--pid", str(pid), "--format", "raw", "--rate", "100",
             "--nonblocking", "--output", str(output)],
            stdout=log,
            stderr=log,
        )  # fmt: skip

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


def busiest_frames(collapsed: Path, count: int = 8) -> list[tuple[str, float]]:
    """Frames by own time (the stack's leaf), as a share of all samples."""
    own: Counter[str] = Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if stack and samples.isdigit():
            own[stack.rsplit(";", 1)[-1]] += int(samples)
    total = sum(own.values()) or 1
    return [(frame, 100 * samples / total) for frame, samples in own.most_common(count)]
