"""Peer jurisdictions: the analyst's own list, or similar places chosen by a stated rule.

Urban's bespoke pages used hand-picked peers; when the analyst gives none we pick the
places nationally most similar on three standardised characteristics the data offer,
within the same level (counties with counties, cities with cities):

* population (log scale), from Urban's files;
* median household income in the focal place's latest year (all in that year's dollars,
  so the comparison is in constant dollars);
* the share of workers commuting by public transit, as the measure of how urban a place is
  (the files carry no land area, so no density; square-root scale, as many places are 0).

A value that is a shared survey-area estimate or flagged Weak does not describe the place
itself, so it is never used for matching: such candidates are left out, and when the focal
place's own value is of that kind the characteristic is dropped and the rule says so. The
page prints the rule and each peer's distance. A second set, the neighbouring counties, is
built from an adjacency function (:func:`neighbour_peers`), so the page can compare with
the places a coalition actually borders.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobility_nb.claims import artifacts
from mobility_nb.data import catalog
from mobility_nb.data.jurisdictions import Jurisdiction, jurisdiction_table, resolve
from mobility_nb.data.metrics import derived, rows_for
from mobility_nb.data.records import column_values, records
from mobility_nb.errors import JurisdictionError, MobilityNBError

INCOME_METRIC = "pctl_income_50"
URBAN_METRIC = "share_transit_commuter"
DEFAULT_PEERS = 5
_FEATURE_WORDS = {
    INCOME_METRIC: "median household income",
    URBAN_METRIC: "the share commuting by transit",
}


@dataclass(frozen=True)
class PeerSet:
    """The chosen peers and a plain-language reason for each."""

    peers: tuple[Jurisdiction, ...]
    rule: str
    reasons: tuple[str, ...]
    automatic: bool


def given_peers(
    items: Sequence[str], focal: Jurisdiction, data_dir: str | os.PathLike[str] | None = None
) -> PeerSet:
    """Resolve the analyst's list (codes or names); the focal place itself is skipped."""
    peers = []
    for item in items:
        try:
            j = resolve(item, level=focal.level, data_dir=data_dir)
        except JurisdictionError as exc:
            raise JurisdictionError(f"In the peers list: {exc}") from None
        if j.geoid != focal.geoid and j not in peers:
            peers.append(j)
    return PeerSet(
        tuple(peers),
        "Peers chosen by the analyst.",
        tuple("chosen by the analyst" for _ in peers),
        automatic=False,
    )


