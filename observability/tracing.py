"""One trace per command across the three services: W3C trace context in Kafka headers.

The gateway's span (from the desktop's `traceparent`, or a new trace) goes into the command's
headers; the worker continues it for the command it applies and puts its own span's context
into the events' headers; the notifier continues it around the delivery. Spans are exported
over OTLP/HTTP when an endpoint is configured; otherwise `Tracing` is off and costs one
attribute check per message (no provider, no propagation, no instrumentation).
"""

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

KafkaHeaders = Sequence[tuple[str, bytes]]
_W3C = TraceContextTextMapPropagator()
_NO_SPAN: AbstractContextManager[None] = nullcontext()


class Tracing:
    """A service's tracing: `Tracing.off()` by default, `Tracing.exporting_to(...)` when an
    OTLP endpoint is configured."""

    def __init__(self, provider: TracerProvider | None, service: str) -> None:
        self.provider = provider
        self._tracer: Tracer | None = None if provider is None else provider.get_tracer(service)

    @classmethod
    def off(cls) -> "Tracing":
        return cls(None, "")

    @classmethod
    def exporting_to(cls, otlp_endpoint: str | None, service: str) -> "Tracing":
        """Spans of `service` batched to `{otlp_endpoint}/v1/traces` (OTLP/HTTP, protobuf);
        off when no endpoint is given."""
        if not otlp_endpoint:
            return cls.off()
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        exporter = OTLPSpanExporter(endpoint=otlp_endpoint.rstrip("/") + "/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(exporter))
        return cls(provider, service)

    def headers(self) -> list[tuple[str, bytes]]:
        """The current span's context as Kafka headers; none when off."""
        if self._tracer is None:
            return []
        carrier: dict[str, str] = {}
        _W3C.inject(carrier)
        return [(name, value.encode()) for name, value in carrier.items()]

    def continuing(
        self, name: str, headers: KafkaHeaders | None, attributes: Mapping[str, str | int]
    ) -> AbstractContextManager[Span | None]:
        """A consumer span whose parent is the context in the message's headers (a new trace
        when they carry none); when off, a shared no-op context (about 0.2 us)."""
        if self._tracer is None:
            return _NO_SPAN
        carrier = {key: value.decode("latin-1") for key, value in headers or ()}
        return self._tracer.start_as_current_span(
            name, context=_W3C.extract(carrier), kind=SpanKind.CONSUMER, attributes=attributes
        )

    def shutdown(self) -> None:
        """Exports the spans still batched; call once, when the service stops."""
        if self.provider is not None:
            self.provider.shutdown()
