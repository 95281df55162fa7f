"""Where a jurisdiction stands on each metric: latest value, percentile ranks, medians.

Ranks compare the jurisdiction with every county (or every city) that has a value for the
same metric in the same year, nationally and within its state. Percentiles are the
share of jurisdictions with a lower value (ties count half), so the median place sits at
50. For metrics where lower is better we also report the "better than" share, which is
what readers actually want to know.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobility_nb.data import catalog
from mobility_nb.data.metrics import derived, rows_for


def ranked(tidy: pd.DataFrame) -> pd.DataFrame:
    """Every value's national and in-state percentile and the matching medians.

    Computed once per loaded table with vectorised group ranks (a warm batch kernel reuses
    it for every page). Percentile = share of places below, ties counting half, which is
    ``(average rank - 0.5) / n``.
    """
    return derived(tidy, "ranked", _rank_all)


def _rank_all(tidy: pd.DataFrame) -> pd.DataFrame:
    frame = tidy.loc[tidy["value"].notna(), ["geoid", "metric", "year", "state", "value"]]
    nat = frame.groupby(["metric", "year"], observed=True)["value"]
    st = frame.groupby(["metric", "year", "state"], observed=True)["value"]
    out = frame.assign(
        national_n=nat.transform("size"),
        state_n=st.transform("size"),
        national_median=nat.transform("median"),
        state_median=st.transform("median"),
    )
    out["national_pct"] = (nat.rank(method="average") - 0.5) / out["national_n"] * 100
    out["state_pct"] = (st.rank(method="average") - 0.5) / out["state_n"] * 100
    return out


def flag_text(quality: object, missing: str = "NA") -> str:
    """A quality flag for display; missing flags (None or NaN) become ``missing``."""
    return quality if isinstance(quality, str) and quality else missing


def better_than(pct: float, direction: str) -> float:
    """Percentile turned into 'better than X% of places' using the metric's direction."""
    if np.isnan(pct):
        return float("nan")
    if direction == "higher":
        return pct
    if direction == "lower":
        return 100.0 - pct
    return float("nan")


def standing(tidy: pd.DataFrame, geoid: str, level: str) -> pd.DataFrame:
    """One row per catalog metric for the level, with value, CI, flag, ranks and medians.

    Metrics with no value for the jurisdiction are kept (value NaN) so the page can say
    what is missing instead of silently dropping it. Counts (e.g. homeless students) scale
    with population, so they are shown but not ranked.
    """
    ranks = ranked(tidy)
    cols = ["metric", "year", "value", "lower", "upper", "quality"]
    own = rows_for(tidy, geoid, cols).sort_values("year", kind="stable")
    latest: dict[str, dict] = {}  # metric -> row of its latest year with a value
    flagged: dict[str, dict] = {}  # metric -> row of its latest year with a quality flag
    for r in own.astype({"metric": str, "quality": object}).to_dict("records"):
        if r["value"] == r["value"]:
            latest[r["metric"]] = r
        if isinstance(r["quality"], str):
            flagged[r["metric"]] = r
    own_ranks = {
        (str(k["metric"]), int(k["year"])): k for k in rows_for(ranks, geoid).to_dict("records")
    }
    rows = []
    for m in catalog.metrics_for(level):
        row: dict = {
            "metric": m.metric,
            "pillar": m.pillar,
            "predictor": m.predictor,
            "label": m.label,
            "unit": m.unit,
            "direction": m.direction,
        }
        r = latest.get(m.metric)
        if r is not None:
            year = int(r["year"])
            k = own_ranks[(m.metric, year)]
            rank_ok = m.unit != "count"
            row.update(
                year=year,
                value=float(r["value"]),
                lower=float(r["lower"]),
                upper=float(r["upper"]),
                quality=r["quality"] if isinstance(r["quality"], str) else None,
                national_median=float(k["national_median"]),
                state_median=float(k["state_median"]),
                national_n=int(k["national_n"]),
                state_n=int(k["state_n"]),
                national_pct=float(k["national_pct"]) if rank_ok else np.nan,
                state_pct=float(k["state_pct"]) if rank_ok else np.nan,
            )
            row["national_better"] = better_than(row["national_pct"], m.direction)
            row["state_better"] = better_than(row["state_pct"], m.direction)
        else:
            f = flagged.get(m.metric)
            row.update(
                year=int(f["year"]) if f else np.nan,
                value=np.nan,
                lower=np.nan,
                upper=np.nan,
                quality=f["quality"] if f else None,
                national_median=np.nan,
                state_median=np.nan,
                national_n=0,
                state_n=0,
                national_pct=np.nan,
                state_pct=np.nan,
                national_better=np.nan,
                state_better=np.nan,
            )
        rows.append(row)
    return pd.DataFrame(rows)


def missing_metrics(table: pd.DataFrame) -> pd.DataFrame:
    """Metrics with no value for the jurisdiction (for the 'what is missing' note)."""
    return table[table["value"].isna()][["pillar", "label", "metric", "quality"]]
