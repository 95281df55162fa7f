"""A county beside its state's counties and all US counties, one ACS vintage at a time.

The sound-claims rules of Step 2 (:mod:`mobility_nb.claims`) applied to ACS estimates:

* Each comparison uses one vintage: the county's estimate and every other county's come
  from the same 5-year release, and the row says which. Different indicators may use
  different vintages (the national files are older than the county's own), never one
  number.
* The set is the counties with a value in that vintage, itself included; the page
  states n. Percentiles are mid-rank (ties count half); a value tied at the lowest or
  highest value of its set reports the tie instead.
* No rank on an estimate that is unreliable (CV above 30%) or whose reliability cannot be
  judged (no margin of error), and none among fewer than
  :data:`~mobility_nb.claims.ranking.MIN_STATE_PLACES` counties.
* Above or below the set's median is said only when the median lies outside the county's
  90% interval (estimate +/- published MOE): :func:`~mobility_nb.claims.uncertainty.
  versus_benchmark`. The median of counties is a benchmark without an error of its own.

:func:`compare_with_set` is the pure rule (unit-tested with made-up numbers);
:func:`county_context` reads the store through :mod:`mobility_nb.acs.lookup`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobility_nb.acs import indicators as ind
from mobility_nb.acs import lookup, store
from mobility_nb.acs import moe as moe_mod
from mobility_nb.claims import ranking
from mobility_nb.claims.uncertainty import (
    HIGHER,
    LOWER,
    NO_BOUNDS,
    WEAK,
    WITHIN,
    Estimate,
    versus_benchmark,
)

MIN_PLACES = ranking.MIN_STATE_PLACES  # fewer counties than this: no rank, no median
RANKABLE = ("High", "Medium")  # reliability tiers an estimate needs to be ranked
STATE, NATION = "state", "nation"
# Counts grow with size and shares by race describe the population mix: not compared.
SKIPPED_KINDS = ("count",)
SKIPPED_INDICATORS = ("race_ethnicity_share",)


@dataclass(frozen=True)
class SetComparison:
    """Where one county's estimate stands in one comparison set of one vintage."""

    scope: str  # STATE | NATION
    set_label: str  # "the 133 counties in Virginia with data"
    n: int  # counties with a value, the county included
    median: float  # NaN when the set is too small
    below: int  # counties with a lower value
    ties: int  # counties with the same value, the county included
    percentile: float  # mid-rank percentile; NaN when not ranked
    extreme: str | None  # ranking.LOWEST / HIGHEST when tied at an end of the set
    versus: str  # HIGHER / LOWER / WITHIN / NO_BOUNDS / WEAK (against the median)
    note: str  # why there is no percentile ('' when there is one)

    @property
    def ranked(self) -> bool:
        return not math.isnan(self.percentile)


def compare_with_set(
    estimate: float,
    moe: float,
    reliability: str,
    values: Sequence[float] | np.ndarray,
    *,
    scope: str,
    set_label: str,
) -> SetComparison:
    """Rank facts and the median test of ``estimate`` among ``values`` (which include it).

    ``values`` are the set's estimates of the same indicator and vintage; missing ones are
    dropped. A rank needs a reliable estimate (High or Medium) and at least
    :data:`MIN_PLACES` values; the median verdict needs an MOE and the same set size.
    """
    pool = np.asarray(values, dtype=float)
    pool = pool[np.isfinite(pool)]
    n = int(pool.size)
    if not np.isfinite(estimate):
        return SetComparison(
            scope, set_label, n, math.nan, 0, 0, math.nan, None, NO_BOUNDS, "no estimate"
        )
    below = int((pool < estimate).sum())
    ties = int((pool == estimate).sum())
    if n < MIN_PLACES:
        note = f"not compared: fewer than {MIN_PLACES} counties with data"
        return SetComparison(
            scope, set_label, n, math.nan, below, ties, math.nan, None, NO_BOUNDS, note
        )
    median = float(np.median(pool))
    extreme = None
    if ties > 1 and estimate == pool.max():
        extreme = ranking.HIGHEST
    elif ties > 1 and estimate == pool.min():
        extreme = ranking.LOWEST
    low = reliability == moe_mod.LOW
    bounds = (estimate - moe, estimate + moe) if np.isfinite(moe) else (math.nan, math.nan)
    versus = versus_benchmark(
        Estimate(estimate, bounds[0], bounds[1], "Weak" if low else None), median
    )
    if reliability not in RANKABLE:
        note = (
            "not ranked: low reliability (CV above 30%)"
            if low
            else "not ranked: no margin of error, so reliability cannot be judged"
            if not np.isfinite(moe)
            else "not ranked: reliability cannot be judged"
        )
        percentile = math.nan
    elif extreme is not None:
        note = f"not ranked: tied with {ties - 1:,} other counties at the {extreme} value"
        percentile = math.nan
    else:
        note = ""
        percentile = ranking.midrank_percentile(below, ties, n)
    return SetComparison(
        scope, set_label, n, median, below, ties, percentile, extreme, versus, note
    )


