"""A small state map per metric, drawn offline from the county TopoJSON (mobility_nb.geo).

A state report shows, for each metric, its counties colored by the value the table shows
(each county's latest year, as on its Step 2 page). The county shapes are written once per
page (:func:`mobility_nb.geo.state_paths`) and every map references them, so fifty maps
of Texas cost about as much as four self-contained ones.

What is mapped follows the claims rules: crime and arrest rates are not drawn (the map's
"highest" and "lowest" would rank places by crime data, which the FBI advises against),
nor counts (they grow with population). Zeros that may mean "not reported" and values
that are not the place's own are drawn as "no data", never as the best or worst value.
Directional metrics put the better end dark; parity metrics diverge around 1.00;
descriptive metrics say only "darker = higher". Weak values are hatched.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from mobility_nb.data import catalog
from mobility_nb.data.records import records
from mobility_nb.errors import MapError
from mobility_nb.geo import MapClass, state_map, state_paths
from mobility_nb.render.formats import year_span

PATHS_ID = "cty"  # the id prefix of the shared county shapes on a report page
MAP_INPUT = ("geoid", "value", "year", "quality", "shared_names", "unreported_zero", "artifact")


@dataclass(frozen=True)
class MetricMap:
    """One metric's map and the notes printed under it."""

    metric: str
    svg: str
    alt: str
    classes: tuple[MapClass, ...]
    notes: tuple[str, ...]


def mapped(m: catalog.Metric) -> bool:
    """Metrics a comparison map may show (not crime data, not counts)."""
    return not m.crime and m.comparison != "count"


def shapes(state: str) -> str:
    """The state's county shapes, once per page, for every map of it."""
    return state_paths(state, paths_id=PATHS_ID)


def _years_text(years: pd.Series) -> str:
    present = sorted({int(y) for y in years.dropna()})
    if not present:
        return ""
    return year_span(present[0], present[-1])


def metric_map(
    rows: pd.DataFrame,
    m: catalog.Metric,
    state: str,
    names: Mapping[str, str],
    focus: str | None = None,
) -> MetricMap | None:
    """The map of one metric from its annotated rows (one per county); None when not mapped."""
    if not mapped(m):
        return None
    values: dict[str, float | None] = {}
    weak: set[str] = set()
    hidden = shared = 0
    for r in records(rows, MAP_INPUT):
        value = r["value"]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            values[r["geoid"]] = None
            continue
        if r.get("unreported_zero") or r.get("artifact"):
            values[r["geoid"]] = None
            hidden += 1
            continue
        values[r["geoid"]] = float(value)
        if r.get("quality") == "Weak":
            weak.add(r["geoid"])
        if r.get("shared_names"):
            shared += 1
    years = _years_text(rows.loc[rows["value"].notna(), "year"])
    title = f"{m.label}{', ' + years if years else ''}"
    options: dict = {}
    if m.comparison == "parity":
        options = dict(scale="diverging", midpoint=1.0, midpoint_label="1.00 (parity)")
    elif m.directional:
        options = dict(higher_is_better=m.comparison == "higher_better")
    try:
        drawn = state_map(
            values,
            state=state,
            title=title,
            value_format=m.format,
            weak=weak,
            focus=focus,
            names=names,
            paths_id=PATHS_ID,
            id_prefix=f"map-{m.metric}".replace("_", "-"),
            max_width="100%",
            **options,
        )
    except MapError:
        return None
    notes = []
    if m.comparison == "context":
        notes.append("Describes the population; a higher value is not better or worse.")
    if shared:
        notes.append(
            f"{shared} {'county shows' if shared == 1 else 'counties show'} a survey estimate "
            "for a wider area, shared with neighboring counties (marked S in the table)."
        )
    if hidden:
        notes.append(
            f"{hidden} {'value is' if hidden == 1 else 'values are'} drawn as no data: a 0 "
            "that may mean not reported, or not the county's own value."
        )
    if drawn.missing:
        notes.append(f"Not on the 2017 county map: {', '.join(drawn.missing)}.")
    return MetricMap(m.metric, drawn.svg, drawn.alt, drawn.classes, tuple(notes))
