"""Operations (spec §1 "Also served"): health, readiness, metrics (OpenAPI: test_openapi.py);
and that nothing on the API answers in a format other than GWS's."""

from typing import Any

import httpx
import pytest

from gateway.kafka import InMemoryPublisher
from outbound_contracts.commands import AgentCommand
from tests.gateway.conftest import basic, running_gateway, settings, vector

REJECT = vector("reject-record")["request"]


async def test_healthz_and_readyz_follow_the_publisher(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).status_code == 200
    published.available = False
    assert (await client.get("/healthz")).status_code == 200
    not_ready = await client.get("/readyz")
    assert not_ready.status_code == 503
    assert "broker" in not_ready.json()["status"]


async def test_a_lost_broker_is_503_4_and_nothing_is_kept(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    published.available = False
    response = await client.post(REJECT["path"], json=REJECT["body"], headers=basic("agent1"))
    assert response.status_code == 503
    assert response.json()["statusCode"] == 4
    assert set(response.json()) == {"statusCode", "statusMessage"}
    assert "not accepted" in response.json()["statusMessage"]
    assert published.published == []


def sample(metrics: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    prefix = f"{name}{{{wanted}}} " if labels else f"{name} "
    values = [float(line.split()[-1]) for line in metrics.splitlines() if line.startswith(prefix)]
    return values[0] if values else 0.0


async def test_metrics_count_requests_by_operation_and_outcome(client: httpx.AsyncClient) -> None:
    agent1 = basic("agent1")
    await client.post(REJECT["path"], json=REJECT["body"], headers=agent1)
    await client.post(REJECT["path"], json=REJECT["body"], headers=agent1)
    await client.post(REJECT["path"], json={**REJECT["body"], "callingList": 1}, headers=agent1)
    await client.post(REJECT["path"], json={**REJECT["body"], "operationName": "X"}, headers=agent1)
    await client.post(REJECT["path"], json=REJECT["body"], headers=basic("agent1", "bad"))
    response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    requests = "gateway_requests_total"
    assert sample(text, requests, operation="RejectRecord", outcome="accepted") == 2
    assert sample(text, requests, operation="RejectRecord", outcome="invalid") == 1
    assert sample(text, requests, operation="unknown", outcome="invalid") == 1
    assert sample(text, requests, operation="unknown", outcome="unauthenticated") == 1
    assert sample(text, "gateway_publish_seconds_count") == 2


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v2/me/outbound-things", 404, 6),
        ("GET", "/api/v2/me/outbound-records/9", 405, 2),
        ("PUT", "/api/v2/me/outbound-campaigns/Campaign1", 405, 2),
    ],
)
async def test_unknown_urls_and_methods_answer_in_the_gws_format(
    client: httpx.AsyncClient, method: str, path: str, status: int, code: int
) -> None:
    response = await client.request(method, path, headers=basic("agent1"))
    assert (response.status_code, response.json()["statusCode"]) == (status, code)
    assert set(response.json()) == {"statusCode", "statusMessage"}


@pytest.mark.parametrize("raw", [b"[]", b'"RejectRecord"', b"", b"\xff\xfe", b"null"])
async def test_a_body_that_is_not_a_json_object_is_400_2(
    client: httpx.AsyncClient, published: InMemoryPublisher, raw: bytes
) -> None:
    response = await client.post(REJECT["path"], content=raw, headers=basic("agent1"))
    assert (response.status_code, response.json()["statusCode"]) == (400, 2)
    assert "JSON" in response.json()["statusMessage"]
    assert published.published == []


async def test_an_oversized_body_is_refused_by_its_declared_length_or_its_actual_one(
    published: InMemoryPublisher,
) -> None:
    async def chunks() -> Any:
        for _ in range(20):
            yield b" " * 100

    async with (
        running_gateway(settings(max_body_bytes=1000), publisher=published) as base_url,
        httpx.AsyncClient(base_url=base_url, headers=basic("agent1")) as http,
    ):
        declared = await http.post(REJECT["path"], content=b"x" * 1001)
        streamed = await http.post(REJECT["path"], content=chunks())  # chunked, no length
        within = await http.post(REJECT["path"], json=REJECT["body"])
    for refused in (declared, streamed):
        assert refused.status_code == 413
        assert refused.json() == {
            "statusCode": 2,
            "statusMessage": "The request body exceeds the limit of 1000 bytes",
        }
    assert within.json() == {"statusCode": 0}
    assert len(published.published) == 1


class BrokenPublisher(InMemoryPublisher):
    async def publish(self, command: AgentCommand) -> None:
        raise RuntimeError("a bug")


async def test_an_internal_failure_is_500_4_in_the_gws_format() -> None:
    async with (
        running_gateway(settings(), publisher=BrokenPublisher()) as base_url,
        httpx.AsyncClient(base_url=base_url) as http,
    ):
        response = await http.post(REJECT["path"], json=REJECT["body"], headers=basic("agent1"))
    assert response.status_code == 500
    assert response.json() == {
        "statusCode": 4,
        "statusMessage": "Internal error: the request was not processed",
    }
