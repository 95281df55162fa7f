"""Values that are not what they seem: shared survey estimates, breaks in series, and the
artifacts Urban documents (a small registry, ``resources/known_artifacts.yaml``).

* **Shared estimates.** Many county values from ACS microdata are estimates for a survey
  area (PUMA, at least 100,000 people) apportioned to the counties inside it, and small
  counties' low birth weight is their state's pooled value. A county whose value equals
  exactly that of other counties of its state, for the same metric and year, is showing
  such a shared estimate: the page names the counties it shares with and keeps the value
  out of strengths, concerns and peer matching. Found once per loaded table, vectorised.
* **Breaks in series.** The 2022 ACS switched to survey areas drawn from the 2020 census;
  a 2021→2022 jump of a value built from borrowed survey areas can be geography, not
  change, so it is flagged instead of reported.
* **Registry.** Each documented artifact (e.g. New York City's crimes counted in New York
  County's row) with the sentence of Urban's documentation it comes from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from mobility_nb.claims.uncertainty import Estimate, compare
from mobility_nb.data import catalog
from mobility_nb.data.metrics import derived
from mobility_nb.errors import ArtifactRegistryError
from mobility_nb.params import parse_yaml

EFFECTS = ("not_own_value", "zero_unreported", "pooled", "note")
# The 2022 ACS 1-year microdata use PUMAs drawn from the 2020 census (2021 used 2010 PUMAs).
PUMA_CHANGE = (2021, 2022)
PUMA_CHANGE_TEXT = (
    "the American Community Survey switched to new survey areas (PUMAs, drawn from the 2020 "
    "census) in 2022"
)
_NOT_OWN = ("Marginal", "Weak")
# Two places hold one survey-area estimate when they share at least this many ACS values in
# a year: heaped income values let two big cities share one or two percentiles by chance.
MIN_SHARED_ACS = 3  # Urban's ACS flags: under 75% of the sample is the place's own


# ---- registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Artifact:
    """One documented artifact: where it applies, what it does to a claim, and its source."""

    id: str
    level: str  # "county", "place" or "any"
    metrics: tuple[str, ...]
    effect: str
    says: str  # the page's plain sentence
    quote: str  # the sentence of Urban's documentation it comes from
    source: str  # file and section under upstream/
    geoids: tuple[str, ...] = ()  # empty: every place of the level
    years: tuple[int, ...] = ()  # empty: every year

    def applies(self, level: str, geoid: str, metric: str, year: int | None = None) -> bool:
        return (
            self.level in ("any", level)
            and metric in self.metrics
            and (not self.geoids or geoid in self.geoids)
            and (not self.years or year is None or int(year) in self.years)
        )


@lru_cache(maxsize=1)
def known_artifacts() -> tuple[Artifact, ...]:
    """The registry, checked: known effects and metrics, a quote and a source for each."""
    path = resources.files("mobility_nb").joinpath("resources/known_artifacts.yaml")
    entries = parse_yaml(path.read_text(encoding="utf-8"), str(path)) or []
    out = []
    for entry in entries:
        ident = entry.get("id", "?")
        unknown = [m for m in entry.get("metrics", []) if m not in _catalog_names()]
        if entry.get("effect") not in EFFECTS or unknown or not entry.get("quote"):
            raise ArtifactRegistryError(
                f"Entry {ident!r} of resources/known_artifacts.yaml is malformed (effect must "
                f"be one of {', '.join(EFFECTS)}; unknown metrics: {unknown or 'none'}; a quote "
                "and a source are required). Fix the entry."
            )
        out.append(
            Artifact(
                id=ident,
                level=entry["level"],
                metrics=tuple(entry["metrics"]),
                effect=entry["effect"],
                says=" ".join(str(entry["says"]).split()),
                quote=" ".join(str(entry["quote"]).split()),
                source=entry["source"],
                geoids=tuple(str(g) for g in entry.get("geoids", ())),
                years=tuple(int(y) for y in entry.get("years", ())),
            )
        )
    return tuple(out)


@lru_cache(maxsize=1)
def _catalog_names() -> frozenset[str]:
    return frozenset(catalog.load_catalog()["metric"])


def place_artifacts(level: str, geoid: str) -> list[Artifact]:
    """Registry entries naming this very place (not the level-wide rules)."""
    return [
        a for a in known_artifacts() if a.geoids and geoid in a.geoids and a.level in ("any", level)
    ]


def not_own_value(level: str, geoid: str, metric: str, year: int) -> Artifact | None:
    """The registry entry saying this value is not the place's own, if any."""
    for a in known_artifacts():
        if a.effect == "not_own_value" and a.applies(level, geoid, metric, year):
            return a
    return None


