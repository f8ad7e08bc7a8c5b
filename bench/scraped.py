"""A service's Prometheus metrics as a benchmark reads them around a run: histograms and
counters, and their difference between two scrapes."""

import math
import urllib.request
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True, slots=True)
class Histogram:
    count: float
    seconds: float
    buckets: tuple[tuple[float, float], ...]
    """(upper bound in seconds, cumulative count), in ascending bounds, +Inf last."""

    def since(self, earlier: "Histogram") -> "Histogram":
        """The observations made between `earlier` and this scrape."""
        before = dict(earlier.buckets)
        return Histogram(
            self.count - earlier.count,
            self.seconds - earlier.seconds,
            tuple((bound, total - before.get(bound, 0.0)) for bound, total in self.buckets),
        )

    @property
    def mean_ms(self) -> float:
        return self.seconds / self.count * 1000 if self.count > 0 else math.nan

    def bound_ms(self, quantile: float) -> float:
        """The upper bound of the bucket holding `quantile`: no observation below it is
        counted above it (inf when it lies in the last bucket, nan with no observations)."""
        if self.count <= 0:
            return math.nan
        for bound, total in self.buckets:
            if total >= quantile * self.count:
                return bound * 1000
        return math.inf


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


def histogram(exposition: str, name: str) -> Histogram:
    """`name`'s histogram, summed over its labels."""
    count = seconds = 0.0
    buckets: dict[float, float] = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == f"{name}_count":
                count += sample.value
            elif sample.name == f"{name}_sum":
                seconds += sample.value
            elif sample.name == f"{name}_bucket":
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
    return Histogram(count, seconds, tuple(sorted(buckets.items())))


def counter(exposition: str, name: str) -> float:
    """`name`'s counter, summed over its labels."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == f"{name}_total"
    )
