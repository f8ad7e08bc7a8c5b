"""`python -m notifier` as a process: it fails fast on bad settings, serves, and stops."""

import asyncio
import os
import signal
import subprocess
import sys
from functools import partial
from pathlib import Path

import httpx
import pytest

from devstack.broker import free_port
from outbound_contracts.topics import TopicNames
from tests.eventually import eventually
from tests.notifier.conftest import SESSION_SECRET
from tests.serving import answers_ready


def test_a_missing_session_secret_is_a_clear_start_up_error(notifier_users: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("GWS_SESSION_SECRET")}
    env["GWS_USERS_FILE"] = str(notifier_users)
    done = subprocess.run(
        [sys.executable, "-m", "notifier"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "GWS_SESSION_SECRET" in done.stderr


@pytest.mark.kafka
async def test_the_process_serves_until_told_to_stop(
    kafka_bootstrap: str, topics: TopicNames, notifier_users: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "OCS_TOPIC_PREFIX": topics.events.removesuffix("ocs.events"),
        "GWS_USERS_FILE": str(notifier_users),
        "GWS_SESSION_SECRET": SESSION_SECRET,
        "NOTIFIER_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "notifier", env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=2) as http:
            await eventually(partial(answers_ready, http), within=30, every=0.1)
            assert (await http.get("/healthz")).json() == {"status": "ok"}
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            # uvicorn shuts down gracefully, then re-raises the signal it caught.
            assert await process.wait() in (0, -signal.SIGTERM)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.stderr is not None
    logs = (await process.stderr.read()).decode()
    assert '"msg": "consuming events"' in logs
    assert "Finished server process" in logs
