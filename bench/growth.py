"""Whether a figure sampled over time stays flat: the least-squares slope of the samples after
a warm-up, as a percentage of their mean per hour."""

from collections.abc import Sequence


def least_squares_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The slope of the straight line that best fits the points (ordinary least squares)."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("a slope needs at least two points, as many x as y")
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        raise ValueError("a slope needs at least two distinct x")
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def growth_percent_per_hour(minutes: Sequence[float], values: Sequence[float]) -> float:
    """The fitted growth per hour as a percentage of the mean value (0 for all-zero values)."""
    mean = sum(values) / len(values)
    if mean == 0:
        return 0.0
    return 100 * 60 * least_squares_slope(minutes, values) / mean