def similar_peers(
    tidy: pd.DataFrame,
    focal: Jurisdiction,
    n: int = DEFAULT_PEERS,
    data_dir: str | os.PathLike[str] | None = None,
) -> PeerSet:
    """The ``n`` places nearest to ``focal`` on standardised population, income and transit use.

    Distance is the straight-line distance between standardised values (each
    characteristic minus its mean over the candidates, divided by its standard deviation).
    Candidates whose income or transit value is a shared estimate or flagged Weak are left
    out; when the focal place's own value is of that kind, that characteristic is dropped.
    """
    features = derived(tidy, "peer-features", lambda t: _feature_rows(t, focal.level))
    table = derived(
        jurisdiction_table(focal.level, data_dir), "by-geoid", lambda t: t.set_index("geoid")
    )
    income_years = [
        y for y, rows in features.get(INCOME_METRIC, {}).items() if focal.geoid in rows.index
    ]
    if not income_years or focal.geoid not in table.index:
        return PeerSet(
            (),
            "No automatic peers: median household income is not available "
            "for this jurisdiction, so similarity cannot be measured.",
            (),
            True,
        )
    year = max(income_years)
    frame = table[["population"]].copy()
    frame = frame[frame["population"] > 0]
    frame["log_population"] = np.log10(frame["population"].to_numpy(dtype=float))
    used = ["log_population"]
    dropped: list[str] = []
    for metric, col, transform in (
        (INCOME_METRIC, "income", None),
        (URBAN_METRIC, "transit", np.sqrt),
    ):
        by_year = features.get(metric, {})
        years = [y for y, r in by_year.items() if focal.geoid in r.index]
        y = year if metric == INCOME_METRIC else (max(years) if years else None)
        if y is None:
            dropped.append(f"{_FEATURE_WORDS[metric]} (no value)")
            continue
        rows = by_year[y]
        own = rows.loc[focal.geoid] if focal.geoid in rows.index else None
        if own is None or bool(own["unusable"]):
            dropped.append(f"{_FEATURE_WORDS[metric]} ({_why(own)})")
            continue
        good = rows[~rows["unusable"]]["value"]
        frame = frame.join(good.rename(col), how="inner")
        if transform is not None:
            frame[col] = transform(frame[col].to_numpy(dtype=float))
        used.append(col)
    frame = frame.dropna(subset=used)
    if focal.geoid not in frame.index or len(frame) < 2:
        return PeerSet((), "No automatic peers: too few places have comparable values.", (), True)
    feats = frame[used].to_numpy(dtype=float)
    std = feats.std(axis=0)
    std[std == 0] = 1.0
    z = (feats - feats.mean(axis=0)) / std
    me = z[frame.index.get_loc(focal.geoid)]
    dist = np.sqrt(((z - me) ** 2).sum(axis=1))
    nearest = np.argsort(dist, kind="stable")[: n + 1]  # the place itself is among them
    order = [i for i in nearest if frame.index[i] != focal.geoid][:n]
    peers, reasons = [], []
    for i in order:
        geoid = frame.index[i]
        row = table.loc[geoid]
        peers.append(
            Jurisdiction(
                geoid, focal.level, str(row["name"]), str(row["state"]), float(row["population"])
            )
        )
        parts = [f"population {row['population']:,.0f}"]
        if "income" in used:
            income = features[INCOME_METRIC][year].loc[geoid, "value"]
            parts.append(f"median household income ${income:,.0f} in {year}")
        if "transit" in used:
            parts.append(f"{frame.loc[geoid, 'transit'] ** 2 * 100:.1f}% commute by transit")
        reasons.append("; ".join(parts) + f"; distance {dist[i]:.2f}")
    kind = "counties" if focal.level == "county" else "cities"
    words = {
        "log_population": "population (log scale)",
        "income": f"median household income in {year}",
        "transit": "the share of workers commuting by public transit (square-root scale)",
    }
    chosen = ", ".join(words[c] for c in used)
    rule = (
        f"No peers were given, so these are the {len(peers)} {kind} nationally most similar to "
        f"{focal.display_name} in {chosen}: each characteristic is standardised (minus its mean, "
        "divided by its standard deviation over the places compared) and the distance is the "
        "straight-line distance between them (0 = identical; about 1 = one standard deviation "
        "apart). Values that are estimates shared with other places or flagged Weak are not "
        "used for matching."
        + (f" Not used for {focal.name}: {'; '.join(dropped)}." if dropped else "")
        + ' Give your own list with the "peers" parameter to compare with chosen partners '
        "instead."
    )
    return PeerSet(tuple(peers), rule, tuple(reasons), automatic=True)


def _why(own) -> str:
    if own is None:
        return "no value"
    return "a shared estimate" if bool(own["shared"]) else "flagged Weak"


def _feature_rows(tidy: pd.DataFrame, level: str) -> dict[str, dict[int, pd.DataFrame]]:
    """Income and transit values (the similarity measures), extracted once per table.

    metric -> year -> rows indexed by geoid; ``unusable`` marks values that are shared
    survey-area estimates or flagged Weak.
    """
    rows = tidy[tidy["metric"].isin([INCOME_METRIC, URBAN_METRIC]) & tidy["value"].notna()]
    rows = rows[["geoid", "metric", "year", "value", "quality"]].astype(
        {"geoid": str, "metric": str, "quality": object}
    )
    shared = artifacts.shared_estimates(tidy, level)
    keep = np.isin(shared.metrics, [INCOME_METRIC, URBAN_METRIC]) & shared.confirmed
    keys = set(
        zip(
            shared.geoids[keep].tolist(),
            shared.metrics[keep].tolist(),
            shared.years[keep].tolist(),
            strict=True,
        )
    )
    rows["shared"] = [
        k in keys for k in zip(rows["geoid"], rows["metric"], rows["year"], strict=True)
    ]
    rows["unusable"] = rows["shared"] | rows["quality"].eq("Weak")
    out: dict[str, dict[int, pd.DataFrame]] = {}
    for (metric, year), part in rows.groupby(["metric", "year"]):
        out.setdefault(str(metric), {})[int(year)] = part.set_index("geoid")
    return out


