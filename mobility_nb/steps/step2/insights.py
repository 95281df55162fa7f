"""Drafted preliminary insights (guide Step 2.3): strengths, concerns and widest gaps.

The sentences are a first draft for the analyst to edit, written by fixed rules stated on
the page: a *strength* is a metric where the place does better than at least 75% of
places nationally, a *concern* one where it does better than at most 25%. Every sentence
names its comparison set and says how sure it is, and follows only from the page's own
tests (:mod:`mobility_nb.claims`):

* only directional metrics that are not crime data can be strengths or concerns (never an
  exposure index, a count, the 80th income percentile, wealth parity or a crime rate);
* values flagged Weak, shared survey-area estimates, values Urban documents as not the
  place's own, zeros that may be non-reports, rates resting on very few events and values
  tied at an extreme are set aside and listed, so nobody wonders where they went;
* where Urban publishes a 95% interval, the national median must lie outside it;
* a gap is drafted only between groups of residents with different values, and called
  larger than the margin of error only when the z-test says so.

A short list says what these data cannot tell about the place (shared estimates, breaks
in series, Weak and missing metrics, documented artifacts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from mobility_nb.claims import ranking
from mobility_nb.claims.uncertainty import HIGHER, LOWER, WITHIN
from mobility_nb.data import catalog
from mobility_nb.data.records import records
from mobility_nb.render import formats
from mobility_nb.steps.step2 import gaps as gaps_module
from mobility_nb.steps.step2.standing import flag_text

STRENGTH_AT, CONCERN_AT = 75.0, 25.0
TOP_N = 3
MAX_NAMES = 6


@dataclass(frozen=True)
class Finding:
    """One strength, concern or gap in parts a summary can lay out (the sentence says it all)."""

    kind: str  # "strength" | "concern" | "gap"
    title: str  # the metric (and for a gap, the grouping)
    fact: str  # the value and its comparison
    sure: str  # how sure it is, in words
    quality: str = ""  # Urban's flag, "" when there is none


@dataclass(frozen=True)
class Insights:
    strengths: tuple[str, ...]
    concerns: tuple[str, ...]
    gaps: tuple[str, ...]
    set_aside: tuple[str, ...]  # would have been an insight but the data do not support it
    rule: str
    limits: tuple[str, ...] = field(default=())  # what these data cannot tell about the place
    findings: tuple[Finding, ...] = field(default=())  # the same claims, in parts

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]


def _level_word(level: str) -> str:
    return "counties" if level == "county" else "cities"


def short_names(text: str) -> str:
    """At most six names, then 'and N others'."""
    names = [n for n in text.split(", ") if n]
    if len(names) <= MAX_NAMES:
        return ", ".join(names)
    rest = len(names) - MAX_NAMES
    return ", ".join(names[:MAX_NAMES]) + f" and {rest} other{'s' if rest > 1 else ''}"


def _value(v) -> bool:
    return v is not None and not (isinstance(v, float) and v != v)


def _sure(row: Mapping, m: catalog.Metric) -> str:
    """How sure the comparison with the national median is, in words."""
    median = m.format(row["national_median"])
    side = row.get("vs_national", "")
    if side in (HIGHER, LOWER):
        where = "above" if side == HIGHER else "below"
        return (
            f"Its 95% interval ({m.format(row['lower'])} to {m.format(row['upper'])}) lies "
            f"entirely {where} the national median of {median}."
        )
    if m.bounds == "range":
        return (
            "Urban's bounds for this metric are a range, not a margin of error, so this is "
            f"not tested (national median {median})."
        )
    return f"Urban publishes no margin of error for this metric (national median {median})."


def _state_clause(row: Mapping, m: catalog.Metric) -> str:
    if not _value(row.get("state_median")):
        return ""
    median = m.format(row["state_median"])
    side = row.get("vs_state", "")
    if side in (HIGHER, LOWER):
        return f" It is {'above' if side == HIGHER else 'below'} the state median of {median}."
    if side == WITHIN:
        return f" The state median, {median}, is within its margin of error."
    return f" The state median is {median}."


def _sentence(row: Mapping, level: str, kind: str) -> str:
    m = catalog.get_metric(row["metric"])
    quality = flag_text(row["quality"], missing="no flag")
    caveat = " Use with caution (Marginal data)." if row["quality"] == "Marginal" else ""
    rank = ranking.better_than_sentence(row["national_better"], int(row["national_n"]), level)
    return (
        f"{kind}: {m.label} was {m.format(row['value'])} in {int(row['year'])}, {rank}. "
        f"{_sure(row, m)}{_state_clause(row, m)} Data quality: {quality}.{caveat}"
    )


def _sure_short(row: Mapping, m: catalog.Metric, state: str) -> str:
    """How sure, in a few words, with the US and state medians."""
    us = f"US median {m.format(row['national_median'])}"
    side = row.get("vs_national", "")
    if side in (HIGHER, LOWER):
        sure = f"Its 95% interval is entirely {'above' if side == HIGHER else 'below'} the {us}."
    elif m.bounds == "range":
        sure = f"Not tested: Urban's bounds are a range ({us})."
    else:
        sure = f"No margin of error published ({us})."
    if _value(row.get("state_median")):
        sure += f" {state} median {m.format(row['state_median'])}."
    return sure


def _finding(row: Mapping, level: str, kind: str, state: str = "State") -> Finding:
    m = catalog.get_metric(row["metric"])
    rank = ranking.better_than_sentence(row["national_better"], int(row["national_n"]), level)
    caveat = " Use with caution (Marginal data)." if row["quality"] == "Marginal" else ""
    return Finding(
        kind,
        m.label,
        f"{formats.metric_value_unit(m, row['value'])} in {int(row['year'])}, {rank}.",
        f"{_sure_short(row, m, state)}{caveat}",
        flag_text(row["quality"], missing=""),
    )


def _set_aside_reason(row: Mapping) -> str | None:
    """Why a would-be strength or concern is not used (None when it can be used)."""
    label, year = row["label"], int(row["year"])
    if row["quality"] == "Weak":
        return f"{label} ({year}) is flagged Weak, so it is not used here."
    if row.get("artifact"):
        return f"{label} ({year}) is set aside: {row['artifact']}"
    if row.get("shared_names"):
        return (
            f"{label} ({year}) is an estimate for a wider area shared with "
            f"{short_names(row['shared_names'])}, so it is not used here."
        )
    if row.get("few_events"):
        m = catalog.get_metric(row["metric"])
        return (
            f"{label} ({year}) rests on about {row['events']:.0f} {m.events_word}, too few "
            "to rank, so it is not used here."
        )
    if row.get("vs_national") == WITHIN:
        return (
            f"{label} ({year}) ranks in the top or bottom quarter, but the national median "
            "lies within its 95% interval, so it is not used here."
        )
    return None


def _eligible(row: Mapping) -> bool:
    if _set_aside_reason(row) is not None:
        return False
    good = row["national_better"] >= STRENGTH_AT
    side = row.get("vs_national", "")
    if side in (HIGHER, LOWER):  # a 95% interval exists: it must agree with the ranking
        comparison = row.get("comparison", "")
        above = side == HIGHER
        better = above if comparison == "higher_better" else not above
        return better == good
    return True


def draft(
    standing: pd.DataFrame,
    gaps: pd.DataFrame,
    level: str,
    trends: pd.DataFrame | None = None,
    place: str = "this place",
    state: str = "State",
) -> Insights:
    """Rule-based first draft of the Step 2.3 insights and the limits of the data."""
    rows = records(standing)
    ranked = [r for r in rows if _value(r.get("national_better"))]
    notable = [
        r
        for r in ranked
        if r["national_better"] >= STRENGTH_AT or r["national_better"] <= CONCERN_AT
    ]
    usable = [r for r in notable if _eligible(r)]
    strong = sorted(
        (r for r in usable if r["national_better"] >= STRENGTH_AT),
        key=lambda r: -r["national_better"],
    )[:TOP_N]
    weak_spots = sorted(
        (r for r in usable if r["national_better"] <= CONCERN_AT),
        key=lambda r: r["national_better"],
    )[:TOP_N]
    set_aside = [reason for r in notable if (reason := _set_aside_reason(r))]
    rule = (
        f"Strengths: better than at least {STRENGTH_AT:.0f}% of the US {_level_word(level)} "
        f"with data; concerns: better than at most {CONCERN_AT:.0f}%. Where Urban publishes a "
        "95% interval, the national median must lie outside it. Gaps: the largest differences "
        "between groups of residents relative to the overall value in the same file, tested "
        "first; a gap is called larger than the margin of error only when a z-test on the "
        "published bounds finds |z| > 1.96. Not used: Weak data, estimates shared with other "
        "places, values that are not the place's own, zeros that may be non-reports, rates "
        "resting on fewer than 20 events, and metrics without a better/worse direction "
        "(population shares, neighbor diversity, wealth parity, counts, the 80th income "
        "percentile) or that should not be ranked (crime and arrest rates)."
    )
    widest = _gap_rows(gaps, TOP_N)  # one pass over the gap table for both forms
    findings = (
        [_finding(r, level, "strength", state) for r in strong]
        + [_finding(r, level, "concern", state) for r in weak_spots]
        + gap_findings(widest)
    )
    return Insights(
        tuple(_sentence(r, level, "Strength") for r in strong),
        tuple(_sentence(r, level, "Concern") for r in weak_spots),
        tuple(gap_sentences(widest)),
        tuple(set_aside),
        rule,
        tuple(limits(standing, trends, level, place)),
        tuple(findings),
    )


def _gap_rows(gaps: pd.DataFrame, top: int) -> list[dict]:
    """Tested gaps first, then untested ones that still meet every other rule."""
    if gaps.empty:
        return []
    rows = [
        g
        for g in records(gaps)
        if g.get("residents", True) and g.get("comparison") in ("higher_better", "lower_better")
    ]
    tested = [g for g in rows if g["evidence"] == gaps_module.TESTED]
    untested = [g for g in rows if g["evidence"] in (gaps_module.UNTESTED, gaps_module.RANGE_ONLY)]
    return (tested + untested)[:top]


def _gap_sure(g: Mapping) -> str:
    if g["evidence"] == gaps_module.TESTED:
        return f"The gap is larger than the margin of error (z = {abs(g['z']):.1f})."
    if g["evidence"] == gaps_module.RANGE_ONLY:
        return "Urban's bounds here are a range, not a margin of error, so it is not tested."
    return "Urban publishes no margin of error for these groups, so the gap is not tested."


def gap_findings(gaps: pd.DataFrame | list[dict], top: int = TOP_N) -> list[Finding]:
    """The drafted gaps in parts: grouping, the two groups' values, how sure."""
    out = []
    for g in gaps if isinstance(gaps, list) else _gap_rows(gaps, top):
        m = catalog.get_metric(g["metric"])
        by = gaps_module.SUBGROUP_LABELS.get(g["subgroup_type"], g["subgroup_type"])
        overall = f"; overall {m.format(g['overall'])}" if _value(g.get("overall")) else ""
        caveat = f" {g['caveat']}" if g.get("caveat") else ""
        out.append(
            Finding(
                "gap",
                f"{m.label}, by {by}",
                f"{formats.metric_value_unit(m, g['best_value'])} for {g['best_group']} and "
                f"{m.format(g['worst_value'])} for {g['worst_group']} in {g['year']}{overall}.",
                _gap_sure(g) + caveat,
            )
        )
    return out


