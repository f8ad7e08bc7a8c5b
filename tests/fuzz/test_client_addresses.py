"""The client address the sign-in throttle counts (issue 25, item 2): `X-Forwarded-For` is
believed only from a trusted proxy, and through a real HAProxy with `option forwardfor` two
clients are told apart, so one guesser's lock-out does not lock the other out.

The two clients are 127.0.0.2 and 127.0.0.3 (loopback addresses, as every address of 127/8)."""

import asyncio
import base64
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest

from devstack.broker import free_port
from gateway.kafka import InMemoryPublisher
from tests.eventually import eventually
from tests.gateway.conftest import basic, running_gateway, settings
from tests.kafka import REPO

DEPLOYED = REPO / "deploy" / "haproxy" / "haproxy.cfg"
PER_ADDRESS = 3
THROTTLE = {"sign_in_max_failures_per_address": PER_ADDRESS, "sign_in_max_failures": 1000}
HAPROXY_CONFIG = """
global
    maxconn 100
defaults
    mode http
    timeout connect 3s
    timeout client 10s
    timeout server 10s
    timeout http-request 10s
    option forwardfor
frontend gateway
    bind 127.0.0.1:{front}
    default_backend gateways
backend gateways
    server gateway 127.0.0.1:{gateway}
"""


def wrong_password(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:wrong".encode()).decode()}


def client(base_url: str, source: str | None = None) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=source)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=10)


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert "Retry-After" in response.headers, response.headers


async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    async with (
        running_gateway(settings(**THROTTLE), publisher=InMemoryPublisher()) as base_url,
        client(base_url) as http,
    ):
        for guess in range(PER_ADDRESS):
            spoofed = {"X-Forwarded-For": f"203.0.113.{guess}"}
            refused = await http.get("/api/v2/me", headers={**wrong_password("x"), **spoofed})
            assert refused.status_code == 401
        # Was 200: uvicorn trusted 127.0.0.1's X-Forwarded-For, so each guess came from a
        # fresh address and this one was never counted.
        assert_throttled(await http.get("/api/v2/me", headers=basic("agent1")))


@contextmanager
def haproxy(tmp_path: Path, gateway_port: int) -> Iterator[str]:
    """A real HAProxy in front of the gateway, stopped by its PID; yields its URL."""
    front = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(HAPROXY_CONFIG.format(front=front, gateway=gateway_port))
    with (tmp_path / "haproxy.log").open("wb") as log:
        process = subprocess.Popen(["haproxy", "-db", "-f", str(config)], stdout=log, stderr=log)
    try:
        yield f"http://127.0.0.1:{front}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@asynccontextmanager
async def balanced_gateway(tmp_path: Path) -> AsyncIterator[str]:
    gateway_settings = settings(trusted_proxies=["127.0.0.1"], **THROTTLE)
    async with running_gateway(gateway_settings, publisher=InMemoryPublisher()) as base_url:
        with haproxy(tmp_path, int(base_url.rsplit(":", 1)[1])) as front:
            async with client(front) as http:

                async def answers() -> bool:
                    try:
                        return (await http.get("/healthz")).status_code == 200
                    except httpx.TransportError:
                        return False

                await eventually(answers, within=15, every=0.05, what="haproxy forwarding")
            yield front


@pytest.mark.tools
async def test_through_haproxy_one_clients_lock_out_leaves_another_signing_in(
    tmp_path: Path,
) -> None:
    assert "option forwardfor" in DEPLOYED.read_text()
    async with (
        balanced_gateway(tmp_path) as front,
        client(front, "127.0.0.2") as guesser,
        client(front, "127.0.0.3") as agent,
    ):
        refusals = await asyncio.gather(
            *(
                guesser.get("/api/v2/me", headers=wrong_password(f"u{n}"))
                for n in range(PER_ADDRESS)
            )
        )
        assert [r.status_code for r in refusals] == [401] * PER_ADDRESS
        assert_throttled(await guesser.get("/api/v2/me", headers=basic("agent1")))
        # Was 401 too: every client had the balancer's address, locked by the guesser.
        assert (await agent.get("/api/v2/me", headers=basic("agent1"))).status_code == 200


@pytest.mark.tools
def test_the_deployed_balancer_config_is_valid() -> None:
    """The scaled profile's image installs the same Debian package as `make test`."""
    checked = subprocess.run(
        ["haproxy", "-c", "-f", str(DEPLOYED)],
        env={**os.environ, "NOTIFIER_COOKIE_KEY": "check"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
