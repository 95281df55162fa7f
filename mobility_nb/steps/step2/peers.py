"""Peer jurisdictions: the analyst's own list, or similar places chosen by a stated rule.

Urban's bespoke pages used hand-picked peers; when the analyst gives none we pick the
places most similar in population (log scale) and median household income, nationally,
within the same level (counties with counties, cities with cities). The rule is simple
enough to explain on the page, which matters more to a coalition than sophistication.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobility_nb.data.jurisdictions import Jurisdiction, jurisdiction_table, resolve
from mobility_nb.data.metrics import derived, rows_for
from mobility_nb.errors import JurisdictionError

INCOME_METRIC = "pctl_income_50"
DEFAULT_PEERS = 5


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
    """The ``n`` places nearest to ``focal`` on standardised log population and median income."""
    income = derived(tidy, "peer-income", _income_rows)
    own = income[income["geoid"] == focal.geoid]
    table = derived(
        jurisdiction_table(focal.level, data_dir), "by-geoid", lambda t: t.set_index("geoid")
    )
    if own.empty or focal.geoid not in table.index:
        return PeerSet(
            (),
            "No automatic peers: median household income is not available "
            "for this jurisdiction, so similarity cannot be measured.",
            (),
            True,
        )
    year = int(own["year"].max())
    frame = income[income["year"] == year][["geoid", "value"]].astype({"geoid": str})
    frame = frame.set_index("geoid").join(table[["population"]], how="inner").dropna()
    frame = frame[frame["population"] > 0]
    feats = np.column_stack([np.log10(frame["population"].to_numpy()), frame["value"].to_numpy()])
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
        reasons.append(
            f"population {row['population']:,.0f}; median household income "
            f"${frame.loc[geoid, 'value']:,.0f} in {year}"
        )
    kind = "counties" if focal.level == "county" else "cities"
    rule = (
        f"No peers were given, so these are the {len(peers)} {kind} nationally most similar to "
        f"{focal.display_name} in population (log scale) and median household income in "
        f"{year} (both standardised, straight-line distance). Give your own list with the "
        '"peers" parameter to compare with neighbours or chosen partners instead.'
    )
    return PeerSet(tuple(peers), rule, tuple(reasons), automatic=True)


def _income_rows(tidy: pd.DataFrame) -> pd.DataFrame:
    """Median household income rows (the similarity measure), extracted once per table."""
    rows = tidy[(tidy["metric"] == INCOME_METRIC) & tidy["value"].notna()]
    return rows[["geoid", "year", "value"]].astype({"geoid": str})


def peer_table(
    tidy: pd.DataFrame, standing: pd.DataFrame, focal: Jurisdiction, peer_set: PeerSet
) -> pd.DataFrame:
    """Each metric's value for the focal place and each peer in the focal place's latest year."""
    geoids = [focal.geoid] + [p.geoid for p in peer_set.peers]
    have = standing[standing["value"].notna()][
        ["metric", "label", "year", "direction", "unit", "value"]
    ]
    sub = pd.concat([rows_for(tidy, g) for g in geoids])
    sub = sub[sub["value"].notna()]
    lookup = {
        (str(m), int(y), str(g)): float(v)
        for m, y, g, v in zip(sub["metric"], sub["year"], sub["geoid"], sub["value"], strict=True)
    }
    rows = []
    for r in have.to_dict("records"):
        key = (r["metric"], int(r["year"]))
        vals = {g: lookup.get((*key, g), np.nan) for g in geoids}
        peer_vals = np.array([vals[p.geoid] for p in peer_set.peers], dtype=float)
        # Counts scale with population, so ranking them says nothing about conditions.
        direction = "none" if r["unit"] == "count" else r["direction"]
        rank = _rank(vals[focal.geoid], peer_vals, direction)
        rows.append(
            {
                "metric": r["metric"],
                "label": r["label"],
                "year": int(r["year"]),
                **{g: vals[g] for g in geoids},
                "peer_median": float(np.nanmedian(peer_vals))
                if np.isfinite(peer_vals).any()
                else np.nan,
                "rank": rank,
                "compared": int(np.isfinite(peer_vals).sum()) + 1,
            }
        )
    return pd.DataFrame(rows)


def _rank(value: float, others: np.ndarray, direction: str) -> float:
    """1 = best among the focal place and its peers; NaN where direction is undefined."""
    if np.isnan(value) or direction not in ("higher", "lower"):
        return float("nan")
    others = others[np.isfinite(others)]
    better = (others > value) if direction == "higher" else (others < value)
    return float(better.sum() + 1)
