"""The places × metrics table of a report, computed by Step 2's own standing code.

Each place's row set is exactly the table its Step 2 page shows
(:func:`mobility_nb.steps.step2.standing.standing`, called with the same arguments as
``Step2Page.standing``): the same latest year per metric, value, bounds, quality flag,
direction-aware national and in-state standing, shared-estimate partners, artifacts and
few-events flags. Nothing is recomputed here, so the comparison can never disagree with a
place's own page. The data are loaded once per process (:mod:`mobility_nb.data.metrics`
caches the tidy table and its rankings), however many places a report holds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from mobility_nb.compare.selection import Selection
from mobility_nb.data import catalog
from mobility_nb.data import metrics as metrics_data
from mobility_nb.data.jurisdictions import jurisdiction_table
from mobility_nb.steps.step2 import peers as step2_peers
from mobility_nb.steps.step2 import standing as step2_standing

PLACE_COLUMNS = ("geoid", "name", "state")


@dataclass
class ComparisonTable:
    """One row per place and metric (places in selection order, metrics in catalog order)."""

    selection: Selection
    metrics: tuple[catalog.Metric, ...]
    rows: pd.DataFrame
    tidy: pd.DataFrame  # the loaded Mobility Metrics table the standings come from
    names: dict[str, str]

    @property
    def level(self) -> str:
        return self.selection.level

    def standing(self, geoid: str) -> pd.DataFrame:
        """One place's Step 2 standing table, as its page computes it."""
        place = next(p for p in self.selection.places if p.geoid == geoid)
        return step2_standing.standing(self.tidy, geoid, self.level, place.population, self.names)

    @cached_property
    def peer_table(self) -> pd.DataFrame | None:
        """A peer set's side-by-side table, exactly as Step 2's peer section builds it."""
        sel = self.selection
        if sel.focal is None or sel.peer_set is None:
            return None
        return step2_peers.peer_table(
            self.tidy, self.standing(sel.focal.geoid), sel.focal, sel.peer_set
        )

    @cached_property
    def sources(self) -> list[str]:
        return list(self.tidy.attrs.get("sources", []))

    def part(self, selection: Selection) -> ComparisonTable:
        """The rows of a sub-selection (a state of the national table), not recomputed."""
        wanted = set(selection.geoids)
        return ComparisonTable(
            selection=selection,
            metrics=self.metrics,
            rows=self.rows[self.rows["geoid"].isin(wanted)].reset_index(drop=True),
            tidy=self.tidy,
            names=self.names,
        )


def place_names(level: str, data_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Code -> name of every place of the level (the mapping Step 2 names partners with)."""
    table = jurisdiction_table(level, data_dir)
    return metrics_data.derived(
        table, "names", lambda t: dict(zip(t["geoid"], t["name"], strict=True))
    )


def build_table(
    selection: Selection, data_dir: str | os.PathLike[str] | None = None
) -> ComparisonTable:
    """Every place's Step 2 standing rows, stacked into one long table."""
    level = selection.level
    tidy = metrics_data.load_metrics(level, data_dir)
    names = place_names(level, data_dir)
    places = selection.places
    per_place = step2_standing.standing_rows(
        tidy, [(p.geoid, p.population) for p in places], level, names
    )
    records = []
    for place, rows in zip(places, per_place, strict=True):
        extra = {"geoid": place.geoid, "name": place.name, "state": place.state_abbr}
        records.extend({**extra, **r} for r in rows)
    return ComparisonTable(
        selection=selection,
        metrics=tuple(catalog.metrics_for(level)),
        rows=pd.DataFrame(records),
        tidy=tidy,
        names=names,
    )
