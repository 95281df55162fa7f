"""Progress status of one indicator: a judgement the data can support, or none.

Statuses, checked in this order (the page prints these definitions):

1. **no data** - no baseline value (or no value at all) for this place yet.
2. **too early to tell** (no verdict) - no better direction is known, or Urban rates the
   baseline or latest value Weak ("a community should not act on this information").
3. **worse than baseline** - the latest value moved away from the target by more than
   chance explains: a two-sample z-test on standard errors taken from the published 95%
   bounds, |z| > 1.96. Overlapping intervals are *not* "no change": the test is the
   difference over its standard error.
4. **too early to tell** - no target value to judge against.
5. **met** - the latest value is at or beyond the target.
6. **too early to tell** - no value newer than the baseline yet.
7. **off track** - the latest value's 95% interval lies entirely on the wrong side of the
   straight-line path from baseline to target (the value the path expects in the latest
   year; the path starts at the published baseline estimate).
8. **on track** - the latest interval lies entirely on the target's side of that path.
9. **too early to tell** - the interval straddles the path: the data cannot say.

Values without published bounds (local data, metrics without a confidence interval) are
judged as given: the point value against the baseline and the path. The page says so once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from mobility_nb.plan.baselines import Feasibility, Observation

MET = "met"
ON_TRACK = "on track"
OFF_TRACK = "off track"
TOO_EARLY = "too early to tell"
WORSE = "worse than baseline"
NO_DATA = "no data"
STATUSES = (MET, ON_TRACK, OFF_TRACK, TOO_EARLY, WORSE, NO_DATA)

Z_95 = 1.96  # two-sided 95% level: published Mobility Metrics bounds are 95% intervals


@dataclass(frozen=True)
class Change:
    """Latest minus baseline, and whether chance explains it."""

    difference: float
    z: float | None  # None when either end has no bounds (judged as given)
    tested: bool

    @property
    def detectable(self) -> bool:
        if self.z is None:
            return self.difference != 0
        return abs(self.z) > Z_95


@dataclass(frozen=True)
class Progress:
    status: str
    detail: str
    detectable: bool | None = None  # None when not judged
    path_value: float | None = None  # where the straight path expects the latest year
    z: float | None = None  # z statistic of latest vs baseline (None: not tested)
    on_bounds: bool | None = None  # True: judged on 95% bounds; False: values as given


def standard_error(obs: Observation, towards: float) -> float:
    """SE from the 95% bound on the side facing ``towards`` (asymmetric bounds allowed).

    SE = half-width / 1.96. With symmetric bounds this is (upper - lower) / (2 x 1.96).
    """
    half = obs.upper - obs.value if towards >= obs.value else obs.value - obs.lower
    return max(half, 0.0) / Z_95


def change_test(baseline: Observation, current: Observation) -> Change:
    """z = (latest - baseline) / sqrt(SE1^2 + SE2^2), when both ends have bounds."""
    diff = current.value - baseline.value
    if not (baseline.has_ci and current.has_ci):
        return Change(diff, None, False)
    se = math.hypot(
        standard_error(baseline, current.value), standard_error(current, baseline.value)
    )
    if se == 0:
        return Change(diff, None, False)
    return Change(diff, diff / se, True)


def path_value(baseline: Observation, target: float, target_year: int, year: int) -> float:
    """The straight line from baseline to target, evaluated at ``year`` (capped at target)."""
    span = target_year - baseline.year
    share = 1.0 if span <= 0 else min(max((year - baseline.year) / span, 0.0), 1.0)
    return baseline.value + (target - baseline.value) * share


AS_GIVEN = " (no published confidence interval: judged on the values as given)"


def judge(
    baseline: Observation | None,
    current: Observation | None,
    target: float | None,
    target_year: int | None,
    direction: int,
    fmt: Callable[[float], str] = lambda x: f"{x:.3g}",
) -> Progress:
    """Status of one indicator; ``direction`` is +1 (higher is better) or -1 (lower)."""
    if baseline is None or current is None:
        return Progress(NO_DATA, "no baseline value for this place yet")
    if direction not in (1, -1):
        return Progress(
            TOO_EARLY, "no better direction is known for this measure, so progress cannot be judged"
        )
    weak = [o for o in (baseline, current) if o.quality == "Weak"]
    if weak:
        years = " and ".join(sorted({str(o.year) for o in weak}))
        return Progress(
            TOO_EARLY,
            f"no verdict: Urban rates the {years} value Weak (a community should not act on it)",
        )
    now = f"{fmt(current.value)} in {current.year}"
    was = f"{fmt(baseline.value)} in {baseline.year}"
    newer = current.year > baseline.year
    change = change_test(baseline, current) if newer else None
    on_bounds = change.tested if change is not None else baseline.has_ci
    basis = "" if on_bounds else AS_GIVEN
    z = change.z if change is not None else None
    zt = f" (z = {z:.2f})" if z is not None else ""
    if change is not None and change.detectable and direction * change.difference < 0:
        why = "larger than the margins of error" if change.tested else "a change the wrong way"
        return Progress(
            WORSE, f"{now}, worse than {was}: {why}{zt}{basis}", True, None, z, on_bounds
        )
    if target is None or target_year is None:
        return Progress(TOO_EARLY, "no target value to judge against", None, None, z, on_bounds)
    expected = path_value(baseline, target, target_year, current.year)
    if direction * (current.value - target) >= 0:
        within = ""
        if current.has_ci and current.lower <= target <= current.upper:
            within = "; the target is inside the margin of error"
        return Progress(
            MET,
            f"{now} is at or beyond the target {fmt(target)}{within}",
            change.detectable if change else None,
            expected,
            z,
            on_bounds,
        )
    if not newer:
        return Progress(
            TOO_EARLY,
            f"no value newer than the {baseline.year} baseline yet",
            None,
            expected,
            None,
            on_bounds,
        )
    assert change is not None
    moved = f"changed from {was} to {now}{zt}" if change.tested else f"changed from {was} to {now}"
    passed = f" (the target year {target_year} has passed)" if current.year >= target_year else ""
    path = f"the straight path to the target expects {fmt(expected)} by {current.year}{passed}"
    if current.has_ci:
        best = current.upper if direction > 0 else current.lower
        worst = current.lower if direction > 0 else current.upper
        interval = f"{fmt(current.lower)} to {fmt(current.upper)}"
        if direction * (best - expected) < 0:
            return Progress(
                OFF_TRACK,
                f"{moved}; {path}, and the whole 95% interval ({interval}) falls short of it",
                change.detectable,
                expected,
                z,
                True,
            )
        if direction * (worst - expected) >= 0:
            return Progress(
                ON_TRACK,
                f"{moved}; {path}, and the whole 95% interval ({interval}) is at or past it",
                change.detectable,
                expected,
                z,
                True,
            )
        return Progress(
            TOO_EARLY,
            f"{moved}; {path}, which lies inside the 95% interval "
            f"({interval}): the data cannot yet tell whether the place is ahead "
            "or behind",
            change.detectable,
            expected,
            z,
            True,
        )
    if direction * (current.value - expected) >= 0:
        return Progress(
            ON_TRACK, f"{moved}; {path}{AS_GIVEN}", change.detectable, expected, None, False
        )
    return Progress(
        OFF_TRACK,
        f"{moved}; short of it: {path}{AS_GIVEN}",
        change.detectable,
        expected,
        None,
        False,
    )


def reconcile(progress: Progress, feasibility: Feasibility | None) -> str:
    """One sentence when a row is on track (or met) but its target looked out of reach.

    Feasibility compares the pace the target needs with the trend *before* the baseline;
    progress looks at what happened *since*. Both can be true; the page must say how.
    """
    if (
        feasibility is None
        or not feasibility.out_of_reach
        or progress.status not in (ON_TRACK, MET)
    ):
        return ""
    done = "has reached the target" if progress.status == MET else "is ahead of the path"
    return (
        f"Both hold: at the trend before the baseline the target looked out of reach "
        f"({feasibility.reason}), but since the baseline the value has moved faster than "
        f"that trend and {done}."
    )