def gap_sentences(gaps: pd.DataFrame | list[dict], top: int = TOP_N) -> list[str]:
    """Tested gaps first, then untested ones that still meet every other rule."""
    out = []
    for g in gaps if isinstance(gaps, list) else _gap_rows(gaps, top):
        m = catalog.get_metric(g["metric"])
        by = gaps_module.SUBGROUP_LABELS.get(g["subgroup_type"], g["subgroup_type"])
        source = f"{g['release']} file" if g.get("release") else "subgroup file"
        overall = (
            f"; overall in that file {m.format(g['overall'])}" if _value(g.get("overall")) else ""
        )
        sure = _gap_sure(g)
        caveat = f" {g['caveat']}" if g.get("caveat") else ""
        out.append(
            f"Gap by {by}: {m.label} ({g['year']}, {source}) was {m.format(g['best_value'])} "
            f"for {g['best_group']} and {m.format(g['worst_value'])} for {g['worst_group']}"
            f"{overall}. {sure}{caveat}"
        )
    return out


def limits(
    standing: pd.DataFrame, trends: pd.DataFrame | None, level: str, place: str
) -> list[str]:
    """'What these data cannot tell you about this place', most important first."""
    rows = records(standing)
    have = [r for r in rows if _value(r["value"])]
    out: list[str] = []
    for text in dict.fromkeys(r["artifact"] for r in have if r.get("artifact")):
        out.append(text)
    shared: dict[str, list[str]] = {}
    for r in have:
        if r.get("shared_names"):
            shared.setdefault(r["shared_names"], []).append(r["label"])
    for names, labels in shared.items():
        out.append(
            f"{len(labels)} value(s) are estimates for a wider area, not for {place} alone "
            f"(the same value is published for {short_names(names)}): {'; '.join(labels)}. Compare "
            "them with care and do not treat them as local findings."
        )
    if trends is not None and not trends.empty and "break_note" in trends:
        broke = trends[trends["break_note"].astype(str) != ""]
        if len(broke):
            out.append(
                "Changes across 2021→2022 are not reported for "
                + "; ".join(broke["label"])
                + ": the American Community Survey switched to new survey areas in 2022, so a "
                "jump there can be geography, not change."
            )
    weak = [r["label"] for r in have if r["quality"] == "Weak"]
    if weak:
        out.append(
            f"{len(weak)} metric(s) are flagged Weak (Urban: a community should not act on "
            f"this information): {'; '.join(weak)}."
        )
    zeros = [r["label"] for r in have if r.get("unreported_zero")]
    if zeros:
        out.append(f"A value of 0 may mean not reported, not none: {'; '.join(zeros)}.")
    if any(catalog.get_metric(r["metric"]).crime for r in have):
        out.append(
            "Crime and arrest rates depend on which police agencies report to the FBI, and the "
            "FBI advises against ranking places by them: they are shown, not ranked."
        )
    if any(
        r["comparison"] == "context" and catalog.get_metric(r["metric"]).even_mix_from for r in have
    ):
        out.append(
            "Neighbor diversity mostly reflects who lives in the "
            + ("county" if level == "county" else "city")
            + ": each index is set beside the level an evenly mixed place with the same "
            "population would have, not ranked against other places."
        )
    missing = len(rows) - len(have)
    if missing:
        out.append(
            f"{missing} of the {len(rows)} metrics Urban publishes for {_level_word(level)} have "
            "no value here (see What is missing)."
        )
    return out