def neighbour_peers(
    focal: Jurisdiction,
    neighbours: Callable[[str], Sequence[str]] | None,
    data_dir: str | os.PathLike[str] | None = None,
) -> PeerSet:
    """The counties sharing a boundary with ``focal`` (``neighbours(geoid)`` gives their codes).

    Counties only; neighbours missing from Urban's files are skipped. With no adjacency
    function (or for a city) the set is empty and the rule says why.
    """
    if focal.level != "county":
        return PeerSet((), "Neighbouring places are listed for counties only.", (), True)
    if neighbours is None:
        return PeerSet(
            (), "Neighbouring counties are not available in this installation.", (), True
        )
    table = derived(
        jurisdiction_table(focal.level, data_dir), "by-geoid", lambda t: t.set_index("geoid")
    )
    try:
        codes = list(neighbours(focal.geoid))
    except MobilityNBError as exc:  # boundaries neither on disk nor downloadable
        return PeerSet((), f"Neighbouring counties could not be listed: {exc}", (), True)
    peers, reasons = [], []
    for code in codes:
        code = str(code)
        if code == focal.geoid or code not in table.index:
            continue
        row = table.loc[code]
        pop = row["population"]
        peers.append(
            Jurisdiction(
                code,
                focal.level,
                str(row["name"]),
                str(row["state"]),
                None if pd.isna(pop) else float(pop),
            )
        )
        reasons.append("shares a boundary with " + focal.name)
    rule = (
        f"The {len(peers)} counties that share a boundary with {focal.display_name} "
        "(county outlines of the Census Bureau's cartographic boundary files)."
    )
    return PeerSet(tuple(peers), rule, tuple(reasons), automatic=True)


def peer_table(
    tidy: pd.DataFrame, standing: pd.DataFrame, focal: Jurisdiction, peer_set: PeerSet
) -> pd.DataFrame:
    """Each metric's value for the focal place and each peer in the focal place's latest year."""
    geoids = [focal.geoid] + [p.geoid for p in peer_set.peers]
    have = records(standing[standing["value"].notna()])
    wanted = {(r["metric"], int(r["year"])) for r in have}
    lookup: dict[tuple[str, int, str], float] = {}  # (metric, year, geoid) -> value
    flags: dict[tuple[str, int, str], str] = {}  # ... -> quality flag, where one is given
    for g in geoids:
        place_rows = rows_for(tidy, g, ["metric", "year", "value", "quality"])
        columns = (column_values(place_rows[c]) for c in ("metric", "year", "value", "quality"))
        for m, y, v, q in zip(*columns, strict=True):
            if v == v and (m, y) in wanted:  # a value (not NaN) in a year the table shows
                lookup[(m, y, g)] = float(v)
                if isinstance(q, str):
                    flags[(m, y, g)] = q
    rows = []
    for r in have:
        key = (r["metric"], int(r["year"]))
        vals = {g: lookup.get((*key, g), np.nan) for g in geoids}
        peer_vals = np.array([vals[p.geoid] for p in peer_set.peers], dtype=float)
        m = catalog.get_metric(r["metric"])
        # Only directional, non-crime metrics rank; a Weak, shared or not-own focal value
        # says nothing about the place itself.
        own_ok = (
            r.get("quality") != "Weak"
            and not r.get("shared_names")
            and not r.get("artifact")
            and not r.get("unreported_zero")
        )
        rank = (
            _rank(vals[focal.geoid], peer_vals, m.comparison)
            if m.rankable and own_ok
            else (float("nan"))
        )
        rows.append(
            {
                "metric": r["metric"],
                "label": r["label"],
                "year": int(r["year"]),
                **{g: vals[g] for g in geoids},
                **{f"{g}_quality": flags.get((*key, g)) for g in geoids},
                "peer_median": _nan_median(peer_vals),
                "rank": rank,
                "compared": int(np.isfinite(peer_vals).sum()) + 1,
            }
        )
    return pd.DataFrame(rows)


def _nan_median(values: np.ndarray) -> float:
    """``np.nanmedian`` of a handful of values (NaN when none), without its array overhead."""
    finite = [v for v in values.tolist() if v == v]
    return statistics.median(finite) if finite else float("nan")


def _rank(value: float, others: np.ndarray, direction: str) -> float:
    """1 = best among the focal place and its peers; NaN where direction is undefined."""
    higher = direction in ("higher", "higher_better")
    if np.isnan(value) or not (higher or direction in ("lower", "lower_better")):
        return float("nan")
    others = others[np.isfinite(others)]
    better = (others > value) if higher else (others < value)
    return float(better.sum() + 1)
