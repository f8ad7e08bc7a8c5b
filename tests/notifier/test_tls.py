"""The notifier serving HTTPS and wss itself, as `python -m notifier` configures uvicorn."""

import json
from pathlib import Path

import httpx
import pytest
import websockets

from devstack.broker import free_port
from notifier.__main__ import server_config
from notifier.app import create_app
from notifier.settings import NotifierSettings
from notifier.transports import BROWSER_COOKIE
from outbound_contracts.topics import TopicNames
from tests.notifier.conftest import SESSION_SECRET, basic
from tests.serving import serving
from tests.tls import TlsFiles

pytestmark = pytest.mark.kafka

HANDSHAKE = {"channel": "/meta/handshake", "version": "1.0"}


async def test_long_polling_over_https_and_websocket_over_wss(
    kafka_bootstrap: str, topics: TopicNames, notifier_users: Path, tls_files: TlsFiles
) -> None:
    settings = NotifierSettings(
        port=free_port(),
        kafka_bootstrap_servers=kafka_bootstrap,
        ocs_topic_prefix=topics.events.removesuffix("ocs.events"),
        users_file=notifier_users,
        session_secret=SESSION_SECRET,
        tls_cert_file=tls_files.certificate,
        tls_key_file=tls_files.key,
    )
    url = f"127.0.0.1:{settings.port}{settings.path}"
    context = tls_files.client_context()
    async with (
        serving(server_config(settings, create_app(settings))),
        httpx.AsyncClient(verify=context, timeout=10) as https,
    ):
        polled = await https.post(
            f"https://{url}",
            json=[{**HANDSHAKE, "supportedConnectionTypes": ["long-polling"]}],
            headers={"Authorization": basic("agent1")},
        )
        async with websockets.connect(
            f"wss://{url}", ssl=context, additional_headers={"Authorization": basic("agent2")}
        ) as socket:
            await socket.send(
                json.dumps([{**HANDSHAKE, "supportedConnectionTypes": ["websocket"]}])
            )
            [over_wss] = json.loads(await socket.recv())
    [over_https] = polled.json()
    assert over_https["successful"] is True
    assert over_wss["successful"] is True
    cookie = polled.headers["set-cookie"]
    assert cookie.startswith(f"{BROWSER_COOKIE}=")
    assert "Secure" in cookie
    assert polled.headers["strict-transport-security"] == "max-age=31536000"
    assert polled.headers["x-content-type-options"] == "nosniff"


def test_behind_a_tls_proxy_cookies_can_be_marked_secure_without_serving_tls(
    notifier_users: Path,
) -> None:
    settings = NotifierSettings(
        users_file=notifier_users, session_secret=SESSION_SECRET, secure_cookies=True
    )
    assert settings.tls is None
    assert settings.cookies_secure
