"""Password guessing against the gateway: past the limit, guesses cost no password hash and
are answered 401/20 with `Retry-After`, while a real agent elsewhere signs in meanwhile."""

import asyncio
import time

import httpx
import pytest

from agent_access.identity import hash_password, verify_password
from gateway.kafka import InMemoryPublisher
from tests.gateway.conftest import basic, running_gateway, settings

GUESSES = 1000
ATTACKER = {"X-Forwarded-For": "127.0.0.2"}  # believed from 127.0.0.1, a trusted proxy here
AGENT2 = {"X-Forwarded-For": "127.0.0.3"}


def one_hash_cpu_seconds() -> float:
    stored = hash_password("calibration")
    started = time.process_time()
    verify_password("wrong", stored)
    return time.process_time() - started


@pytest.mark.slow
async def test_a_thousand_wrong_guesses_cost_bounded_cpu_and_a_real_agent_signs_in_meanwhile() -> (
    None
):
    hash_cost = one_hash_cpu_seconds()
    async with (
        running_gateway(settings(trusted_proxies=["127.0.0.1"]), InMemoryPublisher()) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=30) as http,
    ):

        async def guess() -> list[httpx.Response]:
            headers = {**basic("agent1", "not-the-password"), **ATTACKER}
            return [await http.get("/api/v2/me", headers=headers) for _ in range(GUESSES)]

        async def real_agent() -> httpx.Response:
            await asyncio.sleep(0)  # let the guessing start first
            return await http.get("/api/v2/me", headers={**basic("agent2"), **AGENT2})

        started = time.process_time()
        replies, signed_in = await asyncio.gather(guess(), real_agent())
        cpu = time.process_time() - started
        metrics = (await http.get("/metrics")).text

    assert signed_in.status_code == 200
    assert signed_in.json()["user"]["userName"] == "agent2"
    assert all(reply.status_code == 401 for reply in replies)
    assert all(reply.json()["statusCode"] == 20 for reply in replies)
    throttled = [reply for reply in replies if "retry-after" in reply.headers]
    assert len(throttled) == GUESSES - 5
    assert 1 <= int(throttled[-1].headers["retry-after"]) <= 30
    assert throttled[-1].json()["statusMessage"].startswith("Access denied: too many failed")
    assert 'gateway_sign_ins_refused_total{reason="failed"} 5.0' in metrics
    assert f'gateway_sign_ins_refused_total{{reason="throttled"}} {GUESSES - 5}.0' in metrics
    # Unthrottled, the guesses alone would cost GUESSES hashes of CPU; HTTP included, they
    # now cost less than a fifth of that (5 hashes, then no hash at all).
    assert cpu < GUESSES * hash_cost / 5, (cpu, hash_cost)
