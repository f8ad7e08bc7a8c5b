"""Latency samples in nanoseconds -> the percentiles we report, in milliseconds."""

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Percentiles:
    count: int
    p50_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float

    @classmethod
    def of(cls, samples_ns: Sequence[int]) -> "Percentiles":
        if not samples_ns:
            return cls(0, math.nan, math.nan, math.nan, math.nan)
        ordered = sorted(samples_ns)
        return cls(
            count=len(ordered),
            p50_ms=_rank(ordered, 0.50),
            p99_ms=_rank(ordered, 0.99),
            p999_ms=_rank(ordered, 0.999),
            max_ms=ordered[-1] / 1e6,
        )


def _rank(ordered: Sequence[int], quantile: float) -> float:
    """Nearest-rank percentile, in ms."""
    index = max(0, math.ceil(quantile * len(ordered)) - 1)
    return ordered[index] / 1e6
