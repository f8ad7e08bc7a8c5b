"""The gateway serving HTTPS itself, as `python -m gateway` configures uvicorn: a `Secure`
session cookie, HSTS and the other security headers; without TLS, the headers but no HSTS."""

import httpx
import pytest

from agent_access.session import SESSION_COOKIE
from devstack.broker import free_port
from gateway.__main__ import server_config
from gateway.app import create_app
from outbound_contracts.topics import TopicNames
from tests.gateway.conftest import basic, kafka_settings
from tests.serving import serving
from tests.tls import TlsFiles

pytestmark = pytest.mark.kafka


async def test_over_tls_the_cookie_is_secure_and_hsts_is_sent(
    kafka_bootstrap: str, topics: TopicNames, tls_files: TlsFiles
) -> None:
    port = free_port()
    settings = kafka_settings(
        kafka_bootstrap,
        topics,
        port=port,
        tls_cert_file=tls_files.certificate,
        tls_key_file=tls_files.key,
    )
    async with (
        serving(server_config(settings, create_app(settings))),
        httpx.AsyncClient(
            base_url=f"https://127.0.0.1:{port}", verify=tls_files.client_context()
        ) as https,
    ):
        signed_in = await https.get("/api/v2/me", headers=basic("agent1"))
        again = await https.get("/api/v2/me")  # with the cookie only
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as plain:
            with pytest.raises(httpx.TransportError):
                await plain.get("/api/v2/me", headers=basic("agent1"))
    assert signed_in.status_code == 200
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for flag in ("Secure", "HttpOnly", "SameSite=lax", "Path=/"):
        assert flag in cookie
    assert again.json()["user"]["userName"] == "agent1"
    assert signed_in.headers["strict-transport-security"] == "max-age=31536000"
    assert signed_in.headers["x-content-type-options"] == "nosniff"
    assert signed_in.headers["x-frame-options"] == "DENY"
    assert signed_in.headers["content-security-policy"] == "frame-ancestors 'none'"


async def test_without_tls_the_headers_are_sent_but_no_hsts_and_no_secure_flag(
    client: httpx.AsyncClient,
) -> None:
    signed_in = await client.get("/api/v2/me", headers=basic("agent1"))
    refused = await client.get("/api/v2/me")
    for response in (signed_in, refused):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in response.headers
    assert "Secure" not in signed_in.headers["set-cookie"]


def test_a_certificate_without_its_key_is_a_settings_error(tls_files: TlsFiles) -> None:
    with pytest.raises(ValueError, match="both tls_cert_file and tls_key_file"):
        kafka_settings("127.0.0.1:1", TopicNames.with_prefix(""), tls_cert_file=tls_files.key)
