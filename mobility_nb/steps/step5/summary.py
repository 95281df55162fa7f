"""The Step 5 page's first screen: headline local conditions in plain words, each with how sure.

Everything here restates what the sections below show, under the same rules: a county is
above or below a median only when the median lies outside its 90% margin of error, a
group differs from all residents only when the difference is significant at 90%, and
estimates of low reliability are never headlines. Items are ``(title, fact, sure)`` like
the Step 2 summary's, so both pages read alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobility_nb.acs import context as ctx
from mobility_nb.acs import indicators as ind
from mobility_nb.acs import moe as moe_mod
from mobility_nb.acs import tracts
from mobility_nb.claims.uncertainty import HIGHER, LOWER, WITHIN
from mobility_nb.render.formats import acs_estimate, acs_moe, group_label

HEADLINE = (
    "median_household_income",
    "poverty_rate",
    "unemployment_rate",
    "bachelors_or_higher",
    "homeownership_rate",
    "rent_burden",
    "uninsured_rate",
)
MOST_GAPS = 4  # group differences named in the summary; the section lists them all
TRACT_SPREAD = ("poverty_rate", "median_household_income")


@dataclass(frozen=True)
class Item:
    """One line of the summary: what, the number, and how sure it is."""

    title: str
    fact: str
    sure: str


def _value(estimate: float, moe: float, unit: str) -> str:
    text = acs_estimate(estimate, unit)
    return text + (f" ({acs_moe(moe, unit)})" if np.isfinite(moe) else " (no margin of error)")


def _versus(c: ctx.IndicatorContext, state_name: str, year: int) -> str:
    """'Above the median of Virginia's counties ($53,797) and of all US counties ($49,514).'

    The comparison is made in one release (the newest where the other counties have
    values); when that is not the page's release, the sentence names it and the county's
    value in it.
    """
    said = []
    for comp, where in ((c.state, f"{state_name}'s counties"), (c.nation, "all US counties")):
        if comp.versus in (HIGHER, LOWER):
            word = "above" if comp.versus == HIGHER else "below"
            said.append(f"{word} the median of {where} ({acs_estimate(comp.median, c.unit)})")
        elif comp.versus == WITHIN:
            said.append(f"not different from the median of {where}")
    if not said:
        return ""
    text = "; ".join(said)
    if c.year != year:
        text = f"In {c.vintage} ({acs_estimate(c.estimate, c.unit)}): {text}"
    return text[:1].upper() + text[1:] + "."


def headline_items(
    results: pd.DataFrame,
    contexts: Sequence[ctx.IndicatorContext],
    state_name: str,
    year: int,
) -> list[Item]:
    """The headline indicators for all residents, with the state and national verdicts."""
    by_key = {c.indicator: c for c in contexts}
    overall = results[results["group"] == ind.ALL]
    items = []
    for key in HEADLINE:
        rows = overall[overall["indicator"] == key]
        if rows.empty or not np.isfinite(float(rows["estimate"].iloc[0])):
            continue
        r = rows.iloc[0]
        sure = f"Reliability {r['reliability']}." if r["reliability"] != "Unknown" else ""
        if r["reliability"] == moe_mod.LOW:
            sure = "Low reliability: indicative only."
        elif key in by_key:
            sure = (sure + " " + _versus(by_key[key], state_name, year)).strip()
        items.append(Item(str(r["label"]), _value(r["estimate"], r["moe"], r["unit"]), sure))
    return items


def group_gaps(results: pd.DataFrame, keys: Sequence[str]) -> list[Item]:
    """The widest significant differences between a group and all residents (relative size)."""
    found: list[tuple[float, Item]] = []
    for key in keys:
        rows = results[results["indicator"] == key]
        all_rows = rows[rows["group"] == ind.ALL]
        if all_rows.empty:
            continue
        a = all_rows.iloc[0]
        if not (np.isfinite(a["estimate"]) and np.isfinite(a["moe"]) and a["estimate"]):
            continue
        for r in rows[rows["group"] != ind.ALL].itertuples():
            usable = np.isfinite(r.estimate) and np.isfinite(r.moe)
            if not usable or r.reliability == moe_mod.LOW:
                continue
            if not moe_mod.significantly_different(r.estimate, r.moe, a["estimate"], a["moe"]):
                continue
            size = abs(r.estimate - a["estimate"]) / abs(a["estimate"])
            fact = (
                f"{group_label(r.group)}: {_value(r.estimate, r.moe, r.unit)}, against "
                f"{acs_estimate(a['estimate'], r.unit)} for all residents."
            )
            sure = "Different at the 90% level; reliability " + f"{r.reliability}."
            found.append((size, Item(str(a["label"]), fact, sure)))
    found.sort(key=lambda pair: -pair[0])
    return [item for _, item in found[:MOST_GAPS]]


def tract_spread(tract_results: pd.DataFrame, place_name: str) -> list[Item]:
    """How far apart the tracts are on poverty and income (lowest, median and highest tract)."""
    items = []
    for key in TRACT_SPREAD:
        part = tract_results[
            (tract_results["indicator"] == key) & (tract_results["group"] == ind.ALL)
        ]
        if part.empty or not np.isfinite(part["estimate"].to_numpy(dtype=float)).any():
            continue
        d = tracts.distribution(part)
        unit = ind.get(key).unit
        fact = (
            f"From {acs_estimate(d.minimum, unit)} to {acs_estimate(d.maximum, unit)} across "
            f"{d.with_estimate} of {place_name}'s tracts; the median tract "
            f"{acs_estimate(d.median, unit)}."
        )
        low = (
            f"{d.low_reliability} tract estimates have low reliability."
            if d.low_reliability
            else "No tract estimate has low reliability."
        )
        items.append(Item(ind.get(key).label, fact, low))
    return items
