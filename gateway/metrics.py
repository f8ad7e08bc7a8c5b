"""The gateway's Prometheus metrics, in a registry of its own per app."""

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# What each refusal is, by HTTP status: a bounded label set, whatever the clients send.
_OUTCOMES = {
    200: "accepted",
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "unknown_device",
    413: "too_large",
    503: "unavailable",
}


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "gateway_requests",
            "Outbound operation requests, by operation (or 'unknown') and outcome",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.sign_ins_refused = Counter(
            "gateway_sign_ins_refused",
            "Basic sign-ins refused, by reason (failed: wrong credentials checked; throttled: "
            "refused unchecked after too many failures)",
            ["reason"],
            registry=self.registry,
        )
        self.sign_outs = Counter(
            "gateway_sign_outs",
            "Sign-outs (EndContactCenterSession), by result (ended: the cookie's session was "
            "revoked; no_session: signed in with Basic alone; unavailable: not written, 503; "
            "too_many: past the user's sign-outs a minute, 429)",
            ["result"],
            registry=self.registry,
        )
        self.revoked_sessions = Gauge(
            "gateway_revoked_sessions",
            "Unexpired revoked session tokens this gateway refuses",
            registry=self.registry,
        )
        self.users_file_reloads = Counter(
            "gateway_users_file_reloads",
            "Users file changes taken in, by result (loaded, failed: kept the users as they were)",
            ["result"],
            registry=self.registry,
        )
        self.publish_seconds = Histogram(
            "gateway_publish_seconds",
            "From handing a command to the producer to the broker's acknowledgement (or refusal)",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )

    def observe_revoked(self, revoked: Callable[[], int]) -> None:
        self.revoked_sessions.set_function(revoked)

    def count(self, operation: str, http_status: int) -> None:
        self._requests.labels(operation, outcome(http_status)).inc()


def outcome(http_status: int) -> str:
    """A request's outcome as metrics and logs name it."""
    return _OUTCOMES.get(http_status, "error")
