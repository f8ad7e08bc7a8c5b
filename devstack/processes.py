"""Child processes that die with us: own session (we stop them in order), parent-death signal."""

import ctypes
import os
import signal
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import IO, Self

_PR_SET_PDEATHSIG = 1


def spawn(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    stdout: IO[bytes] | int | None = None,
    stderr: IO[bytes] | int | None = None,
) -> "subprocess.Popen[bytes]":
    """Start `command`. Call from a thread that outlives the child: the parent-death signal
    follows the thread that forked it."""
    return subprocess.Popen(  # noqa: S603
        command,
        env=None if env is None else dict(env),
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
        preexec_fn=_die_with_parent,  # noqa: PLW1509 - a child must never outlive us
    )


def terminate(process: "subprocess.Popen[bytes]", grace_seconds: float) -> None:
    """SIGTERM for a clean shutdown, SIGKILL once the grace period is over."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died between fork and prctl
        os._exit(1)


class Started(ABC):
    """Something we run: `with` starts it and stops it, whatever happens inside."""

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
