"""A CometD session opened with the gateway's cookie ends when the cookie expires (after
that it could no longer be signed out), against the real notifier; and the clientId, the only
credential after the handshake, is never written to the logs."""

import asyncio
import logging
import time

import httpx
import pytest

from agent_access.identity import UserDirectory
from agent_access.session import SESSION_COOKIE, issue_session_token
from tests.notifier.conftest import SESSION_SECRET, RunningNotifier, StartNotifier
from tests.notifier.raw import CHANNELS, Message, RawBayeux, sample

pytestmark = pytest.mark.kafka

HANDSHAKE: Message = {
    "channel": "/meta/handshake",
    "version": "1.0",
    "supportedConnectionTypes": ["long-polling"],
}


def cookie_expiring_in(notifier: RunningNotifier, seconds: int) -> tuple[str, int]:
    """agent1's session token, as the gateway issues it, and its expiry (epoch s)."""
    account = UserDirectory.load(notifier.settings.users_file).get("agent1")
    assert account is not None
    now = time.time()
    token = issue_session_token(
        "agent1",
        SESSION_SECRET,
        now=now,
        ttl_seconds=seconds,
        password_version=account.password_version,
    )
    return token, int(now) + seconds


async def test_a_cookie_session_ends_when_its_cookie_expires(
    start_notifier: StartNotifier,
) -> None:
    notifier = await start_notifier(connect_timeout_ms=500, sweep_interval_ms=100)
    token, expires = cookie_expiring_in(notifier, 2)
    # As a desktop's script: a cookie-signed POST carries X-Requested-With (or Origin).
    script = {"X-Requested-With": "XMLHttpRequest"}
    async with httpx.AsyncClient(
        timeout=10, cookies={SESSION_COOKIE: token}, headers=script
    ) as http:
        raw = RawBayeux(notifier, http)
        [handshake] = await raw.send(HANDSHAKE)
        assert handshake["successful"] is True, handshake
        client_id = handshake["clientId"]
        await raw.subscribe(client_id, *CHANNELS)
        async with asyncio.timeout(15):
            while (replies := await raw.connect(client_id))[-1]["successful"]:
                pass  # held connects, answered at their timeout, until the session ends
        ended_at = time.time()
    assert replies[-1]["error"] == "402::Unknown client"
    assert expires <= ended_at < expires + 5
    assert sample(notifier.notifier, "notifier_sessions_ended_total", reason="cookie_expired") == 1


async def test_client_ids_are_never_logged(
    running_notifier: RunningNotifier, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(timeout=10) as http:
        raw = RawBayeux(running_notifier, http)
        client_ids = [await raw.handshake(), await raw.handshake("agent2")]
        await raw.subscribe(client_ids[0], *CHANNELS)
        await raw.connect(client_ids[0])
        await raw.send({"channel": "/meta/disconnect", "clientId": client_ids[0]})
        running_notifier.notifier.end_all_sessions("shutdown")
    logged = [
        " ".join([record.getMessage(), *map(str, vars(record).values())])
        for record in caplog.records
    ]
    assert any("session ended" in line for line in logged)  # the sessions were logged
    for client_id in client_ids:
        assert not [line for line in logged if client_id in line]
