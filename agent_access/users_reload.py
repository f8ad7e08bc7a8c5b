"""The users file read again when it changes, by every gateway and notifier while they run: a
password changed with `add-user` takes effect, and the user's earlier sessions end, without a
restart."""

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from agent_access.identity import UserAccount, UserDirectory, UsersFile

ReloadResult = Literal["loaded", "failed"]

log = logging.getLogger(__name__)


class UsersFileReloadSettings(BaseModel):
    """Mixed into the gateway's and the notifier's settings (each under its own prefix)."""

    users_file_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often the users file is checked for a change"
    )


class UsersFileWatcher:
    """Checks the file's modification time, size and inode every `interval_s` (one `stat`);
    on a change it loads the file into `directory` and tells `on_change` whose sessions end.
    A file that cannot be read or parsed leaves the users as they were (logged, counted)."""

    def __init__(
        self,
        path: Path,
        directory: UserDirectory,
        *,
        interval_s: float,
        on_change: Callable[[set[str]], None],
        on_reload: Callable[[ReloadResult], None],
    ) -> None:
        self._path = path
        self._directory = directory
        self._interval_s = interval_s
        self._on_change = on_change
        self._on_reload = on_reload
        self._seen = _signature(path)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self.check()

    async def check(self) -> None:
        signature = _signature(self._path)
        if signature == self._seen:
            return
        self._seen = signature
        try:
            accounts = await asyncio.to_thread(_read, self._path)
        except (OSError, ValidationError) as error:
            self._on_reload("failed")
            log.warning("users file not reloaded, keeping the users as they were: %s", error)
            return
        ended = self._directory.replace(accounts)
        self._on_reload("loaded")
        log.info(
            "users file reloaded", extra={"users": len(accounts), "sessions_ended": len(ended)}
        )
        if ended:
            self._on_change(ended)


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size, status.st_ino)


def _read(path: Path) -> list[UserAccount]:
    return UsersFile.model_validate_json(path.read_bytes()).users
