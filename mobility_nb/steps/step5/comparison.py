"""The state and national comparison of a county's ACS indicators, as page content.

The facts come from :mod:`mobility_nb.acs.context` (one vintage per comparison, the
sound-claims rules); this module words them: a table with one row per indicator and
one sentence per indicator that says only what the rules allow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from mobility_nb.acs import context as ctx
from mobility_nb.claims import ranking
from mobility_nb.claims.uncertainty import HIGHER, LOWER, WITHIN
from mobility_nb.render.formats import MISSING, acs_estimate, acs_moe, html_text
from mobility_nb.render.tables import Html

SHORT_VERDICT = {HIGHER: "above", LOWER: "below", WITHIN: "within MOE"}


def value_text(c: ctx.IndicatorContext) -> str:
    """'$75,394 \u00b1$2,534 (High)'."""
    moe = acs_moe(c.moe, c.unit)
    moe_part = f" {moe}" if moe != MISSING else " (no MOE)"
    rel = f" ({c.reliability})" if c.reliability != "Unknown" else ""
    return acs_estimate(c.estimate, c.unit) + moe_part + rel


def _standing(c: ctx.IndicatorContext, comp: ctx.SetComparison) -> str:
    """'above 82% of 133' or why there is no rank."""
    if comp.ranked:
        return f"above {ranking.percent_text(comp.percentile)} of {comp.n:,}"
    return comp.note.replace("not ranked: ", "not ranked (") + (
        ")" if comp.note.startswith("not ranked: ") else ""
    )


def _median(c: ctx.IndicatorContext, comp: ctx.SetComparison) -> str:
    if comp.n < ctx.MIN_PLACES:
        return f"{MISSING} ({comp.n} with data)"
    return acs_estimate(comp.median, c.unit)


def _verdicts(c: ctx.IndicatorContext, state_abbr: str) -> str:
    parts = []
    for label, comp in ((state_abbr, c.state), ("US", c.nation)):
        word = SHORT_VERDICT.get(comp.versus)
        if word:
            parts.append(f"{word} {label}")
    return ", ".join(parts) if parts else "not tested"


def _computed_from(c: ctx.IndicatorContext) -> str:
    others = c.set_variables
    if others.startswith(c.variables + " (") and ";" not in others:
        return c.variables
    return f"this county: {c.variables}; all counties: {others}"


def computed_from(contexts: Sequence[ctx.IndicatorContext]) -> pd.DataFrame:
    """What each compared value was computed from (the county's and the other counties')."""
    return pd.DataFrame(
        {
            "Indicator": [c.label for c in contexts],
            "Computed from": [_computed_from(c) for c in contexts],
        }
    )


def context_display(
    contexts: Sequence[ctx.IndicatorContext], state_name: str, state_abbr: str
) -> pd.DataFrame:
    """One row per indicator: vintage, the county's value, medians, ranks, verdicts."""
    rows = []
    for c in contexts:
        rows.append(
            {
                "Indicator": Html(
                    f"{html_text(c.label)}<span class='mnb-sub'>{html_text(c.vintage)}</span>"
                ),
                "This county": value_text(c),
                f"{state_name} median": _median(c, c.state),
                f"Ranks in {state_name}": _standing(c, c.state),
                "US median": _median(c, c.nation),
                "Ranks in the US": _standing(c, c.nation),
                "Against the medians (90%)": _verdicts(c, state_abbr),
            }
        )
    return pd.DataFrame(rows)


def sentence(c: ctx.IndicatorContext, place_name: str, state_name: str) -> str:
    """What one comparison allows a reader to say, with its vintage and comparison sets."""
    moe = acs_moe(c.moe, c.unit)
    value = acs_estimate(c.estimate, c.unit) + (f" ({moe})" if moe != MISSING else " (no MOE)")
    rel = f", reliability {c.reliability}" if c.reliability != "Unknown" else ""
    parts = [f"{c.label}, {c.vintage}: {place_name} {value}{rel}."]
    for comp, where in ((c.state, f"the counties of {state_name}"), (c.nation, "all US counties")):
        if comp.n < ctx.MIN_PLACES:
            parts.append(
                f"Fewer than {ctx.MIN_PLACES} of {where} have a value in this vintage, so "
                "there is no comparison."
            )
            continue
        where_median = f"{where} ({acs_estimate(comp.median, c.unit)})"
        if not comp.ranked and not math.isfinite(c.moe):
            parts.append(
                f"Beside the median of {where_median} it is neither tested nor ranked: "
                "without a margin of error its reliability cannot be judged."
            )
            continue
        verdict = ctx.versus_phrase(comp, where_median)
        parts.append(f"It is {verdict}; {_rank_clause(c, comp)}.")
    return " ".join(parts)


def _rank_clause(c: ctx.IndicatorContext, comp: ctx.SetComparison) -> str:
    return f"it {ctx.rank_phrase(c, comp)}" if comp.ranked else comp.note


def not_compared(contexts: Sequence[ctx.IndicatorContext]) -> list[str]:
    """Indicators the store holds no national comparison for (labels)."""
    done = {c.indicator for c in contexts}
    return [i.label for i in ctx.candidate_indicators() if i.key not in done]


def import_hint() -> str:
    return "mobility-nb census import --plan params/census/national.yaml"
