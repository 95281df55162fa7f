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

from mobility_nb.data import catalog
from mobility_nb.data.metrics import rows_for

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


def _base_values(
    overall: pd.DataFrame, totals: pd.DataFrame | None, geoid: str
) -> dict[tuple[str, int, str], float]:
    """(metric, year, subgroup type) -> the value a gap is sized against.

    The subgroup file's own total comes first (keyed by that file's subgroup type), then
    the main file's value (keyed "all").
    """
    bases: dict[tuple[str, int, str], float] = {}
    frames = [] if totals is None or totals.empty else [rows_for(totals, geoid)]
    frames.append(rows_for(overall, geoid).assign(subgroup_type="all"))
    for frame in frames:
        frame = frame[frame["value"].notna()]
        keys = zip(
            frame["metric"].astype(str).tolist(),
            frame["year"].astype(int).tolist(),
            frame["subgroup_type"].astype(str).tolist(),
            strict=True,
        )
        for key, value in zip(keys, frame["value"].astype(float).tolist(), strict=True):
            bases.setdefault(key, value)
    return bases


def _lists(frame: pd.DataFrame) -> dict[str, list]:
    """Columns as plain lists (missing text as None): the per-group work is on a few rows."""
    out: dict[str, list] = {}
    for col in ("subgroup", "quality"):
        out[col] = [
            None if v is None or (isinstance(v, float) and v != v) else str(v)
            for v in frame[col].to_numpy(dtype=object, na_value=None).tolist()
        ]
    for col in ("value", "lower", "upper"):
        out[col] = frame[col].to_numpy(dtype=float, na_value=np.nan).tolist()
    out["year"] = frame["year"].astype(int).tolist()
    return out


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
    data = rows_for(subgroups, geoid)
    if data.empty:
        return pd.DataFrame()
    known = {m.metric: m for m in catalog.metrics_for(level)}
    bases = _base_values(overall, totals, geoid)
    cols = _lists(data)
    rows = []
    for (metric, sub_type), positions in data.groupby(
        ["metric", "subgroup_type"], observed=True
    ).indices.items():
        m = known.get(str(metric))
        if m is None:
            continue
        sub_type = str(sub_type)
        valued_years = [cols["year"][i] for i in positions if cols["value"][i] == cols["value"][i]]
        if not valued_years:
            continue
        year = max(valued_years)
        latest = [i for i in positions if cols["year"][i] == year]
        groups = list(dict.fromkeys(str(cols["subgroup"][i]) for i in latest))
        for family in _families(sub_type, groups):
            fam = [i for i in latest if str(cols["subgroup"][i]) in family]
            base = bases.get((m.metric, year, sub_type), bases.get((m.metric, year, "all")))
            row = _gap_row(cols, fam, m, sub_type, year, base)
            if row:
                rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values("relative_gap", ascending=False, na_position="last").reset_index(
        drop=True
    )


def _gap_row(
    cols: dict[str, list],
    fam: list[int],
    m: catalog.Metric,
    sub_type: str,
    year: int,
    base: float | None,
) -> dict | None:
    value, quality, subgroup = cols["value"], cols["quality"], cols["subgroup"]
    valued = [i for i in fam if value[i] == value[i]]
    missing = sorted(str(subgroup[i]) for i in fam if value[i] != value[i])
    if len(valued) < 2:
        return None
    hi = max(valued, key=lambda i: value[i])  # first of equal values, like idxmax
    lo = min(valued, key=lambda i: value[i])
    relative_to = "overall"
    if base is None or np.isnan(base) or base == 0:
        base = float(np.mean([value[i] for i in valued]))
        relative_to = "average of the groups"
    gap = value[hi] - value[lo]
    weak = sorted(str(subgroup[i]) for i in valued if quality[i] == "Weak")
    flags_ok = quality[hi] not in ("Weak", None) and quality[lo] not in ("Weak", None)
    hi_lower, lo_upper = cols["lower"][hi], cols["upper"][lo]
    overlap = False if np.isnan(hi_lower) or np.isnan(lo_upper) else bool(hi_lower <= lo_upper)
    reliable = bool(flags_ok and not overlap)
    best, worst = (lo, hi) if m.direction == "lower" else (hi, lo)
    return {
        "metric": m.metric,
        "label": m.label,
        "pillar": m.pillar,
        "subgroup_type": sub_type,
        "year": year,
        "best_group": str(subgroup[best]),
        "best_value": float(value[best]),
        "worst_group": str(subgroup[worst]),
        "worst_value": float(value[worst]),
        "highest_group": str(subgroup[hi]),
        "lowest_group": str(subgroup[lo]),
        "gap": float(gap),
        "relative_gap": abs(gap) / abs(base) if base else np.nan,
        "relative_to": relative_to,
        "overall": base if relative_to == "overall" else np.nan,
        "direction": m.direction,
        "groups": len(valued),
        "weak_groups": ", ".join(weak),
        "missing_groups": ", ".join(missing),
        "ci_overlap": overlap,
        "reliable": reliable,
    }


def subgroup_detail(
    subgroups: pd.DataFrame, geoid: str, metric: str, sub_type: str, year: int
) -> pd.DataFrame:
    """Every group's value for one metric, type and year (for charts and the CSV)."""
    own = rows_for(subgroups, geoid)
    d = own[(own["metric"] == metric) & (own["subgroup_type"] == sub_type) & (own["year"] == year)]
    return d[["subgroup", "value", "lower", "upper", "quality"]].reset_index(drop=True)
