"""Spec §2: who may act. Session cookie, the outbound feature, GWS-style CSRF on and off."""

import httpx

from agent_access.identity import UserDirectory
from agent_access.session import SESSION_COOKIE
from gateway.kafka import InMemoryPublisher
from tests.agent_access.accounts import name_of
from tests.agent_access.test_credentials import authenticator
from tests.eventually import eventually
from tests.gateway.conftest import (
    USERS_FILE,
    basic,
    running_gateway,
    settings,
    shared_client,
    shared_published,
    vector,
)

# One gateway for the module (tests/gateway/conftest.py).
client, published = shared_client, shared_published

REJECT = vector("reject-record")["request"]


async def test_the_session_cookie_is_http_only_and_the_notifier_accepts_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v2/me", headers=basic("agent1"))
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    # The notifier authenticates with the same Authenticator and the same shared secret.
    notifier_side = authenticator(UserDirectory.load(USERS_FILE), "test-secret", cache_size=0)
    token = response.cookies[SESSION_COOKIE]
    assert name_of(await notifier_side.account_for(None, token)) == "agent1"


async def test_a_cookie_signed_with_another_secret_is_access_denied(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    async with (
        running_gateway(settings(session_secret="other-secret"), InMemoryPublisher()) as other_url,
        httpx.AsyncClient(base_url=other_url) as other,
    ):
        await other.get("/api/v2/me", headers=basic("agent1"))
        foreign = other.cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, foreign)
    response = await client.post(REJECT["path"], json=REJECT["body"])
    assert (response.status_code, response.json()["statusCode"]) == (401, 20)
    assert published.published == []


async def test_me_needs_no_feature_but_outbound_operations_do(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    me = await client.get("/api/v2/me", headers=basic("agent3"))
    assert (me.status_code, me.json()["user"]["userName"]) == (200, "agent3")
    refused = await client.post(REJECT["path"], json=REJECT["body"], headers=basic("agent3"))
    assert refused.status_code == 403
    assert refused.json() == {
        "statusCode": 5,
        "statusMessage": "The user lacks the feature 'api-voice-outbound'",
    }
    assert published.published == []


async def test_without_csrf_protection_no_token_is_handed_out_or_needed(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    me = await client.get("/api/v2/me", headers=basic("agent1"))
    assert "X-CSRF-TOKEN" not in me.headers
    accepted = await client.post(REJECT["path"], json=REJECT["body"], headers=basic("agent1"))
    assert accepted.json() == {"statusCode": 0}


async def test_with_csrf_protection_a_post_needs_the_token_a_get_handed_out() -> None:
    published = InMemoryPublisher()
    async with (
        running_gateway(settings(csrf_enabled=True), publisher=published) as base_url,
        httpx.AsyncClient(base_url=base_url, headers=basic("agent1")) as http,
    ):
        no_token = await http.post(REJECT["path"], json=REJECT["body"])
        wrong = await http.post(
            REJECT["path"], json=REJECT["body"], headers={"X-CSRF-TOKEN": "guess"}
        )
        me = await http.get("/api/v2/me")
        assert me.headers["X-CSRF-HEADER"] == "X-CSRF-TOKEN"
        token = me.headers["X-CSRF-TOKEN"]
        devices = await http.get("/api/v2/me/devices")
        assert devices.headers["X-CSRF-TOKEN"] == token
        accepted = await http.post(
            REJECT["path"], json=REJECT["body"], headers={"X-CSRF-TOKEN": token}
        )
        # Another agent's token is not this agent's.
        other = await http.get("/api/v2/me", headers=basic("agent2"))
        foreign = await http.post(
            REJECT["path"],
            json=REJECT["body"],
            headers={"X-CSRF-TOKEN": other.headers["X-CSRF-TOKEN"]},
        )
    for refused in (no_token, wrong, foreign):
        assert refused.status_code == 403
        assert refused.json() == {"statusCode": 3, "statusMessage": "Missing or invalid Csrf token"}
    assert accepted.json() == {"statusCode": 0}
    assert len(published.published) == 1


async def test_csrf_comes_after_the_feature_and_before_the_body() -> None:
    async with (
        running_gateway(settings(csrf_enabled=True), publisher=InMemoryPublisher()) as base_url,
        httpx.AsyncClient(base_url=base_url) as http,
    ):
        no_feature = await http.post(REJECT["path"], content=b"{", headers=basic("agent3"))
        bad_body = await http.post(REJECT["path"], content=b"{", headers=basic("agent1"))
    assert no_feature.json()["statusCode"] == 5
    assert bad_body.json()["statusCode"] == 3


async def test_a_session_lasts_its_ttl_from_the_basic_login_and_no_longer() -> None:
    published = InMemoryPublisher()
    async with (
        running_gateway(settings(session_ttl_seconds=1), publisher=published) as base_url,
        httpx.AsyncClient(base_url=base_url, headers={"Origin": base_url}) as http,
    ):
        login = await http.get("/api/v2/me", headers=basic("agent1"))
        assert SESSION_COOKIE in login.cookies
        with_cookie = await http.post(REJECT["path"], json=REJECT["body"])
        assert with_cookie.json() == {"statusCode": 0}
        assert "set-cookie" not in with_cookie.headers  # a cookie request does not renew it
        replies: list[httpx.Response] = []

        async def refused() -> bool:
            replies.append(await http.post(REJECT["path"], json=REJECT["body"]))
            return replies[-1].status_code != 200

        await eventually(refused, within=5, every=0.1, what="the token expired")
    assert (replies[-1].status_code, replies[-1].json()["statusCode"]) == (401, 20)
