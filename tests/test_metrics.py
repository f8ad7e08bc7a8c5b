"""Every service's /metrics passes Prometheus's own linter, and the Grafana dashboard asks only
for metrics the services expose."""

import json
import re

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette

from gateway.app import create_app as create_gateway
from gateway.kafka import InMemoryPublisher
from notifier.app import create_app as create_notifier
from notifier.settings import NotifierSettings
from ocs_worker.http import status_app
from ocs_worker.metrics import WorkerMetrics
from tests.gateway.conftest import USERS_FILE, settings
from tests.kafka import REPO
from tests.promtool import promtool_problems

OUR_METRIC = re.compile(r"\b(?:gateway|ocs_worker|notifier)_[a-z0-9_]+")
DASHBOARD = REPO / "deploy" / "grafana" / "gws-outbound.json"


def gateway() -> FastAPI:
    return create_gateway(settings(), InMemoryPublisher())


def notifier() -> FastAPI:
    return create_notifier(
        NotifierSettings.model_validate(
            {"session_secret": "metrics", "users_file": USERS_FILE, "metrics_enabled": True}
        )
    )


def worker() -> Starlette:
    return status_app(WorkerMetrics(), ready=lambda: True)


SERVICES = {"gateway": gateway, "notifier": notifier, "ocs_worker": worker}


async def exposition(app: FastAPI | Starlette) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return response.text


def series_names(text: str) -> set[str]:
    """Every series name an exposition can produce: families and their suffixed series."""
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            family, kind = line.split()[2:4]
            names.add(family)
            if kind == "histogram":
                names |= {f"{family}_bucket", f"{family}_sum", f"{family}_count"}
    return names


@pytest.mark.tools
@pytest.mark.parametrize("service", SERVICES)
async def test_promtool_accepts_the_exposition(service: str) -> None:
    text = await exposition(SERVICES[service]())
    assert text.strip()
    assert promtool_problems(text) == ""


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


async def test_every_dashboard_query_names_only_exposed_metrics() -> None:
    exposed: set[str] = set()
    for app in SERVICES.values():
        exposed |= series_names(await exposition(app()))
    queries = dashboard_queries()
    assert queries
    asked = {name for query in queries for name in OUR_METRIC.findall(query)}
    assert asked
    assert asked <= exposed, sorted(asked - exposed)


def test_the_dashboard_covers_every_service() -> None:
    queries = " ".join(dashboard_queries())
    for prefix in ("gateway_", "ocs_worker_", "notifier_"):
        assert prefix in queries
