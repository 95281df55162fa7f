"""Baseline and current values, the historical trend, and whether a target is within reach.

Definitions (printed on the page, so keep them in step with the notebook):

* The **baseline** is the latest value in or before the plan's baseline year (the latest
  value of all when the plan sets none). Mobility Metrics skip years, so a 2019 baseline
  year may give a 2018 baseline; the year actually used is always shown.
* The **current** value is the latest value in or before ``current_year`` (the latest of
  all when 0). Progress needs a current value *newer* than the baseline.
* The **historical trend** is the least-squares slope through every value up to and
  including the baseline year: one noisy year cannot make or break it, and with two
  values it equals the first-to-last change per year.
* The **required annual change** is (target - baseline) / (target year - baseline year).
  The target is *out of reach at the historical pace* when the trend moves the wrong way
  or more slowly than that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

WITHIN_REACH = "within reach at the historical pace"
OUT_OF_REACH = "out of reach at the historical pace"
ALREADY_MET = "already met at baseline"
NO_TREND = "no trend (fewer than two years of data)"


@dataclass(frozen=True)
class Observation:
    """One value with its year, 95% bounds (NaN when unknown) and quality flag."""

    year: int
    value: float
    lower: float = math.nan
    upper: float = math.nan
    quality: str | None = None

    @property
    def has_ci(self) -> bool:
        return not (math.isnan(self.lower) or math.isnan(self.upper))


@dataclass(frozen=True)
class Trend:
    """Least-squares change per year over ``years`` (first and last year used)."""

    slope: float
    n_years: int
    first_year: int
    last_year: int


@dataclass(frozen=True)
class Feasibility:
    required_per_year: float
    verdict: str  # WITHIN_REACH / OUT_OF_REACH / ALREADY_MET / NO_TREND
    reason: str  # plain English

    @property
    def out_of_reach(self) -> bool:
        return self.verdict == OUT_OF_REACH


def observed(history: pd.DataFrame) -> pd.DataFrame:
    """Rows with a value, one per year (the overall series of a history frame)."""
    rows = history[history["value"].notna()]
    return rows.sort_values("year").drop_duplicates("year", keep="last")


def pick(history: pd.DataFrame, year_cap: int | None = None) -> Observation | None:
    """The latest observation in or before ``year_cap`` (any year when None or 0)."""
    rows = observed(history)
    if year_cap:
        rows = rows[rows["year"] <= year_cap]
    if rows.empty:
        return None
    row = rows.iloc[-1]
    quality = row.get("quality")
    return Observation(
        year=int(row["year"]),
        value=float(row["value"]),
        lower=_float(row.get("lower")),
        upper=_float(row.get("upper")),
        quality=None if quality is None or pd.isna(quality) else str(quality),
    )


def trend(history: pd.DataFrame, up_to_year: int) -> Trend | None:
    """Least-squares slope per year over the values up to ``up_to_year``; None if < 2."""
    rows = observed(history)
    rows = rows[rows["year"] <= up_to_year]
    if len(rows) < 2:
        return None
    years = rows["year"].to_numpy(dtype=float)
    values = rows["value"].to_numpy(dtype=float)
    slope = float(np.polyfit(years, values, 1)[0])
    return Trend(slope=slope, n_years=len(rows), first_year=int(years[0]), last_year=int(years[-1]))


def feasibility(
    baseline: Observation,
    target_value: float,
    target_year: int,
    direction: int,
    history_trend: Trend | None,
    fmt_change=lambda x: f"{x:+.3g}",
) -> Feasibility:
    """Compare the pace the target needs with the historical trend.

    ``direction`` is +1 when higher is better, -1 when lower is better.
    """
    years = target_year - baseline.year
    required = (target_value - baseline.value) / years
    if direction * (target_value - baseline.value) <= 0:
        return Feasibility(
            required,
            ALREADY_MET,
            "the baseline already meets the target; the aim is to keep it there",
        )
    if history_trend is None:
        return Feasibility(
            required,
            NO_TREND,
            f"needs {fmt_change(required)} a year; too few years of data to compare with a trend",
        )
    span = f"{history_trend.first_year}-{history_trend.last_year}"
    pace = (
        f"needs {fmt_change(required)} a year; the {span} trend is "
        f"{fmt_change(history_trend.slope)} a year"
    )
    along = direction * history_trend.slope
    if along <= 0:
        return Feasibility(required, OUT_OF_REACH, pace + " (the wrong way)")
    if along < direction * required:
        return Feasibility(required, OUT_OF_REACH, pace + " (too slow)")
    return Feasibility(required, WITHIN_REACH, pace)


def _float(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number
