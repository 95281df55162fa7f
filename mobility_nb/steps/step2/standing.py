"""Where a jurisdiction stands on each metric: latest value, percentile ranks, medians.

Ranks compare the jurisdiction with every county (or every city) that has a value for the
same metric in the same year, nationally and within its state. Percentiles are the
share of jurisdictions with a lower value (ties count half), so the median place sits at
50. For metrics where lower is better we also report the "better than" share, which is
what readers actually want to know.

Only metrics the catalog calls directional and that are not crime data get a "better
than" share (:mod:`mobility_nb.claims`): exposure indices are set against the place's own
even-mix level, counts and the 80th income percentile are described, and a value tied at
the lowest or highest value of its distribution reports the tie instead of a rank. Zeros
that may be non-reports, and values Urban documents as not the place's own, are left out
of the ranking pool.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from mobility_nb.claims import artifacts, ranking
from mobility_nb.claims.uncertainty import Estimate, versus_benchmark
from mobility_nb.data import catalog
from mobility_nb.data.metrics import derived, rows_for
from mobility_nb.data.records import records
from mobility_nb.render.formats import MISSING

INPUT_COLUMNS = ["metric", "year", "value", "lower", "upper", "quality"]


def ranked(tidy: pd.DataFrame) -> pd.DataFrame:
    """Every value's national and in-state percentile and the matching medians.

    Computed once per loaded table with vectorised group ranks (a warm batch kernel reuses
    it for every page). Percentile = share of places below, ties counting half, which is
    ``(average rank - 0.5) / n``.
    """
    return derived(tidy, "ranked", _rank_all)


def _rank_all(tidy: pd.DataFrame) -> pd.DataFrame:
    frame = tidy.loc[tidy["value"].notna(), ["geoid", "metric", "year", "state", "value"]]
    frame = frame[~_left_out(frame)]
    nat = ranking.rank_columns(frame, ["metric", "year"], "national")
    st = ranking.rank_columns(frame, ["metric", "year", "state"], "state")
    out = pd.concat([frame, nat, st], axis=1)
    out["national_pct"] = (
        (out["national_below"] + 0.5 * out["national_ties"]) / out["national_n"] * 100
    )
    out["state_pct"] = (out["state_below"] + 0.5 * out["state_ties"]) / out["state_n"] * 100
    return out


def _left_out(frame: pd.DataFrame) -> np.ndarray:
    """Rows kept out of every ranking pool: possible non-reports and documented non-own values."""
    zero_metrics = [m.metric for m in catalog.load_catalog().itertuples() if m.zero_unreported]
    out = (frame["metric"].isin(zero_metrics) & frame["value"].eq(0)).to_numpy().copy()
    for a in artifacts.known_artifacts():
        if a.effect == "not_own_value" and a.geoids:
            hit = frame["metric"].isin(a.metrics) & frame["geoid"].isin(a.geoids)
            if a.years:
                hit &= frame["year"].isin(a.years)
            out |= hit.to_numpy()
    return out


def flag_text(quality: object, missing: str = MISSING) -> str:
    """A quality flag for display; missing flags (None or NaN) become ``missing``."""
    return quality if isinstance(quality, str) and quality else missing


def better_than(pct: float, direction: str) -> float:
    """Percentile turned into 'better than X% of places' using the metric's direction.

    ``direction`` is a catalog direction ("higher"/"lower") or comparison kind
    ("higher_better"/"lower_better"); anything else has no better/worse reading.
    """
    if np.isnan(pct):
        return float("nan")
    if direction in ("higher", "higher_better"):
        return pct
    if direction in ("lower", "lower_better"):
        return 100.0 - pct
    return float("nan")


def standing(
    tidy: pd.DataFrame,
    geoid: str,
    level: str,
    population: float | None = None,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per catalog metric for the level, with value, CI, flag, ranks and medians.

    Metrics with no value for the jurisdiction are kept (value NaN) so the page can say
    what is missing instead of silently dropping it. Besides the ranks, each row says why
    a metric is not ranked (``rank_note``), whether its value is a shared survey-area
    estimate (``shared_with``, named through ``names``), its even-mix level (exposure
    indices), how many events a rate rests on (from ``population``), and where the
    national and state medians lie against its 95% interval (``vs_national``/``vs_state``).
    """
    ranks = ranked(tidy)
    own = rows_for(tidy, geoid, INPUT_COLUMNS)
    own = own.iloc[np.argsort(own["year"].to_numpy(), kind="stable")]
    rows = _standing_rows(
        tidy, geoid, level, records(own), records(rows_for(ranks, geoid)), population, names
    )
    return pd.DataFrame(rows)


