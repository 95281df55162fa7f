"""The race and ethnicity mix of a place over every ACS vintage the store holds for it.

Each 5-year release overlaps the four before it, so adjacent releases share most of
their survey years and their difference is not a change that can be tested. The page
therefore tests only two releases that share no year: the newest shown and the oldest
at least five years before it (ACS handbook, "Comparing ACS data").
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from mobility_nb.acs import indicators as ind
from mobility_nb.acs import lookup, store
from mobility_nb.acs import moe as moe_mod
from mobility_nb.render.figures import SERIES, new_figure
from mobility_nb.render.formats import MISSING, acs_estimate, acs_moe, group_label, points

KEY = "race_ethnicity_share"
CHARTED = 5  # the largest groups get a panel each; the rest are in the table
PERIOD = 5  # years in one release: releases this far apart share no survey year
COLUMNS = ["year", "vintage", "group", "estimate", "moe", "cv", "reliability", "variables"]


def mix_series(
    store_dir: str | os.PathLike[str] | None, geoid: str, years: Iterable[int]
) -> pd.DataFrame:
    """Long table of every group's share in every vintage (groups without a value dropped)."""
    parts = []
    for year in sorted(set(years)):
        rows = lookup.indicator_values(store_dir, KEY, geoid, int(year))
        rows = rows[np.isfinite(rows["estimate"].to_numpy(dtype=float))]
        if len(rows):
            parts.append(rows.assign(year=int(year), vintage=store.vintage_label(int(year))))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def mix_table(series: pd.DataFrame) -> pd.DataFrame:
    """Groups down, releases across ('2008-2012' ... ), shares with 90% MOEs."""
    groups = list(dict.fromkeys(series["group"]))
    years = sorted(series["year"].unique())
    cells = {
        (r.group, r.year): acs_estimate(r.estimate, "percent")
        + (f" {acs_moe(r.moe, 'percent')}" if np.isfinite(r.moe) else "")
        for r in series.itertuples()
    }
    rows = []
    for group in groups:
        row = {"Group": group}
        for year in years:
            row[f"{year - 4}\u2013{year}"] = cells.get((group, year), MISSING)
        rows.append(row)
    return pd.DataFrame(rows)


def comparable_pair(years: Iterable[int]) -> tuple[int, int] | None:
    """(oldest, newest) releases sharing no survey year, or None."""
    ordered = sorted(set(int(y) for y in years))
    if len(ordered) < 2 or ordered[-1] - ordered[0] < PERIOD:
        return None
    return ordered[0], ordered[-1]


def mix_change(series: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Each group's share in two releases that share no year, the change and its test."""
    a = series[series["year"] == first].set_index("group")
    b = series[series["year"] == last].set_index("group")
    rows = []
    for group in b.index:
        if group not in a.index:
            continue
        e1, m1 = float(a.loc[group, "estimate"]), float(a.loc[group, "moe"])
        e2, m2 = float(b.loc[group, "estimate"]), float(b.loc[group, "moe"])
        tested = np.isfinite(m1) and np.isfinite(m2)
        different = bool(moe_mod.significantly_different(e1, m1, e2, m2)) if tested else False
        rows.append(
            {
                "group": group,
                "first_year": first,
                "first_estimate": e1,
                "first_moe": m1,
                "last_year": last,
                "last_estimate": e2,
                "last_moe": m2,
                "change_points": e2 - e1,
                "significant_90": ("yes" if different else "no") if tested else "not tested",
            }
        )
    return pd.DataFrame(rows)


def change_points(change: float) -> str:
    """A change of shares already in percent, signed with a true minus: '\u22121.2 points'."""
    return points(change, 1, signed=True, scale=1).replace("percentage points", "points")


def change_sentences(change: pd.DataFrame) -> list[str]:
    """'Hispanic or Latino: 4.9% to 5.9% (+1.0 points), a real change at the 90% level.'"""
    out = []
    for r in change.itertuples():
        verdict = {
            "yes": "a change larger than the margins of error (90%)",
            "no": "within the margins of error: no change shown",
        }.get(r.significant_90, "not tested: a margin of error is missing")
        out.append(
            f"{group_label(r.group)}: {acs_estimate(r.first_estimate, 'percent')} to "
            f"{acs_estimate(r.last_estimate, 'percent')} "
            f"({change_points(r.change_points)}), {verdict}."
        )
    return out


def mix_chart(series: pd.DataFrame, title: str) -> tuple[Any, str] | None:
    """One small panel per large group (its own scale), shares with 90% MOE bands."""
    if series["year"].nunique() < 2:
        return None
    newest = series[series["year"] == series["year"].max()]
    groups = list(newest.sort_values("estimate", ascending=False)["group"][:CHARTED])
    fig, axes = new_figure(7.0, 1.45 * len(groups) + 0.8, nrows=len(groups), sharex=True)
    fig.subplots_adjust(hspace=0.75)
    axes = np.atleast_1d(axes)
    parts = []
    for n, (ax, group) in enumerate(zip(axes, groups, strict=True)):
        rows = series[series["group"] == group].sort_values("year")
        x = rows["year"].to_numpy(dtype=float)
        est = rows["estimate"].to_numpy(dtype=float)
        moe = np.nan_to_num(rows["moe"].to_numpy(dtype=float))
        color = SERIES[n % len(SERIES)]
        ax.fill_between(x, est - moe, est + moe, color=color, alpha=0.18, linewidth=0)
        ax.plot(x, est, color=color, marker="o", markersize=3, linewidth=1.5)
        ax.set_title(group_label(group), loc="left", fontsize=9)
        ax.yaxis.set_major_formatter(lambda v, _p: f"{v:.1f}%")
        parts.append(
            f"{group_label(group)} from {acs_estimate(est[0], 'percent')} "
            f"({int(x[0]) - 4}\u2013{int(x[0])}) to {acs_estimate(est[-1], 'percent')} "
            f"({int(x[-1]) - 4}\u2013{int(x[-1])})"
        )
    axes[-1].set_xlabel("Last year of the ACS 5-year release")
    axes[-1].xaxis.set_major_locator(_year_locator())
    fig.suptitle(title, x=0.01, ha="left", fontsize=10, fontweight="bold")
    alt = (
        f"Line charts, one per group, each with its own scale: {title}. "
        + "; ".join(parts)
        + ". Shaded bands show 90% margins of error."
    )
    return fig, alt


def _year_locator() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def groups_in(series: pd.DataFrame) -> list[str]:
    return [g for g in ind.get(KEY).groups if g in set(series["group"])]