def zero_unreported(level: str, metric: str) -> Artifact | None:
    """The registry entry saying a 0 of this metric may be a non-report, if any."""
    for a in known_artifacts():
        if a.effect == "zero_unreported" and a.level in ("any", level) and metric in a.metrics:
            return a
    return None


def possibly_unreported(m: catalog.Metric, value: float) -> bool:
    """A 0 in arrests, crime or residents per doctor is not evidence of a good value."""
    return m.zero_unreported and value == 0


# ---- shared estimates -------------------------------------------------------------------


@dataclass(frozen=True)
class SharedEstimates:
    """Which places share each (metric, year) value; built once per loaded table."""

    geoids: np.ndarray  # one row per place-metric-year value that is shared
    metrics: np.ndarray
    years: np.ndarray
    groups: np.ndarray  # group id per row: the places with the same value
    order: np.ndarray  # row positions sorted by group, so a group's members are one slice
    starts: np.ndarray  # group id -> first position in ``order`` (one extra at the end)
    confirmed: np.ndarray  # per row: may this place's partners be named (see _find_shared)
    pair_keys: np.ndarray  # sorted (place code, year) keys of confirmed ACS partner pairs
    pair_partners: np.ndarray  # the partner's code for each key
    codes: dict[str, int]  # geoid -> code used in the pair arrays
    puma_rows: np.ndarray  # per row: an ACS microdata value (partners must be confirmed)
    by_place: dict[str, np.ndarray]  # geoid -> row positions

    def _partners(self, geoid: str, year: int) -> set[int]:
        key = self.codes.get(geoid, -1) * 64 + year % 64
        lo, hi = np.searchsorted(self.pair_keys, [key, key + 1])
        return set(self.pair_partners[lo:hi].tolist())

    def for_place(self, geoid: str) -> dict[tuple[str, int], tuple[str, ...]]:
        """(metric, year) -> the *other* places with exactly this place's value."""
        out = {}
        partners: dict[int, set[int]] = {}  # year -> confirmed partners (one look-up a year)
        for i in self.by_place.get(geoid, ()):
            if not self.confirmed[i]:
                continue
            year = int(self.years[i])
            rows = self.order[self.starts[self.groups[i]] : self.starts[self.groups[i] + 1]]
            members = [g for g in self.geoids[rows].tolist() if g != geoid]
            if self.puma_rows[i]:
                if year not in partners:
                    partners[year] = self._partners(geoid, year)
                allowed = partners[year]
                members = [g for g in members if self.codes[g] in allowed]
            others = tuple(sorted(members))
            if others:
                out[(str(self.metrics[i]), year)] = others
        return out


def _poolable(level: str) -> tuple[list[str], list[str], list[str]]:
    """Metrics whose values can be a wider area's; those bounded by 0 and 1; ACS ones."""
    names, bounded, puma = [], [], []
    for m in catalog.metrics_for(level):
        if m.wider_area:
            names.append(m.metric)
            if m.unit in ("share", "parity"):
                bounded.append(m.metric)
            if m.acs_puma:
                puma.append(m.metric)
    return names, bounded, puma


def shared_estimates(tidy: pd.DataFrame, level: str) -> SharedEstimates:
    """Shared estimates of every place in a loaded table (cached for the table's life)."""
    return derived(tidy, f"shared-estimates-{level}", lambda t: _find_shared(t, level))


