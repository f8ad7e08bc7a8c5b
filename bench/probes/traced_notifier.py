"""`python -m bench.probes.traced_notifier`: the notifier with tracemalloc on, for
`bench.probes.session_memory --tracemalloc`. Each SIGUSR1 writes a snapshot to
`$TRACEMALLOC_SNAPSHOTS/<n>.snapshot` (n = 1, 2, ...)."""

import os
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType

from notifier.__main__ import main

_FRAMES = 4


def _snapshot_on_signal(folder: Path) -> None:
    taken = 0

    def dump(_signal: int, _frame: FrameType | None) -> None:
        nonlocal taken
        taken += 1
        tracemalloc.take_snapshot().dump(str(folder / f"{taken}.snapshot"))
        (folder / f"{taken}.done").touch()

    signal.signal(signal.SIGUSR1, dump)


if __name__ == "__main__":
    tracemalloc.start(_FRAMES)
    _snapshot_on_signal(Path(os.environ["TRACEMALLOC_SNAPSHOTS"]))
    sys.exit(main())
