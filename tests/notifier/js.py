"""The official CometD JavaScript client (npm `cometd` + `cometd-nodejs-client`), run by Node
as a subprocess (tests/js/client.mjs); its JSON lines are read with bounded waits."""

import asyncio
import contextlib
import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

JS_DIR = Path(__file__).resolve().parent.parent / "js"
SCRIPT = JS_DIR / "client.mjs"


class JsClient:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.seen: list[dict[str, Any]] = []

    async def next(self, event: str, within: float = 15) -> dict[str, Any]:
        """The next line of kind `event` (earlier lines of other kinds are kept in `seen`)."""
        assert self.process.stdout is not None
        async with asyncio.timeout(within):
            while True:
                line = await self.process.stdout.readline()
                if not line:
                    stderr = await self._stderr()
                    raise AssertionError(f"client exited before {event!r}: {self.seen} {stderr}")
                record: dict[str, Any] = json.loads(line)
                self.seen.append(record)
                if record["event"] == event:
                    return record

    async def messages(self, count: int, within: float = 15) -> list[dict[str, Any]]:
        return [(await self.next("message", within))["message"] for _ in range(count)]

    async def _stderr(self) -> str:
        assert self.process.stderr is not None
        return (await self.process.stderr.read()).decode(errors="replace")


def node_ready() -> None:
    if shutil.which("node") is None:
        pytest.fail("node is required for the CometD JS conformance tests", pytrace=False)
    if not (JS_DIR / "node_modules" / "cometd").is_dir():
        pytest.fail("run `npm ci --prefix tests/js` (make test does)", pytrace=False)


@asynccontextmanager
async def js_client(
    url: str,
    *,
    transport: str,
    subscriptions: list[str],
    expect: int = 2,
    authorization: str | None = None,
    cookie: str | None = None,
    timeout_ms: int = 30000,
    ack: bool = False,
    replay: bool | str = False,
) -> AsyncIterator[JsClient]:
    """`ack`: with CometD's AckExtension; `replay`: with the project's ReplayExtension
    (clients/js/cometd-replay.js), starting from the position given, if any."""
    node_ready()
    config = {
        "url": url,
        "transport": transport,
        "subscriptions": subscriptions,
        "expect": expect,
        "authorization": authorization,
        "cookie": cookie,
        "timeoutMs": timeout_ms,
        "ack": ack,
        "replay": replay,
    }
    process = await asyncio.create_subprocess_exec(
        "node",
        str(SCRIPT),
        json.dumps(config),
        cwd=JS_DIR,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield JsClient(process)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        await process.wait()
