"""The worker's Prometheus metrics, in a registry of its own per worker.

Labels are bounded: a partition number, a command type, a dead-letter reason; never an agent
or a record."""

import contextlib

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class WorkerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.consumer_lag = Gauge(
            "ocs_worker_consumer_lag_messages",
            "Committed commands not yet applied, per owned partition of ocs.commands",
            ["partition"],
            registry=self.registry,
        )
        self.owned_partitions = Gauge(
            "ocs_worker_owned_partitions",
            "Partitions of ocs.commands this worker owns",
            registry=self.registry,
        )
        self.commands_applied = Counter(
            "ocs_worker_commands_applied",
            "Commands applied by the engine, by command type",
            ["type"],
            registry=self.registry,
        )
        self._applied_by_type: dict[str, Counter] = {}
        self.transactions = Counter(
            "ocs_worker_transactions",
            "Kafka transactions, by result (committed, failed)",
            ["result"],
            registry=self.registry,
        )
        self.transaction_seconds = Histogram(
            "ocs_worker_transaction_duration_seconds",
            "From beginning a batch's transaction to its commit",
            buckets=_SECONDS,
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "ocs_worker_dead_letters",
            "Commands written to ocs.dead-letter, by reason "
            "(undecodable, wrong_key, expired, engine_failed)",
            ["reason"],
            registry=self.registry,
        )
        self.callbacks = Counter(
            "ocs_worker_callbacks",
            "Personal callbacks that came due, by outcome (pushed: delivered to the agent's "
            "preview session as a ScheduledCall; missed: no session in time, made a campaign "
            "callback)",
            ["outcome"],
            registry=self.registry,
        )
        self.restore_seconds = Histogram(
            "ocs_worker_restore_duration_seconds",
            "Rebuilding newly owned partitions' state from ocs.records-changelog",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
            registry=self.registry,
        )

    def count_applied(self, command_type: str) -> None:
        """One applied command; its type's child is looked up once, not per command (the
        lookup takes a lock and builds the label tuple: a few % of the worker's CPU)."""
        child = self._applied_by_type.get(command_type)
        if child is None:
            child = self._applied_by_type[command_type] = self.commands_applied.labels(command_type)
        child.inc()

    def forget_partition(self, partition: int) -> None:
        """A released partition's lag is another worker's to report."""
        # KeyError: never reported, released before its first batch.
        with contextlib.suppress(KeyError):
            self.consumer_lag.remove(str(partition))
