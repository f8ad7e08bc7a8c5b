"""The gateway's span per request: OpenTelemetry's maintained FastAPI instrumentation, which
continues the desktop's `traceparent` (or starts a trace); added only when tracing is on."""

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.trace import TracerProvider


def instrument_requests(app: FastAPI, provider: TracerProvider) -> None:
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        meter_provider=NoOpMeterProvider(),  # our metrics are Prometheus's
        excluded_urls="healthz,readyz,metrics,asyncapi.json,openapi.json",
        exclude_spans=["receive", "send"],  # one span per request, not per ASGI message
    )
