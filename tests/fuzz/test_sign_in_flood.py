"""Password guesses fired all at once at the real gateway: the throttle reserves each attempt
before its hash, so simultaneous guesses for one user check at most the limit; and password
hashes run at most a few at a time, a burst beyond them answered 503/4 with `Retry-After`
without any hash. The same header sent many times at once (one agent's desktops starting
together, or one guess repeated) is checked once, and all of them share that outcome."""

import asyncio

import httpx

from gateway.kafka import InMemoryPublisher
from tests.gateway.conftest import basic, running_gateway, settings

SIMULTANEOUS = 200


def many_connections() -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=SIMULTANEOUS, max_keepalive_connections=SIMULTANEOUS)
    return httpx.AsyncClient(timeout=60, limits=limits)


def refused_count(metrics: str, reason: str) -> float:
    prefix = f'gateway_sign_ins_refused_total{{reason="{reason}"}} '
    line = next((line for line in metrics.splitlines() if line.startswith(prefix)), None)
    return float(line.removeprefix(prefix)) if line is not None else 0.0


async def test_two_hundred_simultaneous_guesses_for_one_user_check_at_most_the_limit() -> None:
    async with (
        running_gateway(settings(), InMemoryPublisher()) as base_url,
        many_connections() as http,
    ):
        replies = await asyncio.gather(
            *(
                http.get(f"{base_url}/api/v2/me", headers=basic("agent1", f"guess-{n}"))
                for n in range(SIMULTANEOUS)
            )
        )
        metrics = (await http.get(f"{base_url}/metrics")).text

    checked = refused_count(metrics, "failed")
    assert 1 <= checked <= 5, checked
    assert checked + refused_count(metrics, "throttled") == SIMULTANEOUS
    assert all(reply.status_code == 401 for reply in replies)
    assert all(reply.json()["statusCode"] == 20 for reply in replies)
    assert sum("retry-after" in reply.headers for reply in replies) == SIMULTANEOUS - checked


async def test_a_burst_of_guesses_past_the_hash_slots_is_503_with_retry_after_unhashed() -> None:
    # Per-name guesses from one address with the address limit out of the way: every guess
    # would be hashed, were it not for the cap on hashes at once.
    gateway_settings = settings(
        sign_in_max_failures_per_address=10_000, password_hash_workers=1, password_hash_queue=1
    )
    async with (
        running_gateway(gateway_settings, InMemoryPublisher()) as base_url,
        many_connections() as http,
    ):
        replies = await asyncio.gather(
            *(
                http.get(f"{base_url}/api/v2/me", headers=basic(f"invented{n}", "guess"))
                for n in range(SIMULTANEOUS)
            )
        )
        metrics = (await http.get(f"{base_url}/metrics")).text
        agent = await http.get(f"{base_url}/api/v2/me", headers=basic("agent2"))

    busy = [reply for reply in replies if reply.status_code == 503]
    assert busy, [reply.status_code for reply in replies]
    for reply in busy:
        assert reply.json() == {
            "statusCode": 4,
            "statusMessage": "Sign-in busy: too many passwords being checked, retry after 1 s",
        }
        assert reply.headers["retry-after"] == "1"
    checked = [reply for reply in replies if reply.status_code == 401]
    assert len(checked) + len(busy) == SIMULTANEOUS
    assert refused_count(metrics, "failed") == len(checked)
    assert refused_count(metrics, "busy") == len(busy)
    assert agent.status_code == 200  # the burst is over: slots free again


async def test_one_agents_desktops_signing_in_at_once_all_get_in_on_one_check() -> None:
    async with (
        running_gateway(settings(), InMemoryPublisher()) as base_url,
        many_connections() as http,
    ):
        same = basic("agent1")
        replies = await asyncio.gather(
            *(http.get(f"{base_url}/api/v2/me", headers=same) for _ in range(SIMULTANEOUS))
        )
        metrics = (await http.get(f"{base_url}/metrics")).text

    assert [reply.status_code for reply in replies] == [200] * SIMULTANEOUS
    assert all("GWS_SESSION" in reply.cookies for reply in replies)
    assert refused_count(metrics, "throttled") == refused_count(metrics, "busy") == 0


async def test_one_guess_repeated_at_once_is_checked_once() -> None:
    async with (
        running_gateway(settings(), InMemoryPublisher()) as base_url,
        many_connections() as http,
    ):
        guess = basic("agent1", "not-the-password")
        replies = await asyncio.gather(
            *(http.get(f"{base_url}/api/v2/me", headers=guess) for _ in range(SIMULTANEOUS))
        )
        metrics = (await http.get(f"{base_url}/metrics")).text

    assert all(reply.json()["statusCode"] == 20 for reply in replies)
    assert refused_count(metrics, "failed") == 1
