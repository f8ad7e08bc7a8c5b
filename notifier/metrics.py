"""The notifier's Prometheus metrics, in a registry of its own per app."""

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class NotifierMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.sessions = Gauge("notifier_sessions", "Live Bayeux sessions", registry=self.registry)
        self.subscriptions = Gauge(
            "notifier_subscriptions",
            "Channel subscriptions of live sessions",
            registry=self.registry,
        )
        self.held_connects = Gauge(
            "notifier_held_connects", "Held /meta/connect requests", registry=self.registry
        )
        self.sessions_ended = Counter(
            "notifier_sessions_ended",
            "Sessions ended, by reason "
            "(disconnect, expired, cookie_expired, queue_overflow, replay_failed, revoked, "
            "shutdown)",
            ["reason"],
            registry=self.registry,
        )
        self.handshakes_denied = Counter(
            "notifier_handshakes_denied",
            "Handshakes refused for lack of credentials",
            registry=self.registry,
        )
        self.origins_refused = Counter(
            "notifier_origins_refused",
            "Requests refused for a browser Origin not allowed, by transport",
            ["transport"],
            registry=self.registry,
        )
        self.sign_ins_refused = Counter(
            "notifier_sign_ins_refused",
            "Basic sign-ins at handshake refused, by reason (failed, throttled)",
            ["reason"],
            registry=self.registry,
        )
        self.revoked_sessions = Gauge(
            "notifier_revoked_sessions",
            "Unexpired revoked session tokens this notifier refuses",
            registry=self.registry,
        )
        self.users_file_reloads = Counter(
            "notifier_users_file_reloads",
            "Users file changes taken in, by result (loaded, failed: kept the users as they were)",
            ["result"],
            registry=self.registry,
        )
        self.messages_delivered = Counter(
            "notifier_messages_delivered", "Messages written to a client", registry=self.registry
        )
        self.messages_dropped = Counter(
            "notifier_messages_dropped",
            "Messages not delivered, by reason (no_session, not_subscribed, queue_overflow)",
            ["reason"],
            registry=self.registry,
        )
        self.messages_resent = Counter(
            "notifier_messages_resent",
            "Messages sent again because the client had not acknowledged them (ack extension)",
            registry=self.registry,
        )
        self.messages_replayed = Counter(
            "notifier_messages_replayed",
            "Messages queued by a replay (a subscribe with ext.replay)",
            registry=self.registry,
        )
        self.replays = Counter(
            "notifier_replays",
            "Replays asked for, by result (started, refused, failed, done)",
            ["result"],
            registry=self.registry,
        )
        self.events_consumed = Counter(
            "notifier_events_consumed",
            "Events read from ocs.events, by type",
            ["type"],
            registry=self.registry,
        )
        self.events_undecodable = Counter(
            "notifier_events_undecodable",
            "Events on ocs.events that are not of the contract",
            registry=self.registry,
        )
        self.delivery_lag = Histogram(
            "notifier_delivery_lag_seconds",
            "From the event's Kafka timestamp to its messages being queued for the sessions",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )

    def observe_registry(
        self, sessions: Callable[[], int], subscriptions: Callable[[], int], held: Callable[[], int]
    ) -> None:
        """Gauges read from the session registry when scraped, never stale."""
        self.sessions.set_function(sessions)
        self.subscriptions.set_function(subscriptions)
        self.held_connects.set_function(held)
