"""Sign-out as GWS has it (`POST /api/v2/me`, EndContactCenterSession), within one gateway:
the checks in the spec's order, the reply, the cleared cookie. Across instances, through the
real broker: tests/notifier/test_revocation.py."""

import httpx

from agent_access.session import SESSION_COOKIE
from gateway.kafka import InMemoryPublisher
from tests.gateway.conftest import basic, running_gateway, settings, shared_client, shared_published

# One gateway for the module (tests/gateway/conftest.py).
client, published = shared_client, shared_published

SIGN_OUT = {"operationName": "EndContactCenterSession"}


async def test_signing_out_ends_the_cookies_session_and_clears_the_cookie(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/api/v2/me", headers=basic("agent1"))
    token = client.cookies[SESSION_COOKIE]
    assert (await client.get("/api/v2/me")).status_code == 200

    signed_out = await client.post("/api/v2/me", json=SIGN_OUT)
    assert (signed_out.status_code, signed_out.json()) == (200, {"statusCode": 0})
    cleared = signed_out.headers["set-cookie"]
    assert cleared.startswith(f'{SESSION_COOKIE}=""')
    assert "Max-Age=0" in cleared
    assert SESSION_COOKIE not in client.cookies

    client.cookies.set(SESSION_COOKIE, token)  # a copy kept elsewhere is refused too
    refused = await client.get("/api/v2/me")
    assert (refused.status_code, refused.json()["statusCode"]) == (401, 20)
    again = await client.post("/api/v2/me", json=SIGN_OUT)
    assert again.status_code == 401
    # A new sign-in is a new session.
    client.cookies.clear()
    assert (await client.get("/api/v2/me", headers=basic("agent1"))).status_code == 200
    assert (await client.get("/api/v2/me")).status_code == 200


async def test_signing_out_ends_only_that_session(client: httpx.AsyncClient) -> None:
    other = httpx.AsyncClient(base_url=str(client.base_url), headers=client.headers)
    async with other:
        await client.get("/api/v2/me", headers=basic("agent1"))
        await other.get("/api/v2/me", headers=basic("agent1"))
        assert (await client.post("/api/v2/me", json=SIGN_OUT)).status_code == 200
        assert (await other.get("/api/v2/me")).status_code == 200


async def test_a_basic_sign_out_without_a_session_answers_0(client: httpx.AsyncClient) -> None:
    reply = await client.post("/api/v2/me", json=SIGN_OUT, headers=basic("agent3"))
    assert (reply.status_code, reply.json()) == (200, {"statusCode": 0})


async def test_sign_out_refusals_come_in_the_spec_order(client: httpx.AsyncClient) -> None:
    no_credentials = await client.post("/api/v2/me", json=SIGN_OUT)
    missing = await client.post("/api/v2/me", json={}, headers=basic("agent1"))
    other = await client.post(
        "/api/v2/me", json={"operationName": "RejectRecord"}, headers=basic("agent1")
    )
    malformed = await client.post("/api/v2/me", content=b"[", headers=basic("agent1"))
    large = await client.post("/api/v2/me", content=b" " * 70000, headers=basic("agent1"))
    assert (no_credentials.status_code, no_credentials.json()["statusCode"]) == (401, 20)
    assert (missing.status_code, missing.json()["statusCode"]) == (400, 1)
    assert other.status_code == 400
    assert other.json() == {
        "statusCode": 2,
        "statusMessage": "Invalid value for parameter 'operationName': expected one of "
        "EndContactCenterSession",
    }
    assert (malformed.status_code, malformed.json()["statusCode"]) == (400, 2)
    assert (large.status_code, large.json()["statusCode"]) == (413, 2)


async def test_with_csrf_protection_sign_out_needs_the_token() -> None:
    async with (
        running_gateway(settings(csrf_enabled=True), InMemoryPublisher()) as base_url,
        httpx.AsyncClient(base_url=base_url, headers={"Origin": base_url}) as http,
    ):
        me = await http.get("/api/v2/me", headers=basic("agent1"))
        no_token = await http.post("/api/v2/me", json=SIGN_OUT)
        signed_out = await http.post(
            "/api/v2/me", json=SIGN_OUT, headers={"X-CSRF-TOKEN": me.headers["X-CSRF-TOKEN"]}
        )
    assert (no_token.status_code, no_token.json()["statusCode"]) == (403, 3)
    assert signed_out.json() == {"statusCode": 0}
