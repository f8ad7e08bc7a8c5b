"""Sign-in and sign-out in a loop, against the real gateway writing to the real
`ocs.session-revocations`: each sign-out adds to every instance's deny list, so one user's
sign-outs are a few a minute (429/3 with `Retry-After` beyond), and a deny list at its bound
fails closed: cookies that might be a dropped revocation's are refused, later ones served."""

import asyncio
import time

import httpx
import pytest

from agent_access.session import SESSION_COOKIE
from outbound_contracts.topics import TopicNames
from tests.gateway.conftest import basic, kafka_settings, running_gateway

pytestmark = pytest.mark.kafka

SIGN_OUT = {"operationName": "EndContactCenterSession"}


async def signed_in(http: httpx.AsyncClient, base_url: str) -> str:
    """A new session cookie of agent1 (a Basic sign-in)."""
    reply = await http.get(f"{base_url}/api/v2/me", headers=basic("agent1"))
    assert reply.status_code == 200, reply.text
    token: str = reply.cookies[SESSION_COOKIE]
    http.cookies.clear()  # each request below names its cookie itself
    return token


def cookie(token: str) -> dict[str, str]:
    """The cookie, sent as the desktop's script sends it (a cookie post needs the marker)."""
    return {"Cookie": f"{SESSION_COOKIE}={token}", "X-Requested-With": "XMLHttpRequest"}


async def sign_out(http: httpx.AsyncClient, base_url: str, token: str) -> httpx.Response:
    reply = await http.post(f"{base_url}/api/v2/me", json=SIGN_OUT, headers=cookie(token))
    http.cookies.clear()
    return reply


async def me(http: httpx.AsyncClient, base_url: str, token: str) -> int:
    return (await http.get(f"{base_url}/api/v2/me", headers=cookie(token))).status_code


async def test_one_users_sign_outs_past_the_rate_are_429_and_change_nothing(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    settings = kafka_settings(kafka_bootstrap, topics, sign_outs_per_user_per_minute=3)
    async with running_gateway(settings) as base_url, httpx.AsyncClient(timeout=30) as http:
        for _ in range(3):
            ended = await sign_out(http, base_url, await signed_in(http, base_url))
            assert ended.json() == {"statusCode": 0}
        token = await signed_in(http, base_url)
        refused = await sign_out(http, base_url, token)
        assert refused.status_code == 429
        assert refused.json() == {
            "statusCode": 3,
            "statusMessage": f"Too many sign-outs of this user: retry after "
            f"{refused.headers['retry-after']} s",
        }
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert await me(http, base_url, token) == 200  # an error reply: nothing changed
        metrics = (await http.get(f"{base_url}/metrics")).text
    assert "gateway_revoked_sessions 3.0" in metrics


async def test_a_full_deny_list_refuses_every_cookie_a_dropped_revocation_might_be(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    settings = kafka_settings(kafka_bootstrap, topics, revoked_sessions_capacity=2)
    async with running_gateway(settings) as base_url, httpx.AsyncClient(timeout=30) as http:
        kept = await signed_in(http, base_url)
        ended = [await signed_in(http, base_url) for _ in range(3)]
        for token in ended:
            assert (await sign_out(http, base_url, token)).json() == {"statusCode": 0}
        # The third did not fit: every cookie expiring by its expiry is refused.
        assert [await me(http, base_url, token) for token in ended] == [401] * 3
        assert await me(http, base_url, kept) == 401
        issued_after = int(time.time()) + 1
        async with asyncio.timeout(5):  # a cookie's expiry is in whole seconds
            while time.time() < issued_after:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        assert await me(http, base_url, await signed_in(http, base_url)) == 200
