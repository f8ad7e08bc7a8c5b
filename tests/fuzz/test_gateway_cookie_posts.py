"""Cookie posts and hosts, against the real gateway: a state-changing request signed in by the
session cookie alone must carry an allowed `Origin` or `X-Requested-With` (a form posted by
another site carries neither when the browser leaves `Origin` out), and a `Host` outside the
allow-list (by default the bound address) is refused, so a DNS-rebound name cannot reach a
loopback gateway."""

import httpx

from agent_access.session import SESSION_COOKIE
from gateway.kafka import InMemoryPublisher
from tests.gateway.conftest import basic, running_gateway, settings, vector

SIGN_OUT = {"operationName": "EndContactCenterSession"}


async def test_a_cookie_post_without_origin_or_x_requested_with_is_refused_403_3() -> None:
    published = InMemoryPublisher()
    request = vector("reject-record")["request"]
    async with (
        running_gateway(settings(), published) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
    ):
        await http.get("/api/v2/me", headers=basic("agent1"))
        assert SESSION_COOKIE in http.cookies
        bare = await http.post(request["path"], json=request["body"])
        assert (bare.status_code, bare.json()) == (
            403,
            {
                "statusCode": 3,
                "statusMessage": "A request signed in by cookie needs Origin or X-Requested-With",
            },
        )
        assert published.published == []  # an error reply: nothing changed
        sign_out = await http.post("/api/v2/me", json=SIGN_OUT)
        assert sign_out.status_code == 403
        scripted = await http.post(
            request["path"], json=request["body"], headers={"X-Requested-With": "XMLHttpRequest"}
        )
        assert scripted.json() == {"statusCode": 0}
        same_origin = await http.post(
            request["path"], json=request["body"], headers={"Origin": base_url}
        )
        assert same_origin.json() == {"statusCode": 0}
        http.cookies.clear()
        with_basic = await http.post(request["path"], json=request["body"], headers=basic("agent1"))
        assert with_basic.json() == {"statusCode": 0}  # not a cookie: no browser sends it unasked


async def test_a_host_outside_the_allow_list_is_refused() -> None:
    async with (
        running_gateway(settings(), InMemoryPublisher()) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
    ):
        rebound = await http.get("/api/v2/me", headers={**basic("agent1"), "Host": "evil.example"})
        assert (rebound.status_code, rebound.json()) == (
            400,
            {"statusCode": 2, "statusMessage": "Host 'evil.example' not allowed"},
        )
        port = base_url.rsplit(":", 1)[1]
        for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            served = await http.get("/api/v2/me", headers={**basic("agent1"), "Host": host})
            assert served.status_code == 200, host
    other = settings(allowed_hosts=["desk.example"])
    async with (
        running_gateway(other, InMemoryPublisher()) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
    ):
        named = await http.get("/api/v2/me", headers={**basic("agent1"), "Host": "desk.example"})
        assert named.status_code == 200
        assert (await http.get("/healthz")).status_code == 400  # 127.0.0.1 is not in the list
