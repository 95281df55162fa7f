"""Change over time, judged with a z-test on the published 95% bounds.

A change counts as real only when it is larger than its margin of error: a two-sample
z-test on standard errors taken from the first and latest years' 95% bounds, |z| > 1.96
(:mod:`mobility_nb.claims.uncertainty`; overlap of intervals is not a test). Dollar values
are compared in the latest year's dollars (CPI-U). There is no verdict when either year is
flagged Weak, when the bounds are a range rather than a confidence interval, or when the
step coincides with the 2022 change of survey areas for a value borrowed from a wider
area (then the change is measured from 2022 when later years exist). Where Urban
publishes no bounds the change is shown and the page says once that it is not tested.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mobility_nb.claims.artifacts import geography_break
from mobility_nb.claims.uncertainty import (
    EQUAL,
    HIGHER,
    LOWER,
    NO_BOUNDS,
    RANGE,
    WEAK,
    Estimate,
    compare,
)
from mobility_nb.data import catalog, dollars
from mobility_nb.data.metrics import rows_for
from mobility_nb.data.records import records

REAL_UP, REAL_DOWN = (
    "increase larger than the margin of error",
    "decrease larger than the margin of error",
)
WITHIN_TEXT = "change within the margin of error (not shown to be real)"
UNTESTED = "not tested (no margin of error published)"
RANGE_TEXT = "not tested (the bounds are a range, not a margin of error)"
WEAK_TEXT = "no verdict (a year is flagged Weak)"
BREAK_TEXT = "not compared (survey areas changed in 2022)"
NO_CHANGE = "no change"
# Kept for callers of the earlier names.
WITHIN = WITHIN_TEXT
_TEXT = {
    HIGHER: REAL_UP,
    LOWER: REAL_DOWN,
    "within": WITHIN_TEXT,
    EQUAL: NO_CHANGE,
    NO_BOUNDS: UNTESTED,
    RANGE: RANGE_TEXT,
    WEAK: WEAK_TEXT,
}


def series(tidy: pd.DataFrame, geoid: str, real: bool = False) -> pd.DataFrame:
    """All years of every metric for one jurisdiction (overall values).

    ``real=True`` expresses dollar metrics (value and bounds) in dollars of each metric's
    latest year, for charts that compare years.
    """
    rows = rows_for(tidy, geoid)
    rows = rows[rows["value"].notna()]
    out = rows[["metric", "year", "value", "lower", "upper", "quality"]].sort_values(
        ["metric", "year"]
    )
    if not real:
        return out
    money = out["metric"].astype(str).map(lambda m: catalog.get_metric(m).dollars).to_numpy()
    if not money.any():
        return out
    out = out.copy()
    latest = out.groupby("metric", observed=True)["year"].transform("max").to_numpy()
    factor = np.array(
        [
            dollars.factor(y, t) if money[i] else 1.0
            for i, (y, t) in enumerate(zip(out["year"], latest, strict=True))
        ]
    )
    for col in ("value", "lower", "upper"):
        out[col] = out[col].to_numpy(dtype=float) * factor
    return out


def _estimate(row: Mapping) -> Estimate:
    quality = row.get("quality")
    return Estimate(
        float(row["value"]),
        float(row["lower"]),
        float(row["upper"]),
        quality if isinstance(quality, str) else None,
    )


def judge_change(first: Mapping, last: Mapping, bounds: str = "ci") -> str:
    """Classify the change between two rows (value, lower, upper, optional quality)."""
    return _TEXT[compare(_estimate(first), _estimate(last), bounds).status]


def verdict(judgement: str, change: float, direction: str) -> str:
    """'improved' / 'worsened' only when the change is real and the metric has a direction.

    ``direction`` is a catalog direction ("higher"/"lower") or comparison kind.
    """
    if judgement not in (REAL_UP, REAL_DOWN):
        return ""
    if direction in ("higher", "higher_better"):
        up_is_good = True
    elif direction in ("lower", "lower_better"):
        up_is_good = False
    else:
        return ""
    return "improved" if (change > 0) == up_is_good else "worsened"


def trend_table(
    tidy: pd.DataFrame,
    geoid: str,
    level: str,
    shared_years: Mapping[str, set[int]] | None = None,
) -> pd.DataFrame:
    """First vs latest year for each metric with at least two years of values.

    ``shared_years``: metric -> years in which this place's value is a shared survey-area
    estimate (see :func:`mobility_nb.claims.artifacts.shared_estimates`), used to spot a
    jump caused by the 2022 change of survey areas.
    """
    by_metric: dict[str, list[dict]] = {}
    for r in records(series(tidy, geoid)):  # text labels, NaN for no flag
        by_metric.setdefault(r["metric"], []).append(r)
    rows = []
    for m in catalog.metrics_for(level):
        s = by_metric.get(m.metric, [])
        if len(s) < 2:
            continue
        rows.append(_trend_row(m, s, (shared_years or {}).get(m.metric, set())))
    return pd.DataFrame(rows)


def _trend_row(m: catalog.Metric, s: list[dict], shared: set[int]) -> dict:
    base_year = int(s[-1]["year"])
    scale = [dollars.factor(int(r["year"]), base_year) if m.dollars else 1.0 for r in s]
    points = [
        (
            int(r["year"]),
            Estimate(
                float(r["value"]) * f,
                float(r["lower"]) * f,
                float(r["upper"]) * f,
                r["quality"] if isinstance(r["quality"], str) else None,
            ),
        )
        for r, f in zip(s, scale, strict=True)
    ]
    first_i, last_i = 0, len(s) - 1
    cut = geography_break(m, points, shared)
    note = ""
    if cut is not None:
        after = next(i for i, (y, _) in enumerate(points) if y == cut.after)
        if after < last_i:
            first_i = after
            note = f"compared from {cut.after}: {cut.reason}"
        else:
            note = f"{cut.before}→{cut.after} not compared: {cut.reason}"
    first, last = points[first_i][1], points[last_i][1]
    change = last.value - first.value
    if cut is not None and first_i == 0:
        test = None
        judgement = BREAK_TEXT
    else:
        test = compare(first, last, m.bounds)
        judgement = _TEXT[test.status]
    return {
        "metric": m.metric,
        "pillar": m.pillar,
        "label": m.label,
        "direction": m.direction,
        "comparison": m.comparison,
        "bounds": m.bounds,
        "first_year": int(s[first_i]["year"]),
        "first_value": float(s[first_i]["value"]),
        "first_value_real": first.value,
        "latest_year": base_year,
        "latest_value": float(s[last_i]["value"]),
        "change": float(change),
        "pct_change": change / abs(first.value) * 100 if first.value else np.nan,
        "years": len(s),
        "z": float(test.z) if test is not None else np.nan,
        "judgement": judgement,
        "verdict": verdict(judgement, change, m.comparison),
        "first_quality": first.quality,
        "latest_quality": last.quality,
        "dollars_of": base_year if m.dollars else np.nan,
        "break_note": note,
    }
