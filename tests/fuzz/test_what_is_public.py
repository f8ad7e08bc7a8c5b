"""What anyone who reaches a service's port can read (issue 25, item 10): with the settings a
deployment gets by default, neither service serves /metrics or an API document, and the
gateway never serves a documentation page (FastAPI's load their scripts from a CDN)."""

import httpx
import pytest

from gateway.kafka import InMemoryPublisher
from gateway.settings import GatewaySettings
from notifier.app import create_app as create_notifier
from notifier.settings import NotifierSettings
from tests.fuzz.gws_replies import assert_gws_error
from tests.gateway.conftest import USERS_FILE, running_gateway, settings

REQUIRED = {"session_secret": "public", "users_file": USERS_FILE}
DOCUMENTS = ["/openapi.json", "/asyncapi.json"]
UI_PAGES = ["/docs", "/redoc", "/docs/oauth2-redirect"]


async def test_by_default_the_gateway_serves_no_metrics_documents_or_ui() -> None:
    defaults = GatewaySettings.model_validate(REQUIRED)
    async with (
        running_gateway(defaults, publisher=InMemoryPublisher()) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
    ):
        for path in ["/metrics", *DOCUMENTS, *UI_PAGES]:
            response = await http.get(path)
            assert response.status_code == 404, path  # each was 200
            assert_gws_error(response.status_code, response.headers, response.content)
        assert (await http.get("/healthz")).status_code == 200


async def test_documents_on_a_setting_and_never_a_page_that_loads_another_origin() -> None:
    async with (
        running_gateway(settings(), publisher=InMemoryPublisher()) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
    ):
        for path in DOCUMENTS:
            assert (await http.get(path)).status_code == 200, path
        for path in UI_PAGES:
            # /docs was 200: a page loading swagger-ui from cdn.jsdelivr.net
            assert (await http.get(path)).status_code == 404, path


@pytest.mark.parametrize("enabled", [False, True])
async def test_the_notifier_serves_metrics_only_when_enabled(enabled: bool) -> None:
    notifier = create_notifier(
        NotifierSettings.model_validate({**REQUIRED, "metrics_enabled": enabled})
    )
    transport = httpx.ASGITransport(app=notifier)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        assert (await http.get("/metrics")).status_code == (200 if enabled else 404)
        assert (await http.get("/openapi.json")).status_code == 404
