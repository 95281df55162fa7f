"""Change over time, judged against the published confidence bounds.

A change counts as real only when the 95% intervals of the first and latest years do not
overlap (a conservative test, but one a coalition can follow). Where Urban publishes no
interval we show the change and say it cannot be tested.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mobility_nb.data import catalog
from mobility_nb.data.metrics import rows_for

REAL_UP, REAL_DOWN = (
    "increase beyond the confidence bounds",
    "decrease beyond the confidence bounds",
)
WITHIN = "change within the confidence bounds (not distinguishable)"
UNTESTED = "no confidence bounds published (change not tested)"
NO_CHANGE = "no change"


def series(tidy: pd.DataFrame, geoid: str) -> pd.DataFrame:
    """All years of every metric for one jurisdiction (overall values)."""
    rows = rows_for(tidy, geoid)
    rows = rows[rows["value"].notna()]
    return rows[["metric", "year", "value", "lower", "upper", "quality"]].sort_values(
        ["metric", "year"]
    )


def judge_change(first: Mapping, last: Mapping) -> str:
    """Classify the change between two rows (value, lower, upper)."""
    bounds = [first["lower"], first["upper"], last["lower"], last["upper"]]
    if last["value"] == first["value"]:
        return NO_CHANGE
    if any(pd.isna(b) for b in bounds):
        return UNTESTED
    if last["lower"] > first["upper"]:
        return REAL_UP
    if last["upper"] < first["lower"]:
        return REAL_DOWN
    return WITHIN


def verdict(judgement: str, change: float, direction: str) -> str:
    """'improved' / 'worsened' only when the change is real and the metric has a direction."""
    if judgement not in (REAL_UP, REAL_DOWN) or direction not in ("higher", "lower"):
        return ""
    good = (change > 0) == (direction == "higher")
    return "improved" if good else "worsened"


def trend_table(tidy: pd.DataFrame, geoid: str, level: str) -> pd.DataFrame:
    """First vs latest year for each metric with at least two years of values."""
    by_metric: dict[str, list[dict]] = {}
    for r in series(tidy, geoid).astype({"metric": str, "quality": object}).to_dict("records"):
        by_metric.setdefault(r["metric"], []).append(r)
    rows = []
    for m in catalog.metrics_for(level):
        s = by_metric.get(m.metric, [])
        if len(s) < 2:
            continue
        first, last = s[0], s[-1]
        change = float(last["value"] - first["value"])
        judgement = judge_change(first, last)
        rows.append(
            {
                "metric": m.metric,
                "pillar": m.pillar,
                "label": m.label,
                "direction": m.direction,
                "first_year": int(first["year"]),
                "first_value": float(first["value"]),
                "latest_year": int(last["year"]),
                "latest_value": float(last["value"]),
                "change": change,
                "pct_change": change / abs(first["value"]) * 100 if first["value"] else np.nan,
                "years": len(s),
                "judgement": judgement,
                "verdict": verdict(judgement, change, m.direction),
                "first_quality": first["quality"] if isinstance(first["quality"], str) else None,
                "latest_quality": last["quality"] if isinstance(last["quality"], str) else None,
            }
        )
    return pd.DataFrame(rows)
