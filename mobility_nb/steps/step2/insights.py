"""Drafted preliminary insights (guide Step 2.3): strengths, concerns and widest gaps.

The sentences are a first draft for the analyst to edit, written by fixed rules stated on
the page: a *strength* is a metric where the place does better than at least 75% of
places nationally, a *concern* one where it does better than at most 25%. Metrics flagged
Weak are never used for an insight (Urban: "a community should not act on this
information"); they are listed separately so nobody wonders where they went.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mobility_nb.data import catalog
from mobility_nb.steps.step2.standing import flag_text

STRENGTH_AT, CONCERN_AT = 75.0, 25.0
TOP_N = 3


@dataclass(frozen=True)
class Insights:
    strengths: tuple[str, ...]
    concerns: tuple[str, ...]
    gaps: tuple[str, ...]
    set_aside: tuple[str, ...]  # would have been an insight but the data are Weak
    rule: str


def _level_word(level: str) -> str:
    return "counties" if level == "county" else "cities"


def _sentence(row: pd.Series, level: str, kind: str) -> str:
    m = catalog.get_metric(row["metric"])
    quality = flag_text(row["quality"], missing="no flag")
    caveat = " Use with caution (Marginal data)." if row["quality"] == "Marginal" else ""
    state = (
        f"; the state median is {m.format(row['state_median'])}"
        if pd.notna(row["state_median"])
        else ""
    )
    return (
        f"{kind}: {m.label} was {m.format(row['value'])} in {int(row['year'])}, better than "
        f"{row['national_better']:.0f}% of US {_level_word(level)}{state} "
        f"(data quality: {quality}).{caveat}"
    )


def draft(standing: pd.DataFrame, gaps: pd.DataFrame, level: str) -> Insights:
    """Rule-based first draft of the Step 2.3 insights."""
    ranked = standing[standing["national_better"].notna()]
    usable = ranked[ranked["quality"] != "Weak"]
    strong = (
        usable[usable["national_better"] >= STRENGTH_AT]
        .sort_values("national_better", ascending=False)
        .head(TOP_N)
    )
    weak_spots = (
        usable[usable["national_better"] <= CONCERN_AT].sort_values("national_better").head(TOP_N)
    )
    set_aside = ranked[
        (ranked["quality"] == "Weak")
        & ((ranked["national_better"] >= STRENGTH_AT) | (ranked["national_better"] <= CONCERN_AT))
    ]
    gap_lines: list[str] = []
    if not gaps.empty:
        for g in gaps[gaps["reliable"]].head(TOP_N).to_dict("records"):
            m = catalog.get_metric(g["metric"])
            gap_lines.append(
                f"Gap: {m.label} ({g['year']}) was {m.format(g['best_value'])} for "
                f"{g['best_group']} and {m.format(g['worst_value'])} for {g['worst_group']}"
                + (f" (overall {m.format(g['overall'])})." if pd.notna(g["overall"]) else ".")
            )
    rule = (
        f"Strengths: better than at least {STRENGTH_AT:.0f}% of US {_level_word(level)}. "
        f"Concerns: better than at most {CONCERN_AT:.0f}%. Gaps: the largest differences "
        "between groups relative to the overall value, counting only gaps where neither group "
        "is flagged Weak and published confidence bounds do not overlap. Weak metrics are "
        "never used. Metrics without a better/worse direction (e.g. population shares, "
        "wealth parity) are not ranked."
    )
    return Insights(
        tuple(_sentence(r, level, "Strength") for r in strong.to_dict("records")),
        tuple(_sentence(r, level, "Concern") for r in weak_spots.to_dict("records")),
        tuple(gap_lines),
        tuple(
            f"{r['label']} ({int(r['year'])}) is flagged Weak, so it is not used here."
            for r in set_aside.to_dict("records")
        ),
        rule,
    )