@dataclass(frozen=True)
class IndicatorContext:
    """One indicator of one county in one vintage, beside its state and the nation."""

    indicator: str
    label: str
    unit: str
    direction: str  # "higher" / "lower" is better; "" when neither
    year: int
    vintage: str
    estimate: float
    moe: float
    cv: float
    reliability: str
    variables: str  # what the county's value was computed from
    set_variables: str  # what the other counties' values were computed from
    state: SetComparison
    nation: SetComparison

    def better_than(self, comparison: SetComparison) -> float:
        """'Better than X% of counties' for directional indicators; NaN otherwise."""
        kind = {"higher": "higher_better", "lower": "lower_better"}.get(self.direction, "")
        return ranking.better_than(comparison.percentile, kind)


def versus_phrase(comparison: SetComparison, where: str) -> str:
    """'above the median of Virginia's counties, beyond its 90% margin of error'."""
    return {
        HIGHER: f"above the median of {where}, beyond its 90% margin of error",
        LOWER: f"below the median of {where}, beyond its 90% margin of error",
        WITHIN: f"within its 90% margin of error of the median of {where}: no difference shown",
        WEAK: f"not compared with the median of {where}: its estimate has low reliability",
    }.get(comparison.versus, f"not tested against the median of {where}: no margin of error")


def rank_phrase(context: IndicatorContext, comparison: SetComparison) -> str:
    """'ranks above 87% of the 3,219 counties with data' (+ 'better than' when directional),
    or why it is not ranked."""
    if not comparison.ranked:
        return comparison.note
    text = f"ranks above {ranking.percent_text(comparison.percentile)} of {comparison.set_label}"
    better = context.better_than(comparison)
    if not math.isnan(better) and context.direction == "lower":
        text += f" (lower is better: better than {ranking.percent_text(better)})"
    return text


def _set_label(scope: str, n: int, state_name: str) -> str:
    if scope == STATE:
        return ranking.in_state_set(n, "county", state_name or "the state")
    return ranking.comparison_set(n, "county")


def _used(rows: pd.DataFrame) -> str:
    """'SVI:EP_UNINSUR (3,141 counties); S2701_C04_001, S2701_C01_001 (1 county)'."""
    counts = rows.loc[np.isfinite(rows["estimate"].to_numpy(dtype=float)), "variables"]
    parts = []
    for variables, count in counts.value_counts().items():
        parts.append(f"{variables} ({count:,} {ranking.places_word('county', int(count))})")
    return "; ".join(parts)


def national_vintages(store_dir: str | os.PathLike[str] | None, dataset: str = "acs5") -> list[int]:
    """End years with county files for more than one state (a national set), newest first."""
    inv = store.inventory(store.resolve_store_dir(store_dir))
    if inv.empty:
        return []
    sel = inv[(inv["level"] == "county") & (inv["dataset"] == dataset)]
    counts = sel.groupby("year")["state"].nunique()
    return sorted((int(y) for y, k in counts.items() if k > 1), reverse=True)