def standing_rows(
    tidy: pd.DataFrame,
    places: Sequence[tuple[str, float | None]],
    level: str,
    names: Mapping[str, str] | None = None,
) -> list[list[dict]]:
    """The rows of :func:`standing` for many (geoid, population) places at once.

    Exactly the same rows, from the same code, with the place's table rows gathered in
    one pass instead of one look-up per place: a national comparison report needs 3,143
    standings, and per-place look-ups cost more than the standings themselves.
    """
    ranks = ranked(tidy)
    geoids = [g for g, _ in places]
    own = _records_by_place(tidy, geoids, INPUT_COLUMNS, by_year=True)
    ranked_rows = _records_by_place(ranks, geoids, None, by_year=False)
    return [
        _standing_rows(tidy, g, level, own[i], ranked_rows[i], population, names)
        for i, (g, population) in enumerate(places)
    ]


def _standing_rows(
    tidy: pd.DataFrame,
    geoid: str,
    level: str,
    own_records: list[dict],
    rank_records: list[dict],
    population: float | None,
    names: Mapping[str, str] | None,
) -> list[dict]:
    """One place's standing rows from its own table rows (year order) and rank rows."""
    latest: dict[str, dict] = {}  # metric -> row of its latest year with a value
    flagged: dict[str, dict] = {}  # metric -> row of its latest year with a quality flag
    values: dict[tuple[str, int], float] = {}
    for r in own_records:
        if r["value"] == r["value"]:
            latest[r["metric"]] = r
            values[(r["metric"], int(r["year"]))] = float(r["value"])
        if isinstance(r["quality"], str):
            flagged[r["metric"]] = r
    own_ranks = {(str(k["metric"]), int(k["year"])): k for k in rank_records}
    shared = artifacts.shared_estimates(tidy, level).for_place(geoid)
    rows = []
    for m in catalog.metrics_for(level):
        row: dict = {
            "metric": m.metric,
            "pillar": m.pillar,
            "predictor": m.predictor,
            "label": m.label,
            "unit": m.unit,
            "direction": m.direction,
            "comparison": m.comparison,
        }
        r = latest.get(m.metric)
        if r is not None:
            year = int(r["year"])
            row.update(_ranked_row(m, r, own_ranks.get((m.metric, year)), level, geoid))
            others = shared.get((m.metric, year), ())
            row["shared_with"] = others
            row["shared_names"] = ", ".join((names or {}).get(g, g) for g in others)
            mix = values.get((m.even_mix_from, year)) if m.even_mix_from else None
            row["even_mix"] = 1.0 - mix if mix is not None else np.nan
            events = ranking.estimated_events(m, row["value"], population)
            row["events"] = events
            row["few_events"] = ranking.few_events(events)
            row["rank_note"] = _rank_note(m, row)
        else:
            f = flagged.get(m.metric)
            row.update(
                year=int(f["year"]) if f else np.nan,
                value=np.nan,
                lower=np.nan,
                upper=np.nan,
                quality=f["quality"] if f else None,
                national_median=np.nan,
                state_median=np.nan,
                national_n=0,
                state_n=0,
                national_ties=0,
                national_extreme=None,
                national_pct=np.nan,
                state_pct=np.nan,
                national_better=np.nan,
                state_better=np.nan,
                vs_national="",
                vs_state="",
                artifact="",
                unreported_zero=False,
                shared_with=(),
                shared_names="",
                even_mix=np.nan,
                events=np.nan,
                few_events=False,
                rank_note="no value",
            )
        rows.append(row)
    return rows


