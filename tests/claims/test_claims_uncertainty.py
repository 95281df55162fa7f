"""Standard errors from 95% bounds, two-sample z-tests and benchmark statements, by hand."""

from __future__ import annotations

import math

import pytest

from mobility_nb.claims.uncertainty import (
    EQUAL,
    HIGHER,
    LOWER,
    NO_BOUNDS,
    RANGE,
    WEAK,
    WITHIN,
    Estimate,
    compare,
    scaled,
    se_from_bounds,
    versus_benchmark,
    z_statistic,
)


def test_se_from_symmetric_bounds():
    # 95% bounds span 2 x 1.96 = 3.92 standard errors: (0.90 - 0.70) / 3.92 = 0.05102.
    assert se_from_bounds(0.80, 0.70, 0.90) == pytest.approx(0.2 / 3.92)
    assert math.isnan(se_from_bounds(0.80, math.nan, 0.90))


def test_se_from_asymmetric_bounds_uses_the_requested_side():
    # 50,000 [46,080, 51,960]: lower half 3,920 -> SE 2,000; upper half 1,960 -> SE 1,000.
    assert se_from_bounds(50000, 46080, 51960, "lower") == pytest.approx(2000)
    assert se_from_bounds(50000, 46080, 51960, "upper") == pytest.approx(1000)
    assert se_from_bounds(50000, 46080, 51960) == pytest.approx(5880 / 3.92)


def test_z_statistic_by_hand():
    # (0.60 - 0.50) / sqrt(0.03² + 0.04²) = 0.10 / 0.05 = 2.0
    assert z_statistic(0.50, 0.03, 0.60, 0.04) == pytest.approx(2.0)
    assert math.isnan(z_statistic(0.5, 0.0, 0.6, 0.0))


def test_overlapping_intervals_can_be_a_real_change():
    # 82.0% [78.1, 85.9] -> 90.0% [86.1, 93.9]: the intervals nearly touch (overlap rule:
    # "not distinguishable"), but SE = 7.8 / 3.92 = 1.99 each and
    # z = 8.0 / sqrt(2 x 1.99²) = 2.84 > 1.96.
    first, last = Estimate(0.820, 0.781, 0.859), Estimate(0.900, 0.861, 0.939)
    result = compare(first, last)
    assert result.status == HIGHER and result.real
    assert result.z == pytest.approx(0.08 / math.hypot(0.078 / 3.92, 0.078 / 3.92))
    assert result.z == pytest.approx(2.843, abs=1e-3)
    # Even overlapping intervals: 82.0 -> 87.5 with the same widths, z = 1.95: within.
    assert compare(first, Estimate(0.875, 0.836, 0.914)).status == WITHIN


def test_compare_uses_the_facing_halves():
    # Rising from 100 [90, 104] to 110 [109, 120]: SE1 = 4 / 1.96, SE2 = 1 / 1.96,
    # z = 10 / (sqrt(17) / 1.96) = 4.75.
    result = compare(Estimate(100, 90, 104), Estimate(110, 109, 120))
    assert result.status == HIGHER
    assert result.z == pytest.approx(10 / (math.sqrt(17) / 1.96))
    # Falling from 100 [96, 110] to 90 [80, 91]: SE1 = 4 / 1.96, SE2 = 1 / 1.96 -> -4.75.
    assert compare(Estimate(100, 96, 110), Estimate(90, 80, 91)).status == LOWER
    # From 100 [90, 110] instead: SE1 = 10 / 1.96 -> z = -10 / (sqrt(101) / 1.96) = -1.95.
    result = compare(Estimate(100, 90, 110), Estimate(90, 80, 91))
    assert result.status == WITHIN and result.z == pytest.approx(-1.950, abs=1e-3)


@pytest.mark.parametrize(
    ("first", "second", "bounds", "status"),
    [
        (Estimate(1, 0, 2), Estimate(1, 0, 2), "ci", EQUAL),
        (Estimate(1, 0, 2, "Weak"), Estimate(5, 4, 6), "ci", WEAK),
        (Estimate(1, 0, 2), Estimate(5, 4, 6, "Weak"), "ci", WEAK),
        (Estimate(1, 0, 2), Estimate(5, 4, 6), "range", RANGE),
        (Estimate(1, 0, 2), Estimate(5, 4, 6), "none", NO_BOUNDS),
        (Estimate(1), Estimate(5, 4, 6), "ci", NO_BOUNDS),
        (Estimate(1, 1, 1), Estimate(5, 5, 5), "ci", NO_BOUNDS),  # zero width: no information
    ],
)
def test_no_verdict_cases(first, second, bounds, status):
    result = compare(first, second, bounds)
    assert result.status == status and not result.real


def test_benchmark_only_outside_the_interval():
    est = Estimate(0.60, 0.55, 0.65)
    assert versus_benchmark(est, 0.50) == HIGHER
    assert versus_benchmark(est, 0.70) == LOWER
    assert versus_benchmark(est, 0.58) == WITHIN
    assert versus_benchmark(est, 0.55) == WITHIN  # on the bound: not outside
    assert versus_benchmark(Estimate(0.6), 0.5) == NO_BOUNDS
    assert versus_benchmark(est, 0.5, "range") == RANGE
    assert versus_benchmark(Estimate(0.60, 0.55, 0.65, "Weak"), 0.50) == WEAK


def test_scaled_keeps_flag_and_scales_bounds():
    s = scaled(Estimate(100, 90, 110, "Marginal"), 1.5)
    assert (s.value, s.lower, s.upper, s.quality) == (150, 135, 165, "Marginal")
