"""Every tract's ACS values, as a table and a chart: the story when no map can be drawn.

Tract estimates rest on small samples, so each value carries its MOE and low-reliability
values are marked. Counties with many tracts list the lowest and highest tracts on the
page; the page's CSV always holds every tract.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mobility_nb.acs import indicators as ind
from mobility_nb.acs import moe as moe_mod
from mobility_nb.render.figures import new_figure
from mobility_nb.render.formats import MISSING, acs_estimate, acs_moe
from mobility_nb.steps.step5.moe_dots import draw_moe_dots

LISTED_ALL_UP_TO = 60  # tracts listed one by one on the page; beyond, the ends only
ENDS = 10  # with many tracts: this many lowest and highest
LOW_MARK = " *"  # after a low-reliability value
CHART_UP_TO = 60
VALUE_COLUMNS = ["geoid", "tract", "name", "indicator", "label", "unit"]
VALUE_COLUMNS += ["estimate", "moe", "cv", "reliability", "variables"]


def tract_number(geoid: str) -> str:
    """'51003010201' -> '102.01'; '51003010100' -> '101' (the Census tract code)."""
    code = str(geoid)[-6:]
    if not code.isdigit():
        return str(geoid)
    base, suffix = str(int(code[:4])), code[4:]
    return base if suffix == "00" else f"{base}.{suffix}"


def tract_label(geoid: str, name: str) -> str:
    """'Tract 101 (Free Union)', or 'Tract 101' when the name only repeats the number."""
    number = tract_number(geoid)
    own = str(name or "").split(",")[0].strip()
    if not own or own.lower().startswith(("census tract", "tract")):
        return f"Tract {number}"
    return f"Tract {number} ({own})"


def short_label(geoid: str, name: str, width: int = 28) -> str:
    """'102.01 Charlottesville-Albema…' for chart axes (the table has the full name)."""
    own = str(name or "").split(",")[0].strip()
    if own.lower().startswith(("census tract", "tract")):
        own = ""
    text = f"{tract_number(geoid)} {own}".strip()
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def tract_values(results: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Long table: one row per tract and indicator (group All) that has any tract value."""
    rows = results[(results["group"] == ind.ALL) & results["indicator"].isin(list(keys))]
    present = rows.groupby("indicator")["estimate"].apply(lambda s: np.isfinite(s).any())
    rows = rows[rows["indicator"].isin(present[present].index)].copy()
    rows["tract"] = [tract_number(g) for g in rows["geoid"]]
    order = {k: n for n, k in enumerate(keys)}
    rows = rows.sort_values(
        ["indicator", "geoid"], key=lambda c: c.map(order) if c.name == "indicator" else c
    )
    return rows[VALUE_COLUMNS].reset_index(drop=True)


def _cell(estimate: float, moe: float, reliability: str, unit: str) -> str:
    if not np.isfinite(estimate):
        return MISSING
    text = acs_estimate(estimate, unit)
    if np.isfinite(moe):
        text += f" {acs_moe(moe, unit)}"
    return text + (LOW_MARK if reliability == moe_mod.LOW else "")


def tract_table(values: pd.DataFrame, order_by: str) -> tuple[pd.DataFrame, str]:
    """One row per tract (sorted by ``order_by``, highest first), one column per indicator,
    and a note saying which tracts are listed."""
    labels = dict(zip(values["indicator"], values["label"], strict=False))
    wide: dict[str, dict[str, Any]] = {}
    for r in values.itertuples():
        row = wide.setdefault(r.geoid, {"Tract": tract_label(r.geoid, r.name)})
        row[labels[r.indicator]] = _cell(r.estimate, r.moe, r.reliability, r.unit)
    key = values[values["indicator"] == order_by].set_index("geoid")["estimate"]
    geoids = sorted(
        wide, key=lambda g: (-key.get(g, np.nan) if np.isfinite(key.get(g, np.nan)) else np.inf, g)
    )
    note = f"All {len(geoids)} tracts, highest {labels.get(order_by, order_by).lower()} first."
    if len(geoids) > LISTED_ALL_UP_TO:
        ranked = [g for g in geoids if np.isfinite(key.get(g, np.nan))]
        geoids = ranked[:ENDS] + ranked[-ENDS:]
        note = (
            f"The {ENDS} tracts with the highest and the {ENDS} with the lowest "
            f"{labels.get(order_by, order_by).lower()} of {len(wide)}; the page's CSV file "
            "lists every tract."
        )
    columns = ["Tract", *dict.fromkeys(labels[k] for k in values["indicator"])]
    table = pd.DataFrame([wide[g] for g in geoids]).reindex(columns=columns).fillna(MISSING)
    return table, note


def tract_chart(
    values: pd.DataFrame, key: str, county_value: float, title: str
) -> tuple[Any, str] | None:
    """Dot chart of one indicator for every tract, with 90% MOE bars (None if too many)."""
    rows = values[(values["indicator"] == key) & np.isfinite(values["estimate"])]
    if rows.empty or len(rows) > CHART_UP_TO:
        return None
    rows = rows.sort_values("estimate")
    unit = str(rows["unit"].iloc[0])
    fig, ax = new_figure(7.0, 0.26 * len(rows) + 1.4)
    draw_moe_dots(
        ax,
        rows,
        title=title,
        unit=unit,
        tick_labels=[short_label(g, n) for g, n in zip(rows["geoid"], rows["name"], strict=True)],
        estimate_label="Tract estimate with 90% margin of error",
        reference=county_value,
        reference_label=f"County: {acs_estimate(county_value, unit)}",
        dot_size=22,
        bar_width=1.2,
        cap=2,
        tick_fontsize=7,
    )
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.6 / max(len(rows), 1) - 0.04),
        ncol=2,
        fontsize=8,
    )
    first, last = rows.iloc[0], rows.iloc[-1]
    lowest = (
        f"{acs_estimate(first['estimate'], unit)} ({tract_label(first['geoid'], first['name'])})"
    )
    highest = f"{acs_estimate(last['estimate'], unit)} ({tract_label(last['geoid'], last['name'])})"
    county = (
        f" and the county {acs_estimate(county_value, unit)}" if np.isfinite(county_value) else ""
    )
    n_low = int((rows["reliability"] == moe_mod.LOW).sum())
    alt = (
        f"Dot chart: {title}. {len(rows)} tracts from {lowest} to {highest}; the median tract "
        f"is {acs_estimate(float(rows['estimate'].median()), unit)}{county}. {n_low} "
        "tract estimates have low reliability. Bars show 90% margins of error."
    )
    return fig, alt
