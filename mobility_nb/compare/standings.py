"""What a report may say about each value, and the "where each place stands" overview.

Every judgement comes from the Step 2 standing rows and the claims rules behind them:

* a **standing** ("better than 62% of US counties") only for metrics the catalog calls
  directional that are not crime data, and not for values tied at the lowest or highest
  value, possible non-reports or values Urban documents as not the place's own (these have
  no national percentile in the standing table);
* **marks** disclose what a number cannot carry by itself: Weak or Marginal flags, survey
  estimates shared with other places of the state, documented artifacts, zeros that may
  mean "not reported", rates resting on very few events, and a US median inside the
  value's own 95% interval (no difference from the median shown);
* the **overview** summarises each place's standings within a pillar by their median, over
  the values Step 2 would let stand as a finding: ranked, not Weak, not shared, the place's
  own, not a possible non-report, not resting on few events.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mobility_nb.claims import ranking
from mobility_nb.claims.uncertainty import WITHIN
from mobility_nb.data import catalog
from mobility_nb.steps.step2 import standing as step2_standing


@dataclass(frozen=True)
class Mark:
    """A short mark printed beside a value, and what it means (said once per page)."""

    code: str
    meaning: str


MARKS: dict[str, Mark] = {
    m.code: m
    for m in (
        Mark("W", "flagged Weak by Urban: serious concerns, not recommended for decisions"),
        Mark("M", "flagged Marginal by Urban: known shortcomings, use with caution"),
        Mark(
            "S",
            "a survey estimate for a wider area, the same value as other places of the state "
            "(not a local finding)",
        ),
        Mark("A", "not this place's own value (an artifact Urban documents)"),
        Mark("Z", "a 0 that may mean not reported; not ranked"),
        Mark("F", "rests on fewer than 20 events; too few to rank reliably"),
        Mark("≈", "the US median lies within this value's 95% bounds (no difference shown)"),
    )
}
MARK_ORDER = tuple(MARKS)
# Overview classes of the median "better than" share: fifths of the national distribution.
HEAT_BREAKS = (20.0, 40.0, 60.0, 80.0)
HEAT_LABELS = ("0–19%", "20–39%", "40–59%", "60–79%", "80–100%")


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def marks(row: Mapping[str, Any]) -> tuple[str, ...]:
    """The mark codes of one standing row, in :data:`MARK_ORDER`."""
    if not _present(row.get("value")):
        return ()
    found = []
    if row.get("quality") == "Weak":
        found.append("W")
    elif row.get("quality") == "Marginal":
        found.append("M")
    if row.get("shared_names"):
        found.append("S")
    if row.get("artifact"):
        found.append("A")
    if row.get("unreported_zero"):
        found.append("Z")
    if row.get("few_events"):
        found.append("F")
    if row.get("vs_national") == WITHIN:
        found.append("≈")
    return tuple(found)


def standing_text(row: Mapping[str, Any], m: catalog.Metric) -> str:
    """'62%' (better than 62% of US places), a tie at an extreme, or '' (not ranked).

    The same numbers and caps as Step 2's standing table (``short_percent_text``: "over 99%").
    """
    if not _present(row.get("value")):
        return ""
    if step2_standing.has_rank(row):
        return ranking.short_percent_text(float(row["national_better"]))
    extreme = row.get("national_extreme")
    if m.rankable and isinstance(extreme, str) and extreme:
        return f"tied at the {extreme}"
    return ""


def value_text(row: Mapping[str, Any], m: catalog.Metric) -> str:
    """The value as Step 2 formats it (parity metrics by their ratio, 1.00 = parity)."""
    return m.format(row.get("value"))


def usable_for_overview(row: Mapping[str, Any]) -> bool:
    """A ranked value Step 2 would let stand as a finding about the place itself."""
    return (
        step2_standing.has_rank(row)
        and row.get("quality") != "Weak"
        and not row.get("shared_names")
        and not row.get("artifact")
        and not row.get("unreported_zero")
        and not row.get("few_events")
    )


def comparison_words(m: catalog.Metric) -> str:
    """How a metric is compared, for column headers ('higher is better', 'not ranked: …')."""
    if m.crime:
        return "not ranked: crime data"
    return {
        "higher_better": "higher is better",
        "lower_better": "lower is better",
        "parity": "1.00 is parity; not ranked",
        "context": "describes the population; not ranked",
        "count": "a count; not ranked",
        "spread": "read with the median; not ranked",
    }.get(m.comparison, "not ranked")


ANNOTATION_INPUT = (
    "metric",
    "value",
    "year",
    "quality",
    "shared_names",
    "artifact",
    "unreported_zero",
    "few_events",
    "vs_national",
    "national_better",
    "national_extreme",
)


def annotate(rows: pd.DataFrame, level: str) -> pd.DataFrame:
    """The long table with the display facts of each cell added (value and standing text,
    marks, overview eligibility)."""
    from mobility_nb.data.records import records

    out = rows.copy()
    metric_of = {m.metric: m for m in catalog.metrics_for(level)}
    facts = records(rows, ANNOTATION_INPUT) if len(rows) else []
    out["value_text"] = [value_text(r, metric_of[r["metric"]]) for r in facts]
    out["standing_text"] = [standing_text(r, metric_of[r["metric"]]) for r in facts]
    out["marks"] = [" ".join(marks(r)) for r in facts]
    out["in_overview"] = [usable_for_overview(r) for r in facts]
    return out


def overview(annotated: pd.DataFrame) -> pd.DataFrame:
    """Per place and pillar: the median standing of its usable values, and how many.

    Columns: geoid, name, state, pillar, median_better (NaN when none), used (values in
    the median), ranked (values with a standing), metrics (metrics of the pillar with a
    value), heat (0-4: the fifth the median falls in; -1 when none).
    """
    if annotated.empty:
        return pd.DataFrame(
            columns=["geoid", "name", "state", "pillar", "median_better", "used", "ranked"]
        )
    frame = annotated.assign(
        has_value=annotated["value"].notna(),
        has_rank=annotated["national_better"].notna(),
        use=annotated["national_better"].where(annotated["in_overview"]),
    )
    grouped = frame.groupby(["geoid", "pillar"], sort=False, observed=True)
    out = grouped.agg(
        name=("name", "first"),
        state=("state", "first"),
        median_better=("use", "median"),
        used=("use", "count"),
        ranked=("has_rank", "sum"),
        metrics=("has_value", "sum"),
    ).reset_index()
    out["heat"] = heat_class(out["median_better"].to_numpy(dtype=float))
    order = {p: i for i, p in enumerate(catalog.PILLARS)}
    place_order = {g: i for i, g in enumerate(dict.fromkeys(annotated["geoid"]))}
    out = out.sort_values(
        ["geoid", "pillar"], key=lambda s: s.map(place_order if s.name == "geoid" else order)
    )
    return out[
        ["geoid", "name", "state", "pillar", "median_better", "used", "ranked", "metrics", "heat"]
    ].reset_index(drop=True)


def heat_class(values: np.ndarray) -> np.ndarray:
    """0-4 for the fifth a 'better than' share falls in, -1 for missing."""
    classes = np.searchsorted(np.asarray(HEAT_BREAKS), values, side="right")
    return np.where(np.isnan(values), -1, classes).astype(int)
