"""What browsers get from the gateway: CORS for the allowed origins and the `Origin` check
(as the notifier), no Basic challenge for a script's request, and the desktop page."""

from collections.abc import AsyncIterator

import httpx
import pytest

from agent_access.session import SESSION_COOKIE
from gateway.kafka import InMemoryPublisher
from tests.gateway.conftest import basic, running_gateway, settings, vector

DESK = "http://desk.example:8443"
REJECT = vector("reject-record")["request"]
SCRIPT = {"X-Requested-With": "XMLHttpRequest"}


@pytest.fixture
async def gateway(published: InMemoryPublisher) -> AsyncIterator[httpx.AsyncClient]:
    gateway_settings = settings(
        allowed_origins=[DESK], desktop_cometd_url="http://{host}:8081/api/v2/notifications"
    )
    async with (
        running_gateway(gateway_settings, publisher=published) as base_url,
        httpx.AsyncClient(base_url=base_url) as http,
    ):
        yield http


async def test_an_allowed_origin_passes_the_preflight_and_gets_credentialed_cors(
    gateway: httpx.AsyncClient,
) -> None:
    preflight = await gateway.options(
        REJECT["path"],
        headers={
            "Origin": DESK,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-requested-with",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == DESK
    assert preflight.headers["access-control-allow-credentials"] == "true"
    signed_in = await gateway.get("/api/v2/me", headers={"Origin": DESK, **basic("agent1")})
    assert signed_in.status_code == 200
    assert signed_in.headers["access-control-allow-origin"] == DESK
    command = await gateway.post(REJECT["path"], json=REJECT["body"], headers={"Origin": DESK})
    assert (command.status_code, command.json()) == (200, {"statusCode": 0})  # by the cookie


async def test_another_origin_is_refused_before_anything_else(
    gateway: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    foreign = {"Origin": "http://elsewhere.example"}
    preflight = await gateway.options(
        REJECT["path"], headers={**foreign, "Access-Control-Request-Method": "POST"}
    )
    command = await gateway.post(
        REJECT["path"], json=REJECT["body"], headers={**foreign, **basic("agent1")}
    )
    for refused in (preflight, command):
        assert refused.status_code == 403
        assert refused.json() == {"statusCode": 3, "statusMessage": "Origin not allowed"}
        assert "access-control-allow-origin" not in refused.headers
    assert published.published == []
    own = await gateway.get("/api/v2/me", headers={"Origin": str(gateway.base_url).rstrip("/")})
    assert own.status_code == 401  # the gateway's own pages are never refused for their origin


async def test_a_script_learns_of_an_expired_session_without_a_login_dialog(
    gateway: httpx.AsyncClient,
) -> None:
    gateway.cookies.set(SESSION_COOKIE, "expired-or-forged")
    by_script = await gateway.post(REJECT["path"], json=REJECT["body"], headers=SCRIPT)
    by_browser = await gateway.post(REJECT["path"], json=REJECT["body"])
    assert by_script.status_code == by_browser.status_code == 401
    assert (
        by_script.json()
        == by_browser.json()
        == {"statusCode": 20, "statusMessage": "Access denied"}
    )
    assert "www-authenticate" not in by_script.headers
    assert by_browser.headers["www-authenticate"].startswith("Basic")


async def test_the_desktop_page_and_its_config_are_served(gateway: httpx.AsyncClient) -> None:
    folder = await gateway.get("/desktop")
    assert (folder.status_code, folder.headers["location"]) == (308, "/desktop/")
    page = await gateway.get("/desktop/")
    assert page.status_code == 200
    assert '<script type="module" src="main.js">' in page.text
    config = await gateway.get("/desktop/config.json")
    assert config.json() == {"cometdUrl": "http://{host}:8081/api/v2/notifications"}
    client = await gateway.get("/desktop/vendor/cometd/cometd.js")
    assert client.status_code == 200
    assert "javascript" in client.headers["content-type"]
    missing = await gateway.get("/desktop/nothing.js")
    assert missing.json() == {
        "statusCode": 6,
        "statusMessage": "No resource at /desktop/nothing.js",
    }