def _records_by_place(
    frame: pd.DataFrame, geoids: Sequence[str], columns: Sequence[str] | None, by_year: bool
) -> list[list[dict]]:
    """Each place's rows of ``frame`` as :func:`records` gives them for ``rows_for``
    (optionally in stable year order), converted in one pass for all places."""
    index = derived(frame, "rows-by-geoid", lambda f: f.groupby("geoid", observed=True).indices)
    empty = np.array([], dtype=np.intp)
    parts = [index.get(g, empty) for g in geoids]
    counts = np.array([len(p) for p in parts], dtype=np.intp)
    positions = np.concatenate(parts) if parts else empty
    sub = (
        frame.iloc[positions]
        if columns is None
        else frame.iloc[positions, [frame.columns.get_loc(c) for c in columns]]
    )
    if by_year and len(sub):
        place = np.repeat(np.arange(len(parts)), counts)
        sub = sub.iloc[np.lexsort((sub["year"].to_numpy(), place))]
    rows = records(sub)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return [rows[bounds[i] : bounds[i + 1]] for i in range(len(parts))]


def _ranked_row(m: catalog.Metric, r: Mapping, k: Mapping | None, level: str, geoid: str) -> dict:
    """Value, bounds, flag and the rank facts of one latest-year value."""
    year = int(r["year"])
    quality = r["quality"] if isinstance(r["quality"], str) else None
    artifact = artifacts.not_own_value(level, geoid, m.metric, year)
    zero = artifacts.possibly_unreported(m, float(r["value"]))
    out = {
        "year": year,
        "value": float(r["value"]),
        "lower": float(r["lower"]),
        "upper": float(r["upper"]),
        "quality": quality,
        "artifact": artifact.says if artifact else "",
        "unreported_zero": zero,
    }
    if k is None:  # left out of the ranking pool (a possible non-report, a documented artifact)
        out.update(
            national_median=np.nan,
            state_median=np.nan,
            national_n=0,
            state_n=0,
            national_ties=0,
            national_extreme=None,
            national_pct=np.nan,
            state_pct=np.nan,
            national_better=np.nan,
            state_better=np.nan,
            vs_national="",
            vs_state="",
        )
        return out
    state_ok = ranking.state_rank_allowed(int(k["state_n"]))
    extreme = k["national_extreme"] if isinstance(k["national_extreme"], str) else None
    rank_ok = m.rankable and extreme is None
    out.update(
        national_median=float(k["national_median"]),
        state_median=float(k["state_median"]) if state_ok else np.nan,
        national_n=int(k["national_n"]),
        state_n=int(k["state_n"]),
        national_ties=int(k["national_ties"]),
        national_extreme=extreme,
        national_pct=float(k["national_pct"]) if rank_ok else np.nan,
        state_pct=float(k["state_pct"]) if rank_ok and state_ok else np.nan,
    )
    out["national_better"] = better_than(out["national_pct"], m.comparison)
    out["state_better"] = better_than(out["state_pct"], m.comparison)
    estimate = Estimate(out["value"], out["lower"], out["upper"], quality)
    out["vs_national"] = versus_benchmark(estimate, out["national_median"], m.bounds)
    out["vs_state"] = versus_benchmark(estimate, out["state_median"], m.bounds)
    return out


def _rank_note(m: catalog.Metric, row: Mapping) -> str:
    """Why a value with data has no 'better than' share (empty when it has one)."""
    if row["artifact"]:
        return "not ranked: not this place's own value (see notes)"
    if row["unreported_zero"]:
        return "not ranked: a 0 here may mean not reported"
    if m.crime:
        return "not ranked: the FBI advises against ranking places by crime data"
    if m.comparison == "context":
        return "described, not ranked: reflects the population mix"
    if m.comparison == "count":
        return "not ranked: a count grows with population"
    if m.comparison == "spread":
        return "described, not ranked: read with the 20th percentile and median"
    if m.comparison == "parity":
        return "described against parity (1.00), not ranked"
    if row.get("national_extreme"):
        return "tied at the " + str(row["national_extreme"]) + " value"
    return ""


def tie_phrase(row: Mapping, level: str, value_text: str) -> str:
    """'tied with 1,359 other counties at 0.0%, the lowest value of …' for a tied extreme."""
    return ranking.tie_sentence(
        int(row["national_ties"]),
        value_text,
        str(row["national_extreme"]),
        int(row["national_n"]),
        level,
    )


def has_rank(row: Mapping) -> bool:
    return not math.isnan(row.get("national_better", math.nan))


def missing_metrics(table: pd.DataFrame) -> pd.DataFrame:
    """Metrics with no value for the jurisdiction (for the 'what is missing' note)."""
    return table[table["value"].isna()][["pillar", "label", "metric", "quality"]]
