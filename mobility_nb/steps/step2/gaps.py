"""Gaps between subgroups (race/ethnicity, gender, disability, income, ...).

For each metric and subgroup type we compare the best- and worst-off groups in the latest
year with data. Gaps are ranked by their size relative to the overall value, so a 10-point
gap in a 20% share outranks a $2,000 gap in a $60,000 income. Groups with missing values
are listed, never silently merged (Urban's rule).

One vintage per comparison: a gap is sized against the "All" row of the same subgroup
file (never the main file, which can be another release), and each row names that file's
release. A gap is *reliable* only when a two-sample z-test on the groups' published 95%
bounds finds it larger than the margin of error (|z| > 1.96) and neither group is flagged
Weak or unflagged; gaps with no published bounds are shown but marked untested. Counts are
not gaps; rows whose groups have the same value are dropped; industries (jobs) are not
groups of residents and are kept apart; rates resting on very few events, and zeros that
may be non-reports, never make a reliable gap.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mobility_nb.claims import artifacts, ranking
from mobility_nb.claims.uncertainty import Estimate, compare
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
# Subgroup types whose groups are not people living in the place.
NOT_RESIDENTS = {"industry": "jobs by industry, not groups of residents"}
# Urban's caveat for learning-growth gaps (00_metrics-summary_county.csv, Effective public
# education, notes2/notes3), in plain words.
LEARNING_CAVEAT = (
    "Urban notes that reading growth is often faster for Hispanic students and for students "
    "from low-income households, who on average start with lower scores and can improve more "
    "quickly; a gap in growth is not a gap in achievement."
)
# Evidence behind a gap, best first.
TESTED, WITHIN_MOE, UNTESTED, RANGE_ONLY, WEAK_END, NO_FLAG, FEW, ZERO = (
    "larger than the margin of error",
    "within the margin of error",
    "not tested (no margin of error published)",
    "not tested (the bounds are a range)",
    "no verdict (a group is flagged Weak)",
    "no verdict (a group has no quality flag)",
    "too few events to compare",
    "a 0 that may mean not reported",
)
# Rough share of a place's population in each group, for the events behind a rate.
_AGE_SHARES = {"Age 10 to 14": 5 / 8, "Age 15 to 17": 3 / 8}
_RACE_KEYS = {
    "Black": "black",
    "Black, Non-Hispanic": "black",
    "Hispanic": "hispanic",
    "White": "white",
    "White, Non-Hispanic": "white",
    "Other Races and Ethnicities": "other",
    "Other": "other",
}


def _families(sub_type: str, groups: list[str]) -> list[list[str]]:
    """Split a subgroup type into comparable families (mixed files hold several splits)."""
    pairs = {"income": INCOME_PAIRS, "age": AGE_PAIRS}.get(sub_type)
    if not pairs:
        return [groups]
    return [[g for g in pair if g in groups] for pair in pairs if any(g in groups for g in pair)]


def _base_values(totals: pd.DataFrame | None, geoid: str) -> dict[tuple[str, int, str], float]:
    """(metric, year, subgroup type) -> the value a gap is sized against.

    Only the subgroup file's own total (keyed by that file's subgroup type): the main file
    can be another release with another definition, and mixing the two put a 2023-release
    gap beside a 2025 headline.
    """
    bases: dict[tuple[str, int, str], float] = {}
    frames = [] if totals is None or totals.empty else [rows_for(totals, geoid)]
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
    population: float | None = None,
    race_shares: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per metric x subgroup family: highest and lowest group, gap, evidence.

    The overall value a gap is measured against is the subgroup file's own "All" row
    (``totals``); when it is missing the gap is sized against the groups' average and the
    row says so. ``overall`` (the main file) is no longer mixed in and is kept only for
    callers. ``population`` and ``race_shares`` ("black"/"hispanic"/"white"/"other" ->
    share of residents) estimate how many events a group's rate rests on.
    """
    data = rows_for(subgroups, geoid)
    if data.empty:
        return pd.DataFrame()
    known = {m.metric: m for m in catalog.metrics_for(level)}
    bases = _base_values(totals, geoid)
    releases = subgroups.attrs.get("releases", {})
    cols = _lists(data)
    rows = []
    for (metric, sub_type), positions in data.groupby(
        ["metric", "subgroup_type"], observed=True
    ).indices.items():
        m = known.get(str(metric))
        if m is None or m.comparison == "count":  # counts grow with group size: no gap
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
            base = bases.get((m.metric, year, sub_type))
            shares = _group_shares(sub_type, family, race_shares)
            row = _gap_row(cols, fam, m, sub_type, year, base, population, shares)
            if row:
                row["source_file"], row["release"] = releases.get(sub_type, ("", ""))
                rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values("relative_gap", ascending=False, na_position="last").reset_index(
        drop=True
    )


