"""Standard errors from published 95% bounds and the tests built on them.

Urban publishes 95% bounds (``_lb``/``_ub``) for some metrics. A change over time or a
difference between groups is judged with a two-sample z-test on standard errors taken
from those bounds, never by whether the intervals overlap (overlap misses real
differences; Schenker & Gentleman 2001). Bounds that are not confidence intervals (the
catalog's ``bounds = range``: homelessness suppression bounds, learning-growth bounds) are
never tested, and a comparison with a Weak end gets no verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_CRITICAL = 1.96  # two-sided test at the 95% level
HALF_WIDTHS = 2 * Z_CRITICAL  # a 95% interval spans 3.92 standard errors

# Outcomes of a test between two estimates (the second minus the first).
HIGHER, LOWER = "higher", "lower"  # the difference is larger than the margin of error
WITHIN = "within"  # within the margin of error: no difference shown
EQUAL = "equal"  # the published values are identical
NO_BOUNDS = "no_bounds"  # no usable 95% bounds at one end: not tested
RANGE = "range"  # the bounds are a range, not a confidence interval: not tested
WEAK = "weak"  # an end is flagged Weak: no verdict
TESTED = (HIGHER, LOWER, WITHIN)


@dataclass(frozen=True)
class Estimate:
    """One published value with its bounds and quality flag (NaN / None when absent)."""

    value: float
    lower: float = math.nan
    upper: float = math.nan
    quality: str | None = None


@dataclass(frozen=True)
class Difference:
    """The outcome of comparing two estimates: ``status`` and the z statistic (NaN if untested)."""

    status: str
    z: float = math.nan

    @property
    def real(self) -> bool:
        """True only when the difference is larger than the margin of error (|z| > 1.96)."""
        return self.status in (HIGHER, LOWER)


def _finite(*values: float) -> bool:
    return all(v is not None and not math.isnan(v) for v in values)


def se_from_bounds(value: float, lower: float, upper: float, side: str | None = None) -> float:
    """Standard error implied by 95% bounds: (upper - lower) / 3.92.

    Bounds that are asymmetric around the value (logit or truncated intervals) make a
    symmetric SE an approximation, so ``side="upper"`` or ``"lower"`` uses the half-width on
    the side a comparison looks at, divided by 1.96. NaN when a bound is missing.
    """
    if not _finite(lower, upper):
        return math.nan
    if side == "upper" and _finite(value):
        return (upper - value) / Z_CRITICAL
    if side == "lower" and _finite(value):
        return (value - lower) / Z_CRITICAL
    return (upper - lower) / HALF_WIDTHS


def z_statistic(first: float, se_first: float, second: float, se_second: float) -> float:
    """Z = (second - first) / sqrt(SE1² + SE2²); NaN when the combined SE is zero or missing."""
    combined = math.hypot(se_first, se_second)
    if not _finite(first, second, combined) or combined == 0:
        return math.nan
    return (second - first) / combined


def compare(first: Estimate, second: Estimate, bounds: str = "ci") -> Difference:
    """Test ``second - first`` (a change over time, or one group against another).

    ``bounds`` is the catalog's kind for the metric. The standard error at each end uses
    the half-width facing the other estimate, so asymmetric bounds are handled on the side
    that matters. Zero-width bounds carry no information about sampling error: not tested.
    """
    if not _finite(first.value, second.value):
        return Difference(NO_BOUNDS)
    if first.value == second.value:
        return Difference(EQUAL)
    if first.quality == "Weak" or second.quality == "Weak":
        return Difference(WEAK)
    if bounds == "range":
        return Difference(RANGE)
    if bounds != "ci":
        return Difference(NO_BOUNDS)
    rising = second.value > first.value
    se1 = se_from_bounds(first.value, first.lower, first.upper, "upper" if rising else "lower")
    se2 = se_from_bounds(second.value, second.lower, second.upper, "lower" if rising else "upper")
    z = z_statistic(first.value, se1, second.value, se2)
    if math.isnan(z):
        return Difference(NO_BOUNDS)
    if abs(z) > Z_CRITICAL:
        return Difference(HIGHER if z > 0 else LOWER, z)
    return Difference(WITHIN, z)


def versus_benchmark(estimate: Estimate, benchmark: float, bounds: str = "ci") -> str:
    """Where a benchmark without its own error (a median of places) sits against an estimate.

    ``HIGHER``/``LOWER`` say the estimate is above/below the benchmark, only when the
    benchmark lies outside the estimate's 95% confidence interval; ``WITHIN`` when it lies
    inside; ``NO_BOUNDS``/``RANGE``/``WEAK`` when no such statement can be made.
    """
    if not _finite(estimate.value, benchmark):
        return NO_BOUNDS
    if estimate.quality == "Weak":
        return WEAK
    if bounds == "range":
        return RANGE
    if bounds != "ci" or not _finite(estimate.lower, estimate.upper):
        return NO_BOUNDS
    if estimate.lower > benchmark:
        return HIGHER
    if estimate.upper < benchmark:
        return LOWER
    return WITHIN


def scaled(estimate: Estimate, factor: float) -> Estimate:
    """The same estimate with value and bounds multiplied (e.g. into constant dollars)."""
    return Estimate(
        estimate.value * factor, estimate.lower * factor, estimate.upper * factor, estimate.quality
    )
