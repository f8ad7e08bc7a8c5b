import pytest

from bench.growth import growth_percent_per_hour, least_squares_slope


def test_the_slope_of_points_on_a_line_is_the_line_s() -> None:
    assert least_squares_slope([0, 1, 2, 3], [5, 7, 9, 11]) == pytest.approx(2.0)


def test_the_slope_fits_noisy_points_by_least_squares() -> None:
    # y = 1, 3, 2, 4 at x = 0..3: slope = sum((x - 1.5)(y - 2.5)) / sum((x - 1.5)^2) = 4 / 5
    assert least_squares_slope([0, 1, 2, 3], [1, 3, 2, 4]) == pytest.approx(0.8)


def test_flat_samples_grow_by_nothing() -> None:
    assert growth_percent_per_hour([5, 6, 7, 8], [100, 100, 100, 100]) == 0.0


def test_growth_is_per_hour_as_a_share_of_the_mean() -> None:
    # 1 MiB a minute on a mean of 120 MiB: 60 MiB an hour, 50 % of the mean
    minutes = [5, 6, 7, 8, 9]
    values = [118.0, 119.0, 120.0, 121.0, 122.0]
    assert growth_percent_per_hour(minutes, values) == pytest.approx(50.0)


def test_shrinking_samples_grow_negatively() -> None:
    # 20 down in 30 minutes on a mean of 100: -40 an hour
    assert growth_percent_per_hour([0, 30], [110.0, 90.0]) == pytest.approx(-40.0)


def test_all_zero_samples_do_not_divide_by_zero() -> None:
    assert growth_percent_per_hour([0, 1], [0.0, 0.0]) == 0.0


@pytest.mark.parametrize(("xs", "ys"), [([1], [1]), ([1, 1], [1, 2]), ([1, 2], [1])])
def test_a_slope_needs_two_distinct_points(xs: list[float], ys: list[float]) -> None:
    with pytest.raises(ValueError, match="slope needs"):
        least_squares_slope(xs, ys)
