"""Gaps between subgroups (race/ethnicity, gender, disability, income, ...).

For each metric and subgroup type we compare the best- and worst-off groups in the latest
year with data. Gaps are ranked by their size relative to the overall value, so a 10-point
gap in a 20% share outranks a $2,000 gap in a $60,000 income. A gap is marked *reliable*
only when neither group is flagged Weak and, where bounds exist, their intervals do not
overlap; groups with missing values are listed, never silently merged (Urban's rule).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import catalog

SUBGROUP_LABELS = {
    "race-ethnicity": "race and ethnicity",
    "race": "race (Hispanic residents counted in their race group too)",
    "race-share": "neighbourhood racial make-up",
    "gender": "gender",
    "disability": "disability",
    "industry": "industry",
    "mothers-education": "mother's education",
    "income": "income",
    "age": "age",
    "tenure": "renters and owners",
}
CAVEATS = {
    "race": "'Black' includes Black Hispanic residents; people of other or multiple races who "
    "are Hispanic are counted in both groups.",
    "mothers-education": "Low birth weight by the mother's education.",
    "race-share": "Groups are neighbourhoods (tracts) by racial make-up, not individuals.",
    "income": "This file mixes three income splits (economically disadvantaged students, "
    "household income under $50,000, high-poverty tracts); each pair is compared separately.",
}
# Subgroups that come in pairs inside one mixed 'income' type.
INCOME_PAIRS = (
    ("Economically Disadvantaged", "Not Economically Disadvantaged"),
    ("Less than $50,000", "$50,000 or More"),
    ("High-Poverty", "Not High-Poverty"),
)
AGE_PAIRS = (("Under Age 45", "Age 45 and Over"), ("Age 10 to 14", "Age 15 to 17"))


def _families(sub_type: str, groups: list[str]) -> list[list[str]]:
    """Split a subgroup type into comparable families (mixed files hold several splits)."""
    pairs = {"income": INCOME_PAIRS, "age": AGE_PAIRS}.get(sub_type)
    if not pairs:
        return [groups]
    return [[g for g in pair if g in groups] for pair in pairs if any(g in groups for g in pair)]


def gap_table(
    subgroups: pd.DataFrame,
    overall: pd.DataFrame,
    geoid: str,
    level: str,
    totals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per metric x subgroup family: highest and lowest group, gap, reliability.

    The overall value a gap is measured against is the subgroup file's own "All" row
    (``totals``), else the main file's value for that year; when neither exists the gap
    is sized against the groups' average and the row says so.
    """
    data = subgroups[subgroups["geoid"] == geoid]
    if data.empty:
        return pd.DataFrame()
    known = {m.metric: m for m in catalog.metrics_for(level)}
    # Filter the big tables once, not per row; subgroup totals take precedence.
    bases = [overall[overall["geoid"] == geoid].assign(subgroup_type="all")]
    if totals is not None and not totals.empty:
        bases.insert(0, totals[totals["geoid"] == geoid])
    overall = pd.concat(
        [
            b[["metric", "year", "subgroup_type", "value"]].astype(
                {"metric": str, "subgroup_type": str}
            )
            for b in bases
        ],
        ignore_index=True,
    )
    rows = []
    for (metric, sub_type), grp in data.groupby(["metric", "subgroup_type"], observed=True):
        metric, sub_type = str(metric), str(sub_type)
        m = known.get(metric)
        if m is None:
            continue
        with_values = grp[grp["value"].notna()]
        if with_values.empty:
            continue
        year = int(with_values["year"].max())
        latest = grp[grp["year"] == year]
        groups = [str(g) for g in latest["subgroup"].unique()]
        for family in _families(sub_type, groups):
            fam = latest[latest["subgroup"].isin(family)]
            row = _gap_row(fam, m, sub_type, year, overall)
            if row:
                rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values("relative_gap", ascending=False, na_position="last").reset_index(
        drop=True
    )


def _gap_row(
    fam: pd.DataFrame,
    m: catalog.Metric,
    sub_type: str,
    year: int,
    overall: pd.DataFrame,
) -> dict | None:
    valued = fam[fam["value"].notna()]
    missing = sorted(str(g) for g in fam.loc[fam["value"].isna(), "subgroup"])
    if len(valued) < 2:
        return None
    hi = valued.loc[valued["value"].idxmax()]
    lo = valued.loc[valued["value"].idxmin()]
    base_rows = overall[
        (overall["metric"] == m.metric)
        & (overall["year"] == year)
        & overall["subgroup_type"].isin([sub_type, "all"])
        & overall["value"].notna()
    ]
    # Rows are ordered: the subgroup file's own total first, then the main file's value.
    base = float(base_rows["value"].iloc[0]) if not base_rows.empty else np.nan
    relative_to = "overall"
    if np.isnan(base) or base == 0:
        base, relative_to = float(valued["value"].mean()), "average of the groups"
    gap = float(hi["value"] - lo["value"])
    weak = sorted(str(g) for g in valued.loc[valued["quality"] == "Weak", "subgroup"])
    flags_ok = (
        hi["quality"] != "Weak"
        and lo["quality"] != "Weak"
        and pd.notna(hi["quality"])
        and pd.notna(lo["quality"])
    )
    bounds = [hi["lower"], lo["upper"]]
    overlap = False if any(pd.isna(b) for b in bounds) else bool(hi["lower"] <= lo["upper"])
    reliable = bool(flags_ok and not overlap)
    if m.direction == "lower":
        best, worst = lo, hi
    else:
        best, worst = hi, lo
    return {
        "metric": m.metric,
        "label": m.label,
        "pillar": m.pillar,
        "subgroup_type": sub_type,
        "year": year,
        "best_group": str(best["subgroup"]),
        "best_value": float(best["value"]),
        "worst_group": str(worst["subgroup"]),
        "worst_value": float(worst["value"]),
        "highest_group": str(hi["subgroup"]),
        "lowest_group": str(lo["subgroup"]),
        "gap": gap,
        "relative_gap": abs(gap) / abs(base) if base else np.nan,
        "relative_to": relative_to,
        "overall": base if relative_to == "overall" else np.nan,
        "direction": m.direction,
        "groups": int(len(valued)),
        "weak_groups": ", ".join(weak),
        "missing_groups": ", ".join(missing),
        "ci_overlap": overlap,
        "reliable": reliable,
    }


def subgroup_detail(
    subgroups: pd.DataFrame, geoid: str, metric: str, sub_type: str, year: int
) -> pd.DataFrame:
    """Every group's value for one metric, type and year (for charts and the CSV)."""
    d = subgroups[
        (subgroups["geoid"] == geoid)
        & (subgroups["metric"] == metric)
        & (subgroups["subgroup_type"] == sub_type)
        & (subgroups["year"] == year)
    ]
    return d[["subgroup", "value", "lower", "upper", "quality"]].reset_index(drop=True)