def _group_shares(
    sub_type: str, family: list[str], race_shares: Mapping[str, float] | None
) -> dict[str, float]:
    """Each group's rough share of the population a rate is computed on."""
    out = {}
    for g in family:
        if sub_type == "gender":
            out[g] = 0.5
        elif g in _AGE_SHARES:
            out[g] = _AGE_SHARES[g]
        elif sub_type in ("race", "race-ethnicity") and race_shares and g in _RACE_KEYS:
            out[g] = race_shares.get(_RACE_KEYS[g], 1 / len(family))
        else:
            out[g] = 1 / len(family)
    return out


def _gap_row(
    cols: dict[str, list],
    fam: list[int],
    m: catalog.Metric,
    sub_type: str,
    year: int,
    base: float | None,
    population: float | None = None,
    shares: Mapping[str, float] | None = None,
) -> dict | None:
    value, quality, subgroup = cols["value"], cols["quality"], cols["subgroup"]
    valued = [i for i in fam if value[i] == value[i]]
    missing = sorted(str(subgroup[i]) for i in fam if value[i] != value[i])
    if len(valued) < 2:
        return None
    hi = max(valued, key=lambda i: value[i])  # first of equal values, like idxmax
    lo = min(valued, key=lambda i: value[i])
    if m.format(value[hi]) == m.format(value[lo]):
        return None  # equal as shown (71.1% and 71.1%): no gap between the groups
    relative_to = "overall"
    if base is None or np.isnan(base) or base == 0:
        base = float(np.mean([value[i] for i in valued]))
        relative_to = "average of the groups"
    gap = value[hi] - value[lo]
    weak = sorted(str(subgroup[i]) for i in valued if quality[i] == "Weak")

    def estimate(i: int) -> Estimate:
        return Estimate(value[i], cols["lower"][i], cols["upper"][i], quality[i])

    test = compare(estimate(lo), estimate(hi), m.bounds)
    events = [
        ranking.estimated_events(m, value[i], population, (shares or {}).get(str(subgroup[i]), 1))
        for i in (hi, lo)
    ]
    fewest = min((e for e in events if e == e), default=np.nan)
    if artifacts.possibly_unreported(m, value[lo]):
        evidence = ZERO
    elif ranking.few_events(fewest):
        evidence = FEW
    elif test.status == "weak":
        evidence = WEAK_END
    elif quality[hi] is None or quality[lo] is None:
        evidence = NO_FLAG
    else:
        evidence = {
            "higher": TESTED,
            "lower": TESTED,
            "within": WITHIN_MOE,
            "range": RANGE_ONLY,
        }.get(test.status, UNTESTED)
    best, worst = (lo, hi) if m.comparison == "lower_better" else (hi, lo)
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
        "comparison": m.comparison,
        "groups": len(valued),
        "weak_groups": ", ".join(weak),
        "missing_groups": ", ".join(missing),
        "z": float(test.z),
        "evidence": evidence,
        "reliable": evidence == TESTED,
        "events": fewest,
        "residents": sub_type not in NOT_RESIDENTS,
        "caveat": LEARNING_CAVEAT if m.metric == "rate_learning" else "",
    }


def subgroup_detail(
    subgroups: pd.DataFrame, geoid: str, metric: str, sub_type: str, year: int
) -> pd.DataFrame:
    """Every group's value for one metric, type and year (for charts and the CSV)."""
    own = rows_for(subgroups, geoid)
    d = own[(own["metric"] == metric) & (own["subgroup_type"] == sub_type) & (own["year"] == year)]
    return d[["subgroup", "value", "lower", "upper", "quality"]].reset_index(drop=True)
