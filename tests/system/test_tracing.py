"""One command, one trace: the three services run as real processes (as in production, each
with its own SDK and batch exporter), export OTLP/HTTP to a receiver in this test, and the
spans of a command form one connected trace - the desktop's span -> the gateway's request ->
the worker's apply -> the notifier's delivery. A command sent without trace context starts a
new trace at the gateway that reaches the other two just the same."""

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from devstack.broker import free_port
from ocs_worker.http import serving
from outbound_contracts.topics import TopicNames
from tests.eventually import eventually
from tests.gateway.conftest import basic
from tests.system.conftest import System, running_system
from tests.system.otlp_receiver import OtlpReceiver, ReceivedSpan
from tests.system.outbound_api import vector_request

pytestmark = pytest.mark.kafka

SERVICES = {"gateway", "ocs_worker", "notifier"}


@pytest.fixture
async def receiver(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    port = free_port()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")  # export within 0.1 s, not 5 s
    async with serving(receiver.app, "127.0.0.1", port):
        yield receiver


@pytest.fixture
async def traced_system(
    receiver: OtlpReceiver, kafka_bootstrap: str, topics: TopicNames, tmp_path: Path
) -> AsyncIterator[System]:
    async with running_system(kafka_bootstrap, topics, tmp_path) as running:
        yield running


async def post_reject(system: System, headers: dict[str, str]) -> None:
    request = vector_request("reject-record")
    async with httpx.AsyncClient(base_url=system.gateway_url) as http:
        reply = await http.post(
            request.path, json=request.body, headers={**basic(request.user), **headers}
        )
    assert (reply.status_code, reply.json()) == (200, {"statusCode": 0}), reply.text


async def whole_trace(receiver: OtlpReceiver, trace_id: str) -> dict[str, list[ReceivedSpan]]:
    async def every_service_reported() -> bool:
        return set(receiver.trace(trace_id)) == SERVICES

    await eventually(every_service_reported, within=30)
    return receiver.trace(trace_id)


def assert_connected(trace: dict[str, list[ReceivedSpan]], desktop_span: str) -> None:
    """gateway (child of the desktop's span) -> worker -> notifier, one span each."""
    [gateway], [worker], [notifier] = trace["gateway"], trace["ocs_worker"], trace["notifier"]
    assert gateway.parent_span_id == desktop_span
    assert worker.parent_span_id == gateway.span_id
    assert notifier.parent_span_id == worker.span_id
    assert (worker.name, notifier.name) == ("ocs_worker apply", "notifier deliver")


async def test_one_command_is_one_connected_trace_across_the_three_processes(
    receiver: OtlpReceiver, traced_system: System
) -> None:
    trace_id, desktop_span = secrets.token_hex(16), secrets.token_hex(8)
    await post_reject(traced_system, {"traceparent": f"00-{trace_id}-{desktop_span}-01"})
    assert_connected(await whole_trace(receiver, trace_id), desktop_span)

    await post_reject(traced_system, {})

    def new_gateway_roots() -> list[ReceivedSpan]:
        return [
            span
            for span in receiver.spans
            if span.service == "gateway" and not span.parent_span_id and span.trace_id != trace_id
        ]

    async def a_new_trace_began() -> bool:
        return bool(new_gateway_roots())

    await eventually(a_new_trace_began, within=30)
    [root] = new_gateway_roots()
    assert_connected(await whole_trace(receiver, root.trace_id), "")