def _find_shared(tidy: pd.DataFrame, level: str) -> SharedEstimates:
    """Equal values within a state, metric and year; ACS ones confirmed by a second metric.

    ACS income percentiles sit on heaped survey values (e.g. $60,000 times the year's
    adjustment factor), so two counties can share one percentile by coincidence. An ACS
    microdata value counts as a survey-area estimate only when the same two places also
    share the value of another ACS microdata metric that year (in the 2023 county file a
    county not flagged Strong that shares its median income shares all three percentiles
    in 2,147 of 2,160 cases; we ask for three shared values). Pooled values of other
    kinds (low birth weight) need no second metric.
    """
    names, bounded, puma = _poolable(level)
    keep = tidy["metric"].isin(names).to_numpy() & tidy["value"].notna().to_numpy()
    # 0 and 1 (0%/100%, or a wealth ratio of 0:x) recur by coincidence, not by pooling.
    edge = tidy["metric"].isin(bounded).to_numpy() & tidy["value"].isin([0.0, 1.0]).to_numpy()
    frame = tidy.loc[keep & ~edge, ["geoid", "metric", "year", "state", "value"]]
    group = frame.groupby(["metric", "year", "state", "value"], observed=True).ngroup()
    group = group.to_numpy()
    size = np.bincount(group)[group] if len(group) else group
    frame = frame[size > 1]
    _, group = np.unique(group[size > 1], return_inverse=True)  # renumber 0..k-1
    geoids = frame["geoid"].astype(str).to_numpy()
    years = frame["year"].to_numpy()
    is_puma = frame["metric"].isin(puma).to_numpy()
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(group.max() + 2 if len(group) else 1))
    codes, names = pd.factorize(geoids)
    confirmed, pair_keys, pair_partners = _confirm_pairs(codes, years, group, order, is_puma)
    by_place = pd.Series(np.arange(len(frame))).groupby(geoids).indices
    return SharedEstimates(
        geoids=geoids,
        metrics=frame["metric"].astype(str).to_numpy(),
        years=years,
        groups=group,
        order=order,
        starts=starts,
        confirmed=confirmed,
        pair_keys=pair_keys,
        pair_partners=pair_partners,
        codes={str(g): i for i, g in enumerate(names)},
        puma_rows=is_puma,
        by_place={str(k): v for k, v in by_place.items()},
    )


def _confirm_pairs(
    codes: np.ndarray,
    years: np.ndarray,
    group: np.ndarray,
    order: np.ndarray,
    is_puma: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ACS rows whose place shares at least :data:`MIN_SHARED_ACS` ACS values with a partner.

    Returns the per-row confirmation and the confirmed (place, year) -> partner pairs as
    sorted arrays (keys ``code * 64 + year % 64``), so a page looks its partners up with
    one binary search instead of a dictionary of millions of pairs.
    """
    confirmed = ~is_puma
    rows = order[is_puma[order]]  # ACS rows, still grouped
    if not len(rows):
        return confirmed, np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    g = group[rows]
    first = np.searchsorted(g, g, side="left")
    sizes = np.searchsorted(g, g, side="right") - first
    left = np.repeat(rows, sizes)  # every ordered pair of one group's members
    offset = np.arange(len(left)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    right = rows[np.repeat(first, sizes) + offset]
    n = int(codes.max()) + 1
    key = (codes[left].astype(np.int64) * n + codes[right]) * 64 + (years[left] % 64)
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    good = (counts[inverse] >= MIN_SHARED_ACS) & (left != right)
    confirmed = confirmed.copy()
    confirmed[left[good]] = True
    place_key = codes[left[good]].astype(np.int64) * 64 + years[left[good]] % 64
    partner = codes[right[good]].astype(np.int64)
    sort = np.lexsort((partner, place_key))
    return confirmed, place_key[sort], partner[sort]


# ---- breaks in series -------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesBreak:
    """A step of a place's series that coincides with a change of survey geography."""

    metric: str
    before: int
    after: int
    reason: str


def geography_break(
    m: catalog.Metric,
    points: Sequence[tuple[int, Estimate]],
    shared_years: set[int] | frozenset[int] = frozenset(),
) -> SeriesBreak | None:
    """The 2021→2022 survey-area change, when it can explain a jump in this place's series.

    ``points`` are (year, estimate) in year order, dollars already in one year's dollars.
    Flagged for ACS-microdata metrics when the series steps across the change, the place's
    value at either end of the step is borrowed from a wider area (a shared estimate, or
    flagged Marginal/Weak: under 75% of the sample from the place itself), and the step is
    a jump: larger than its margin of error where 95% bounds exist, any step otherwise.
    """
    if not m.acs_puma:
        return None
    before = [(y, p) for y, p in points if y <= PUMA_CHANGE[0]]
    after = [(y, p) for y, p in points if y >= PUMA_CHANGE[1]]
    if not before or not after:
        return None
    (y0, p0), (y1, p1) = before[-1], after[0]
    borrowed = (
        y0 in shared_years or y1 in shared_years or p0.quality in _NOT_OWN or p1.quality in _NOT_OWN
    )
    if not borrowed or p0.value == p1.value:
        return None
    if m.bounds == "ci":
        quality_free = (
            Estimate(p0.value, p0.lower, p0.upper),
            Estimate(p1.value, p1.lower, p1.upper),
        )
        test = compare(*quality_free, bounds="ci")
        if test.status == "within":
            return None
    return SeriesBreak(m.metric, y0, y1, PUMA_CHANGE_TEXT)


def finite(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))