def candidate_indicators(keys: Iterable[str] | None = None) -> list[ind.Indicator]:
    """The indicators a county is compared on: directional or descriptive rates and medians."""
    chosen = [ind.get(k) for k in keys] if keys else list(ind.REGISTRY)
    return [i for i in chosen if i.kind not in SKIPPED_KINDS and i.key not in SKIPPED_INDICATORS]


def county_context(
    store_dir: str | os.PathLike[str] | None,
    geoid: str,
    *,
    state_name: str = "",
    indicators: Iterable[str] | None = None,
    dataset: str = "acs5",
) -> list[IndicatorContext]:
    """Per indicator, the newest vintage whose comparison can be judged.

    That is the newest vintage in which the county has an estimate with an MOE and at
    least :data:`MIN_PLACES` counties nationally have a value; failing that, the newest in
    which it has an estimate at all (shown, with the reason it is not ranked). Indicators
    with no such vintage are left out (the page lists them).
    """
    chosen = candidate_indicators(indicators)
    state = str(geoid)[:2]
    best: dict[str, IndicatorContext] = {}
    fallback: dict[str, IndicatorContext] = {}
    for year in national_vintages(store_dir, dataset):
        open_keys = [i.key for i in chosen if i.key not in best]
        if not open_keys:
            break
        table = lookup.county_indicators(store_dir, year, open_keys, dataset=dataset)
        for key in open_keys:
            rows = table[table["indicator"] == key]
            own = rows[rows["geoid"] == str(geoid)]
            if own.empty or not np.isfinite(float(own["estimate"].iloc[0])):
                continue
            made = _context(ind.get(key), own.iloc[0], rows, state, state_name, year, dataset)
            if made.nation.n < MIN_PLACES:
                continue
            if np.isfinite(made.moe):
                best[key] = made
            else:
                fallback.setdefault(key, made)
    return [
        best.get(i.key) or fallback[i.key] for i in chosen if i.key in best or i.key in fallback
    ]


def _context(
    indicator: ind.Indicator,
    own: pd.Series,
    rows: pd.DataFrame,
    state: str,
    state_name: str,
    year: int,
    dataset: str,
) -> IndicatorContext:
    est, moe = float(own["estimate"]), float(own["moe"])
    in_state = rows[rows["state"] == state]
    finite = np.isfinite(rows["estimate"].to_numpy(dtype=float))
    state_n = int(np.isfinite(in_state["estimate"].to_numpy(dtype=float)).sum())
    comparisons = {
        scope: compare_with_set(
            est,
            moe,
            str(own["reliability"]),
            part["estimate"].to_numpy(dtype=float),
            scope=scope,
            set_label=_set_label(scope, n, state_name),
        )
        for scope, part, n in (
            (STATE, in_state, state_n),
            (NATION, rows, int(finite.sum())),
        )
    }
    return IndicatorContext(
        indicator=indicator.key,
        label=indicator.label,
        unit=indicator.unit,
        direction=indicator.direction,
        year=int(year),
        vintage=store.vintage_label(int(year), dataset),
        estimate=est,
        moe=moe,
        cv=float(own["cv"]),
        reliability=str(own["reliability"]),
        variables=str(own["variables"]),
        set_variables=_used(rows),
        state=comparisons[STATE],
        nation=comparisons[NATION],
    )


def context_table(contexts: Iterable[IndicatorContext]) -> pd.DataFrame:
    """Every comparison as numbers (one row per indicator and set), for the page's CSV."""
    rows = []
    for c in contexts:
        for comp in (c.state, c.nation):
            rows.append(
                {
                    "indicator": c.indicator,
                    "label": c.label,
                    "vintage": c.vintage,
                    "year": c.year,
                    "estimate": c.estimate,
                    "moe": c.moe,
                    "cv": c.cv,
                    "reliability": c.reliability,
                    "variables": c.variables,
                    "set": comp.scope,
                    "set_label": comp.set_label,
                    "n": comp.n,
                    "median": comp.median,
                    "below": comp.below,
                    "ties": comp.ties,
                    "percentile": comp.percentile,
                    "versus_median": comp.versus,
                    "note": comp.note,
                    "set_variables": c.set_variables,
                }
            )
    return pd.DataFrame(rows)
