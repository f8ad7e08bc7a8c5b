"""Reading the services' metrics around a benchmark step: histograms, counters, step costs."""

import math

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from bench.scraped import counter, histogram
from bench.step_costs import StepCosts, transactions_between

_BUCKETS = (0.005, 0.01, 0.025, 0.05)


class WorkerLike:
    """A registry holding the two worker metrics the step meter reads, under their names."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.durations = Histogram(
            "ocs_worker_transaction_duration_seconds", "", buckets=_BUCKETS, registry=self.registry
        )
        self.applied = Counter("ocs_worker_commands_applied", "", ["type"], registry=self.registry)

    def exposition(self) -> str:
        return generate_latest(self.registry).decode()


def test_a_histogram_since_an_earlier_scrape_holds_only_the_observations_between() -> None:
    worker = WorkerLike()
    worker.durations.observe(0.040)
    before = worker.exposition()
    for seconds in (0.004, 0.004, 0.008, 0.020):
        worker.durations.observe(seconds)
    name = "ocs_worker_transaction_duration_seconds"

    between = histogram(worker.exposition(), name).since(histogram(before, name))

    assert between.count == 4
    assert math.isclose(between.mean_ms, 9.0)
    assert between.bound_ms(0.5) == 5.0
    assert between.bound_ms(0.75) == 10.0
    assert between.bound_ms(0.99) == 25.0


def test_a_quantile_beyond_the_last_bound_is_unbounded_and_no_observation_is_nan() -> None:
    worker = WorkerLike()
    name = "ocs_worker_transaction_duration_seconds"
    assert math.isnan(histogram(worker.exposition(), name).bound_ms(0.99))
    worker.durations.observe(0.2)
    assert histogram(worker.exposition(), name).bound_ms(0.99) == math.inf


def test_a_counter_is_summed_over_its_labels() -> None:
    worker = WorkerLike()
    worker.applied.labels("UpdateRecord").inc(5)
    worker.applied.labels("RejectRecord").inc(2)
    assert counter(worker.exposition(), "ocs_worker_commands_applied") == 7


def test_step_costs_say_the_cores_used_and_the_transaction_cycle() -> None:
    worker = WorkerLike()
    before = worker.exposition()
    for _ in range(10):
        worker.durations.observe(0.008)
    worker.applied.labels("UpdateRecord").inc(200)

    costs = StepCosts(
        {"gateway": 0.5, "broker": 0.75}, transactions_between(before, worker.exposition())
    )

    assert costs.total_cores == 1.25
    assert costs.transactions.commands_per_transaction == 20
    assert costs.describe(2) == (
        "the processes used 1.25 of 2 cores (broker 0.75, gateway 0.50); the worker committed "
        "10 transactions of 20.0 commands, 8.0 ms from begin to commit on average "
        "(99 % within 10 ms)"
    )


def test_cpu_per_command_is_the_process_cpu_time_over_the_commands_of_the_step() -> None:
    worker = WorkerLike()
    no_transactions = transactions_between(worker.exposition(), worker.exposition())
    costs = StepCosts({"load generator": 0.2}, no_transactions, seconds=15.0)

    assert costs.cpu_per_command_us("load generator", 15_000) == pytest.approx(200.0)
    assert math.isnan(costs.cpu_per_command_us("load generator", 0))
