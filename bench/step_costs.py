"""What one step of load cost the system: the CPU each process used during it, and the worker's
transactions (how many, how long from begin to commit), read before and after the step.

A benchmark that misses a latency or rate target says from these what limited it, measured:
how much of the machine's cores the step used, and how long the transaction cycle was that a
command waits on."""

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

from bench.scraped import Histogram, counter, histogram, scrape
from devstack.children import cpu_seconds

_TRANSACTIONS = "ocs_worker_transaction_duration_seconds"
_APPLIED = "ocs_worker_commands_applied"


@dataclass(frozen=True, slots=True)
class Transactions:
    """The worker's committed transactions during a step."""

    durations: Histogram
    commands: float

    @property
    def commands_per_transaction(self) -> float:
        count = self.durations.count
        return self.commands / count if count > 0 else math.nan


@dataclass(frozen=True, slots=True)
class StepCosts:
    cores: dict[str, float]
    """CPU used during the step, in cores, by process name."""
    transactions: Transactions
    seconds: float = math.nan
    """How long the step was metered."""

    @property
    def total_cores(self) -> float:
        return sum(self.cores.values())

    def cpu_per_command_us(self, name: str, commands: int) -> float:
        """CPU time of process `name` per command of the step, in µs."""
        return self.cores[name] * self.seconds * 1e6 / commands if commands else math.nan

    def describe(self, machine_cores: int) -> str:
        """'1.62 of 2 cores (broker 0.61, gateway 0.40, ...); the worker's transactions ...'"""
        shares = ", ".join(
            f"{name} {cores:.2f}"
            for name, cores in sorted(self.cores.items(), key=lambda item: -item[1])
        )
        durations = self.transactions.durations
        return (
            f"the processes used {self.total_cores:.2f} of {machine_cores} cores ({shares}); "
            f"the worker committed {durations.count:,.0f} transactions of "
            f"{self.transactions.commands_per_transaction:.1f} commands, "
            f"{durations.mean_ms:.1f} ms from begin to commit on average "
            f"(99 % within {durations.bound_ms(0.99):g} ms)"
        )


class StepMeter:
    """CPU of `processes` (name -> pid) and the worker's transactions, around one step."""

    def __init__(self, processes: Mapping[str, int], worker_metrics_url: str) -> None:
        self._processes = dict(processes)
        self._metrics_url = worker_metrics_url
        self._began = 0.0
        self._cpu: dict[str, float] = {}
        self._metrics = ""

    def begin(self) -> None:
        """Blocking (reads /proc and the worker's /metrics): call it from a thread."""
        self._metrics = scrape(self._metrics_url)
        self._cpu = {name: cpu_seconds(pid) for name, pid in self._processes.items()}
        self._began = time.monotonic()

    def end(self) -> StepCosts:
        """Blocking, like `begin`."""
        elapsed = time.monotonic() - self._began
        cores = {
            name: (cpu_seconds(pid) - self._cpu[name]) / elapsed
            for name, pid in self._processes.items()
        }
        return StepCosts(
            cores, transactions_between(self._metrics, scrape(self._metrics_url)), elapsed
        )


def transactions_between(before: str, after: str) -> Transactions:
    """The transactions between two scrapes of the worker's /metrics."""
    return Transactions(
        histogram(after, _TRANSACTIONS).since(histogram(before, _TRANSACTIONS)),
        counter(after, _APPLIED) - counter(before, _APPLIED),
    )
