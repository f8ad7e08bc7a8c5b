"""Trace context through Kafka headers, with the SDK's in-memory exporter: a consumer span
continues the producer's trace; off, nothing is written and no span is made."""

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from observability.tracing import Tracing


def recording() -> tuple[Tracing, InMemorySpanExporter]:
    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exported))
    return Tracing(provider, "test"), exported


def test_a_consumer_span_continues_the_trace_in_the_headers() -> None:
    tracing, exported = recording()
    with tracing.continuing("produce", None, {}):
        headers = tracing.headers()
    with tracing.continuing("consume", headers, {"messaging.kafka.offset": 7}) as span:
        assert span is not None
        forwarded = tracing.headers()
    produced, consumed = exported.get_finished_spans()
    assert [name for name, _ in headers] == ["traceparent"]
    assert produced.parent is None  # no context in the headers: a new trace
    assert consumed.parent is not None
    assert consumed.parent.span_id == produced.context.span_id
    assert consumed.context.trace_id == produced.context.trace_id
    assert consumed.attributes == {"messaging.kafka.offset": 7}
    assert dict(forwarded)["traceparent"].decode().split("-")[2] == (
        f"{consumed.context.span_id:016x}"
    )


def test_off_writes_no_header_and_makes_no_span() -> None:
    tracing = Tracing.off()
    with tracing.continuing(
        "consume", [("traceparent", b"00-" + b"1" * 32 + b"-" + b"2" * 16 + b"-01")], {}
    ) as span:
        assert span is None
        assert tracing.headers() == []
