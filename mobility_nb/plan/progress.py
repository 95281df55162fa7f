"""Progress status of one indicator, judged against the confidence bounds.

Statuses, checked in this order (the page prints these definitions):

1. **not enough data** - no baseline, no target, or no value newer than the baseline.
2. **met** - the current value is at or beyond the target (in the better direction).
3. **worse** - the value moved the wrong way *and* the change is detectable: the current
   and baseline 95% confidence intervals do not overlap.
4. **on track** - the value improved detectably and the current interval reaches the
   straight path from baseline to target (the value the path expects this year).
5. **off track** - everything else, including "no detectable change": when the two
   intervals overlap, the data cannot tell the values apart.

Without confidence intervals (local data, many metrics) the point values are compared
and the detail says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mobility_nb.plan.baselines import Observation

MET = "met"
ON_TRACK = "on track"
OFF_TRACK = "off track"
WORSE = "worse"
NOT_ENOUGH_DATA = "not enough data"
STATUSES = (MET, ON_TRACK, OFF_TRACK, WORSE, NOT_ENOUGH_DATA)


@dataclass(frozen=True)
class Progress:
    status: str
    detail: str
    detectable: bool | None = None  # None when not judged
    path_value: float | None = None  # where the straight path expects the current year


def detectable_change(baseline: Observation, current: Observation) -> tuple[bool, bool]:
    """(detectable, judged_on_ci): intervals that do not overlap mean a real change."""
    if baseline.has_ci and current.has_ci:
        apart = current.lower > baseline.upper or current.upper < baseline.lower
        return apart, True
    return current.value != baseline.value, False


def path_value(baseline: Observation, target: float, target_year: int, year: int) -> float:
    """The straight line from baseline to target, evaluated at ``year`` (capped at target)."""
    span = target_year - baseline.year
    share = 1.0 if span <= 0 else min(max((year - baseline.year) / span, 0.0), 1.0)
    return baseline.value + (target - baseline.value) * share


def judge(
    baseline: Observation | None,
    current: Observation | None,
    target: float | None,
    target_year: int | None,
    direction: int,
    fmt: Callable[[float], str] = lambda x: f"{x:.3g}",
) -> Progress:
    """Status of one indicator; ``direction`` is +1 (higher is better) or -1 (lower)."""
    if baseline is None:
        return Progress(NOT_ENOUGH_DATA, "no baseline value")
    if target is None or target_year is None:
        return Progress(NOT_ENOUGH_DATA, "no target value")
    if current is None or current.year <= baseline.year:
        return Progress(NOT_ENOUGH_DATA, f"no data newer than the baseline ({baseline.year}) yet")
    if direction not in (1, -1):
        return Progress(NOT_ENOUGH_DATA, "no better direction known for this measure")
    now = f"{fmt(current.value)} in {current.year}"
    was = f"{fmt(baseline.value)} in {baseline.year}"
    detectable, on_ci = detectable_change(baseline, current)
    basis = "" if on_ci else " (no confidence interval: point values compared)"
    expected = path_value(baseline, target, target_year, current.year)
    if direction * (current.value - target) >= 0:
        within = ""
        if current.has_ci and current.lower <= target <= current.upper:
            within = "; the target is inside the margin of error"
        return Progress(
            MET, f"{now} reached the target {fmt(target)}{within}", detectable, expected
        )
    moved = direction * (current.value - baseline.value)
    if detectable and moved < 0:
        return Progress(WORSE, f"{now}, worse than {was}{basis}", True, expected)
    if not detectable:
        why = "the confidence intervals overlap" if on_ci else "the value did not change"
        return Progress(
            OFF_TRACK, f"no detectable change from {was} to {now}: {why}", False, expected
        )
    best = current.value
    if current.has_ci:
        best = current.upper if direction > 0 else current.lower
    if moved > 0 and direction * (best - expected) >= 0:
        return Progress(
            ON_TRACK,
            f"{now}, improved from {was}; the straight path to the "
            f"target expects {fmt(expected)} by {current.year}{basis}",
            True,
            expected,
        )
    return Progress(
        OFF_TRACK,
        f"{now}, improved from {was} but short of the "
        f"{fmt(expected)} the straight path expects by {current.year}{basis}",
        True,
        expected,
    )
