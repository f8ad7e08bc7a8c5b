"""The Kafka headers that carry a command's trace (W3C trace context): their names and the
schema the AsyncAPI document publishes for them. Tracing itself is `observability.tracing`."""

from typing import Any

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
_TRACEPARENT_PATTERN = "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"

TRACE_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "W3C trace context of the command's trace, when tracing is on "
    "(https://www.w3.org/TR/trace-context/); absent otherwise",
    "properties": {
        TRACEPARENT: {"type": "string", "pattern": _TRACEPARENT_PATTERN},
        TRACESTATE: {"type": "string"},
    },
}
