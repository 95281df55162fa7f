"""Fill a plan with numbers: baselines, computed targets, feasibility, progress, data gaps.

This is the one place that ties the plan to data; each step is a small pure function in
:mod:`.baselines`, :mod:`.targets` and :mod:`.progress`. Problems that belong to one
indicator (no data for this jurisdiction, ACS store missing, unknown subgroup) become that
indicator's notes and data gaps, so one bad row never blanks the whole page.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mobility_nb.data import states
from mobility_nb.errors import MobilityNBError
from mobility_nb.plan import targets as tg
from mobility_nb.plan.baselines import (
    Feasibility,
    Observation,
    Trend,
    feasibility,
    observed,
    pick,
    trend,
)
from mobility_nb.plan.progress import NO_DATA, Progress, judge, reconcile
from mobility_nb.plan.schema import Action, Indicator, Plan
from mobility_nb.plan.sources import (
    Place,
    Sources,
    SourceUnavailableError,
    disaggregation_available,
    empty_history,
    supports_cross_section,
)
from mobility_nb.plan.units import Units, gap_units, units_for

LEVEL_PLURAL = {"county": "counties", "place": "cities"}
DISAGGREGATION_WORDS = {
    "race_ethnicity": "race/ethnicity",
    "race_share": "neighborhood race share",
    "income": "income",
    "age": "age",
    "gender": "gender",
    "tenure": "housing tenure",
    "disability": "disability",
    "industry": "industry",
    "mothers_education": "mother's education",
    "geography": "neighborhood/geography",
}


@dataclass(frozen=True)
class IndicatorResult:
    """One row of the filled-in plan."""

    number: int
    action: Action
    indicator: Indicator
    tracked: str  # what the numbers measure, e.g. "Gap: White minus Black"
    units: Units
    direction: int  # +1 higher is better, -1 lower is better, 0 unknown
    source_text: str
    history: pd.DataFrame  # the tracked series: year, value, lower, upper, quality
    baseline: Observation | None
    current: Observation | None
    target: tg.ComputedTarget | None
    trend: Trend | None
    feasibility: Feasibility | None
    progress: Progress
    gaps: tuple[str, ...]
    notes: tuple[str, ...]
    metric: Any = None  # catalog Metric for Mobility Metrics indicators

    @property
    def status(self) -> str:
        return self.progress.status


@dataclass(frozen=True)
class PlanResult:
    plan: Plan
    jurisdiction: Place
    current_year: int
    results: tuple[IndicatorResult, ...]
    files: tuple[Path, ...]


def disaggregation_text(items: tuple[str, ...]) -> str:
    return ", ".join(DISAGGREGATION_WORDS.get(d, d) for d in items)


def direction_sign(word: str) -> int:
    return {"higher": 1, "lower": -1}.get(word, 0)


def assess_plan(
    plan: Plan,
    jurisdiction: Place,
    sources: Sources | None = None,
    current_year: int = 0,
) -> PlanResult:
    """Evaluate every indicator of ``plan`` for ``jurisdiction``."""
    sources = sources or Sources()
    results = []
    for number, (action, indicator) in enumerate(plan.indicators(), start=1):
        results.append(
            _assess_one(number, plan, action, indicator, jurisdiction, sources, current_year)
        )
    return PlanResult(
        plan=plan,
        jurisdiction=jurisdiction,
        current_year=current_year,
        results=tuple(results),
        files=tuple(sources.files()),
    )


def _assess_one(
    number: int,
    plan: Plan,
    action: Action,
    ind: Indicator,
    jur: Place,
    sources: Sources,
    current_year: int,
) -> IndicatorResult:
    notes: list[str] = []
    gaps: list[str] = []
    provider = sources.for_indicator(ind)
    metric = None
    if ind.source.kind == "mobility_metric":
        from mobility_nb.data.catalog import get_metric

        metric = get_metric(ind.source.metric)
    unit, default_direction = ind.unit, getattr(metric, "direction", "")
    if ind.source.kind == "acs" and hasattr(provider, "units"):
        acs_unit, acs_direction = provider.units(ind)
        unit, default_direction = unit or acs_unit, acs_direction
    units = units_for(unit, metric)
    direction = direction_sign(ind.direction) or direction_sign(default_direction)
    if metric is not None and jur.level not in metric.levels:
        gaps.append(
            f"Urban does not publish {metric.metric} for {LEVEL_PLURAL.get(jur.level, jur.level)}"
        )
    unavailable = ""
    try:
        history = provider.history(ind, jur)
    except SourceUnavailableError as exc:
        history = empty_history()
        unavailable = str(exc)
        if ind.source.kind == "local":
            unavailable = "no data source yet: the coalition has to start collecting it"
        gaps.append(unavailable)
    target_spec = ind.target
    tracked = "Overall"
    gap_rule = target_spec is not None and target_spec.rule == "close_subgroup_gap"
    if gap_rule:
        assert target_spec is not None
        series, tracked, problem = _gap_series(
            history,
            target_spec.subgroup_type,
            target_spec.group,
            target_spec.reference,
            ind.baseline_year or current_year or None,
        )
        if problem:
            notes.append(problem)
        units = gap_units(units)
        direction = -1  # the gap should shrink
    elif ind.source.subgroup_type != "all":
        series, problem = _subgroup_series(history, ind.source.subgroup_type, ind.source.subgroup)
        tracked = ind.source.subgroup
        if problem:
            notes.append(problem)
    else:
        series = history[history["subgroup_type"] == "all"]
    series = observed(series)[["year", "value", "lower", "upper", "quality"]].reset_index(drop=True)
    if series.empty and not unavailable:
        gaps.append(f"no values for {jur.name} in this source")

    baseline_cap = ind.baseline_year or current_year or None
    baseline = pick(series, baseline_cap)
    if baseline is None and not series.empty and ind.baseline_year:
        notes.append(
            f"no value in or before the baseline year {ind.baseline_year}; the "
            f"first value is for {int(series['year'].min())}"
        )
    current = pick(series, current_year or None)
    if baseline is not None and baseline.quality == "Weak":
        gaps.append(
            f"the {baseline.year} baseline is rated Weak: Urban advises not to act on "
            "it; look for local data"
        )
    elif baseline is not None and baseline.quality == "Marginal":
        notes.append(f"the {baseline.year} baseline is rated Marginal: use with caution")

    computed = None
    if target_spec is not None:
        computed = _compute_target(
            plan, ind, jur, provider, series, history, baseline, direction, units
        )
        if not direction and computed.value is not None and baseline is not None:
            direction = int(np.sign(computed.value - baseline.value))
    hist_trend = trend(series, baseline.year) if baseline is not None else None
    feas = None
    if (
        baseline is not None
        and computed is not None
        and computed.value is not None
        and direction
        and computed.year > baseline.year
    ):
        feas = feasibility(
            baseline, computed.value, computed.year, direction, hist_trend, units.per_year
        )
    if computed is not None and computed.value is None:
        notes.append(computed.explanation)
    if computed is not None and baseline is not None:
        warning = tg.worse_than_baseline(
            computed, baseline.value, baseline.year, direction, units.value
        )
        if warning:
            computed = replace(computed, warning=warning)
            notes.append(warning)
    progress = judge(
        baseline,
        current,
        computed.value if computed is not None else None,
        computed.year if computed is not None else None,
        direction,
        units.value,
    )
    progress = _explain(progress, feas, ind, baseline, current)
    gaps.extend(_disaggregation_gaps(sources, ind, jur))
    return IndicatorResult(
        number=number,
        action=action,
        indicator=ind,
        tracked=tracked,
        units=units,
        direction=direction,
        source_text=ind.data_source or _describe(provider, ind),
        history=series,
        baseline=baseline,
        current=current,
        target=computed,
        trend=hist_trend,
        feasibility=feas,
        progress=progress,
        gaps=tuple(gaps),
        notes=tuple(notes),
        metric=metric,
    )


ACS_PERIOD = 5


def _explain(
    progress: Progress,
    feas: Feasibility | None,
    ind: Indicator,
    baseline: Observation | None,
    current: Observation | None,
) -> Progress:
    """Add the sentences a status needs to be read correctly."""
    extra = []
    if (
        ind.source.kind == "acs"
        and progress.z is not None
        and baseline
        and current
        and current.year - baseline.year < ACS_PERIOD
    ):
        extra.append(
            f"The ACS 5-year periods ending {baseline.year} and {current.year} share "
            "survey years; the test ignores that overlap."
        )
    both = reconcile(progress, feas)
    if both:
        extra.append(both)
    if not extra:
        return progress
    return replace(progress, detail=f"{progress.detail}. " + " ".join(extra))


def _describe(provider: Any, ind: Indicator) -> str:
    try:
        return str(provider.describe(ind))
    except MobilityNBError:
        return ind.source.kind


def _available(history: pd.DataFrame, subgroup_type: str) -> list[str]:
    rows = history[history["subgroup_type"] == subgroup_type]
    return sorted(set(rows["subgroup"].astype(str)))


def _unknown_subgroup(name: str, subgroup_type: str, available: list[str]) -> str:
    if not available:
        return f"no {subgroup_type} subgroups in the data for this measure and jurisdiction"
    close = difflib.get_close_matches(name, available, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"subgroup {name!r} not found{hint}; {subgroup_type} subgroups in the data: "
        + ", ".join(available)
    )


def _subgroup_series(
    history: pd.DataFrame, subgroup_type: str, subgroup: str
) -> tuple[pd.DataFrame, str]:
    rows = history[(history["subgroup_type"] == subgroup_type) & (history["subgroup"] == subgroup)]
    if rows.empty:
        return rows, _unknown_subgroup(subgroup, subgroup_type, _available(history, subgroup_type))
    return rows, ""


def _gap_series(
    history: pd.DataFrame,
    subgroup_type: str,
    group: str,
    reference: str,
    baseline_cap: int | None = None,
) -> tuple[pd.DataFrame, str, str]:
    """reference - group per year, signed so the baseline gap is positive.

    A shrinking gap then goes down, and a group overtaking the reference goes below zero.
    Bounds combine the two half-widths as independent errors: sqrt(h1^2 + h2^2).
    """
    tracked = f"Gap: {reference} vs {group}"
    a, problem_a = _subgroup_series(history, subgroup_type, group)
    b, problem_b = _subgroup_series(history, subgroup_type, reference)
    problem = "; ".join(p for p in (problem_a, problem_b) if p)
    if problem:
        return empty_history(), tracked, problem
    a = observed(a).set_index("year")
    b = observed(b).set_index("year")
    years = a.index.intersection(b.index)
    if len(years) == 0:
        return (
            empty_history(),
            tracked,
            (f"{group} and {reference} have no year with values for both"),
        )
    a, b = a.loc[years], b.loc[years]
    signed = b["value"] - a["value"]
    at_baseline = signed[signed.index <= baseline_cap] if baseline_cap else signed
    if at_baseline.empty:
        at_baseline = signed
    gap = signed * (1.0 if at_baseline.iloc[-1] >= 0 else -1.0)
    half = np.sqrt(((a["upper"] - a["lower"]) / 2) ** 2 + ((b["upper"] - b["lower"]) / 2) ** 2)
    quality = [_worst(qa, qb) for qa, qb in zip(a["quality"], b["quality"], strict=True)]
    out = pd.DataFrame(
        {
            "year": years.astype(int),
            "value": gap.to_numpy(),
            "lower": (gap - half).to_numpy(),
            "upper": (gap + half).to_numpy(),
            "quality": quality,
            "subgroup_type": "gap",
            "subgroup": tracked,
        }
    )
    return out, tracked, ""


_QUALITY_RANK = {"Strong": 0, "Marginal": 1, "Weak": 2}


def _worst(a: Any, b: Any) -> str | None:
    flags = [q for q in (a, b) if isinstance(q, str) and q in _QUALITY_RANK]
    if len(flags) < 2:
        return None
    return max(flags, key=_QUALITY_RANK.__getitem__)


def _compute_target(
    plan: Plan,
    ind: Indicator,
    jur: Place,
    provider: Any,
    series: pd.DataFrame,
    history: pd.DataFrame,
    baseline: Observation | None,
    direction: int,
    units: Units,
) -> tg.ComputedTarget:
    spec = ind.target
    assert spec is not None
    rule, year = spec.rule, spec.year
    fmt = units.value
    if rule == "value":
        assert spec.value is not None
        return tg.absolute(spec.value, year, fmt, spec.value_note)
    if baseline is None:
        return tg.unavailable(
            rule, year, f"Target rule {rule} needs a baseline value, and there is none."
        )
    if rule == "close_subgroup_gap":
        group = _subgroup_series(history, spec.subgroup_type, spec.group)[0]
        ref = _subgroup_series(history, spec.subgroup_type, spec.reference)[0]
        gv = group[group["year"] == baseline.year]["value"]
        rv = ref[ref["year"] == baseline.year]["value"]
        value_units = Units(
            unit=units.unit,
            per=units.per,
            decimals=units.decimals,
            metric=getattr(units, "metric", None),
        )
        return tg.close_subgroup_gap(
            spec.group,
            float(gv.iloc[-1]),
            spec.reference,
            float(rv.iloc[-1]),
            baseline.year,
            spec.percent or 0,
            year,
            value_units.value,
            units.value,
        )
    if rule == "close_gap_to_benchmark" and not isinstance(spec.benchmark, str):
        assert spec.benchmark is not None
        return tg.close_gap_to_benchmark(
            baseline.value,
            baseline.year,
            spec.benchmark,
            "the benchmark",
            spec.percent or 0,
            year,
            fmt,
            spec.benchmark_note,
        )
    if not supports_cross_section(provider):
        return tg.unavailable(
            rule,
            year,
            f"Target rule {rule} compares with other "
            "jurisdictions, which this data source cannot provide.",
        )
    cross = provider.cross_section(ind, jur.level, baseline.year)
    state_name = states.name(jur.state) or jur.state
    where = f"{state_name} {LEVEL_PLURAL.get(jur.level, 'jurisdictions')}"
    if rule == "reach_state_median":
        return tg.reach_state_median(cross, jur.state, where, baseline.year, year, fmt)
    if rule == "close_gap_to_benchmark":
        if spec.benchmark == "state_median":
            values = tg.state_values(cross, jur.state)
            label = f"the median of the {len(values)} {where}"
        else:
            values = cross["value"]
            label = (
                f"the national median of the {len(values)} "
                f"{LEVEL_PLURAL.get(jur.level, 'jurisdictions')} with data"
            )
        if len(values) < tg.MIN_STATE_VALUES:
            return tg.unavailable(
                rule, year, f"Cannot compute {label}: too few values in {baseline.year}."
            )
        bench = tg.median_of(values)
        return tg.close_gap_to_benchmark(
            baseline.value,
            baseline.year,
            bench,
            f"{label} in {baseline.year}",
            spec.percent or 0,
            year,
            fmt,
        )
    # reach_peer_top_quartile
    if not direction:
        return tg.unavailable(
            rule, year, "The peer top quartile needs a better direction (higher or lower)."
        )
    names = dict(zip(cross["geoid"], cross["name"], strict=True))
    if spec.peers:
        peers, note = list(spec.peers), " (named in the target)"
    elif plan.peers:
        peers, note = list(plan.peers), " (named in the plan)"
    else:
        peers = list(cross.loc[cross["state"] == jur.state, "geoid"])
        note = f" (the other {where})"
    return tg.reach_peer_top_quartile(
        cross, peers, jur.geoid, direction, baseline.year, year, fmt, names, peer_note=note
    )


def _disaggregation_gaps(sources: Sources, ind: Indicator, jur: Place) -> list[str]:
    if not ind.disaggregation:
        return ["no disaggregation planned (e.g. by race/ethnicity)"]
    try:
        available = disaggregation_available(sources, ind, jur)
    except (SourceUnavailableError, MobilityNBError):
        return []
    out = []
    for item, ok in available.items():
        word = DISAGGREGATION_WORDS.get(item, item)
        if ok is False:
            if ind.source.kind == "local":
                out.append(f"the local file has no subgroup rows, so no {word} breakdown")
            else:
                out.append(f"no {word} breakdown of this measure in the data for this jurisdiction")
    return out


def status_counts(result: PlanResult) -> pd.DataFrame:
    """How many indicators are in each status (every status listed, zeros included)."""
    from mobility_nb.plan.progress import STATUSES

    counts = pd.Series([r.status for r in result.results], dtype=object).value_counts()
    return pd.DataFrame(
        {"status": list(STATUSES), "indicators": [int(counts.get(s, 0)) for s in STATUSES]}
    )


__all__ = ["IndicatorResult", "PlanResult", "assess_plan", "status_counts", "NO_DATA"]
