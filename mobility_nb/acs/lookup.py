"""Ask the ACS store for indicator values: one place, its tracts, or every county.

This is what a page uses instead of opening store files itself::

    from mobility_nb.acs import lookup
    rows = lookup.indicator_values(store_dir, "poverty_rate", "51003", 2018)
    # one row per group (All, each race/ethnicity) with estimate, moe, cv, reliability,
    # status, method, variables, value_kind ('computed from ACS variables' /
    # 'computed from published values' / 'published value'), source, vintage

Every function reads one vintage (the ACS 5-year end year) and never mixes two: a
comparison across counties uses only the county files of that year. Levels follow the
GEOID: 5 digits county, 7 place, 11 tract. :func:`store_files` says which store files a
page read (for its provenance and source notes) without reading their rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mobility_nb.acs import indicators as ind
from mobility_nb.acs import store

LEVEL_BY_LENGTH = {5: "county", 7: "place", 11: "tract"}


def level_of(geoid: str) -> str:
    """'51003' -> 'county', '51003010100' -> 'tract', '5114968' -> 'place'."""
    try:
        return LEVEL_BY_LENGTH[len(str(geoid))]
    except KeyError:
        raise ValueError(f"{geoid!r} is not a county, place or tract GEOID") from None


def _indicators(keys: Iterable[str] | None) -> list[ind.Indicator]:
    return [ind.get(k) for k in keys] if keys else list(ind.REGISTRY)


def _variables(indicators: Sequence[ind.Indicator]) -> list[str]:
    """Every name any alternative of these indicators may use (to read only those)."""
    return sorted(
        {v for i in indicators for _, alts in i.formulas for a in alts for v in a.variables}
    )


def _tag(rows: pd.DataFrame, year: int, dataset: str) -> pd.DataFrame:
    return rows.assign(year=int(year), vintage=store.vintage_label(int(year), dataset))


def vintages(
    store_dir: str | os.PathLike[str] | None,
    geoid: str,
    dataset: str = "acs5",
    *,
    level: str | None = None,
) -> list[int]:
    """End years the store holds for this place's level (or ``level``, e.g. the tracts of a
    county) and state, newest first."""
    directory = store.resolve_store_dir(store_dir)
    return store.available_years(directory, str(geoid)[:2], level or level_of(geoid), dataset)


_HELD: dict[tuple, dict[tuple[int, str], frozenset[str]]] = {}


def _held_in_state(directory: Path, state: str, dataset: str) -> dict[tuple[int, str], frozenset]:
    """(year, level) -> the places held (GEOIDs; for tracts, their 5-digit counties), for
    one state's store files. Kept while the files are unchanged (a batch asks per page)."""
    paths = sorted(directory.glob(f"{dataset}/*/*/{state}.parquet"))
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    key = (str(directory), state, dataset, stamp)
    hit = _HELD.get(key)
    if hit is not None:
        return hit
    held: dict[tuple[int, str], frozenset[str]] = {}
    for path in paths:
        try:
            year, level = int(path.parts[-3]), path.parts[-2]
        except ValueError:
            continue
        geoids = store.geographies(path)
        held[(year, level)] = frozenset(g[:5] for g in geoids) if level == "tract" else geoids
    if len(_HELD) > 64:
        _HELD.clear()
    _HELD[key] = held
    return held


def place_vintages(
    store_dir: str | os.PathLike[str] | None,
    geoid: str,
    *,
    levels: Sequence[str] | None = None,
    dataset: str = "acs5",
) -> dict[int, list[str]]:
    """Vintages (newest first) whose store files hold rows for this place, with the levels
    that do: its own row and, for ``levels=("county", "tract")``, its tracts.

    Reads only the files' GEOID column, once per state while the files are unchanged, so
    a page (or the command line, before any kernel starts) learns cheaply whether the store
    has anything for the place at all.
    """
    directory = store.resolve_store_dir(store_dir)
    held = _held_in_state(Path(directory), str(geoid)[:2], dataset)
    found: dict[int, list[str]] = {}
    for level in levels or (level_of(geoid),):
        code = str(geoid)[:5] if level == "tract" else str(geoid)
        for (year, lv), places in held.items():
            if lv == level and code in places:
                found.setdefault(year, []).append(level)
    return dict(sorted(found.items(), reverse=True))


@dataclass(frozen=True)
class StoreFile:
    """One store file a page may read: where it is and what its metadata says."""

    key: store.StoreKey
    path: Path
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def is_replay(self) -> bool:
        """Filled by the offline replay of the bundled extracts (not the Census API)."""
        return self.meta.get("source") == "replay"

    @property
    def variable_notes(self) -> dict[str, str]:
        return dict(self.meta.get("variable_notes", {}))


def store_files(
    store_dir: str | os.PathLike[str] | None,
    geoid: str,
    year: int,
    *,
    levels: Sequence[str] | None = None,
    dataset: str = "acs5",
) -> list[StoreFile]:
    """The store files of this place's state and vintage at ``levels`` (default: its own
    level) that exist, with their metadata (rows are not read)."""
    directory = store.resolve_store_dir(store_dir)
    out = []
    for level in levels or (level_of(geoid),):
        key = store.StoreKey(dataset, int(year), level, str(geoid)[:2])
        path = store.slice_path(directory, key)
        if path.is_file():
            out.append(StoreFile(key, path, store.read_meta(path)))
    return out


def place_wide(
    store_dir: str | os.PathLike[str] | None,
    geoid: str,
    year: int,
    *,
    variables: Sequence[str] | None = None,
    dataset: str = "acs5",
) -> pd.DataFrame:
    """The store's wide row of one place (empty frame when the store has none)."""
    directory = store.resolve_store_dir(store_dir)
    key = store.StoreKey(dataset, int(year), level_of(geoid), str(geoid)[:2])
    try:
        sl = store.read_slice(
            directory, key, list(variables) if variables else None, geoid_prefix=str(geoid)
        )
    except store.ACSStoreMissingError:
        return pd.DataFrame(index=pd.Index([], name="geoid", dtype=str))
    wide = sl.wide()
    return wide.loc[wide.index == str(geoid)]


def indicator_values(
    store_dir: str | os.PathLike[str] | None,
    indicator: str,
    geoid: str,
    year: int,
    *,
    groups: Sequence[str] | None = None,
    dataset: str = "acs5",
) -> pd.DataFrame:
    """One indicator for one place and vintage: a row per group, with MOE and source.

    Groups the store cannot fill come back with status 'not in the local store' (the
    place has no file or none of the group's alternatives), never left out.
    """
    chosen = ind.get(indicator)
    wide = place_wide(store_dir, geoid, year, variables=_variables([chosen]), dataset=dataset)
    if wide.empty:
        wide = pd.DataFrame({"name": [""]}, index=pd.Index([str(geoid)], name="geoid"))
    return _tag(ind.compute(chosen, wide, groups), year, dataset)


def place_indicators(
    store_dir: str | os.PathLike[str] | None,
    geoid: str,
    year: int,
    *,
    indicators: Iterable[str] | None = None,
    dataset: str = "acs5",
) -> pd.DataFrame:
    """Every indicator (or those named) for one place and vintage, stacked."""
    chosen = _indicators(indicators)
    wide = place_wide(store_dir, geoid, year, variables=_variables(chosen), dataset=dataset)
    if wide.empty:
        wide = pd.DataFrame({"name": [""]}, index=pd.Index([str(geoid)], name="geoid"))
    return _tag(ind.compute_all(wide, chosen), year, dataset)


def tract_wide(
    store_dir: str | os.PathLike[str] | None,
    county: str,
    year: int,
    *,
    variables: Sequence[str] | None = None,
    dataset: str = "acs5",
) -> pd.DataFrame:
    """The store's wide rows of a county's tracts (empty frame when the store has none)."""
    directory = store.resolve_store_dir(store_dir)
    key = store.StoreKey(dataset, int(year), "tract", str(county)[:2])
    try:
        sl = store.read_slice(
            directory, key, list(variables) if variables else None, geoid_prefix=str(county)
        )
    except store.ACSStoreMissingError:
        return pd.DataFrame(index=pd.Index([], name="geoid", dtype=str))
    return sl.wide()


def tract_sum_indicators(
    store_dir: str | os.PathLike[str] | None,
    county: str,
    year: int,
    name: str = "",
    *,
    dataset: str = "acs5",
) -> tuple[pd.DataFrame, dict[str, int], bool]:
    """Every indicator for a county made by adding up its tracts (when the store has no
    county row): results, tracts skipped per variable, and whether any count was summed
    (medians cannot be, so a store of tract medians gives no county figure)."""
    wide = tract_wide(store_dir, county, year, dataset=dataset)
    if wide.empty:
        return pd.DataFrame(columns=[*ind.RESULT_COLUMNS, "year", "vintage"]), {}, False
    summed, skipped = ind.sum_geographies(wide, str(county), name)
    counts = any(c.endswith("_E") for c in summed.columns)
    return _tag(ind.compute_all(summed), year, dataset), skipped, counts


def tract_indicators(
    store_dir: str | os.PathLike[str] | None,
    county: str,
    year: int,
    *,
    indicators: Iterable[str] | None = None,
    groups: Sequence[str] | None = (ind.ALL,),
    dataset: str = "acs5",
) -> pd.DataFrame:
    """Indicators for every tract of a county the store holds (default: group All)."""
    chosen = _indicators(indicators)
    directory = store.resolve_store_dir(store_dir)
    key = store.StoreKey(dataset, int(year), "tract", str(county)[:2])
    try:
        sl = store.read_slice(directory, key, _variables(chosen), geoid_prefix=str(county))
    except store.ACSStoreMissingError:
        return pd.DataFrame(columns=[*ind.RESULT_COLUMNS, "year", "vintage"])
    wide = sl.wide()
    parts = [
        ind.compute(i, wide, [g for g in (groups or i.groups) if g in i.groups] or None)
        for i in chosen
    ]
    return _tag(pd.concat(parts, ignore_index=True), year, dataset)


_COUNTY_TABLES: dict[tuple, pd.DataFrame] = {}
_COUNTY_TABLES_KEPT = 16


def county_indicators(
    store_dir: str | os.PathLike[str] | None,
    year: int,
    indicators: Iterable[str] | None = None,
    *,
    group: str = ind.ALL,
    dataset: str = "acs5",
) -> pd.DataFrame:
    """Indicators (or those named) of one group for every county the store holds in one
    vintage, with a ``state`` column: each state file is read once for all of them.

    Kept in memory per vintage while the files are unchanged, so a batch kernel making
    several pages compares them with the same national table without reading it again.
    """
    chosen = _indicators(indicators)
    directory = store.resolve_store_dir(store_dir)
    paths = sorted(Path(directory).glob(f"{dataset}/{int(year)}/county/*.parquet"))
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    cache_key = (str(directory), dataset, int(year), tuple(i.key for i in chosen), group, stamp)
    hit = _COUNTY_TABLES.get(cache_key)
    if hit is not None:
        return hit.copy()
    variables = sorted(
        {v for i in chosen if group in i.groups for a in i.alternatives(group) for v in a.variables}
    )
    rows = []
    for path in paths:
        key = store.StoreKey(dataset, int(year), "county", path.stem)
        part = store.read_slice(directory, key, variables).rows
        if len(part):
            rows.append(part)
    if not rows:
        return pd.DataFrame(columns=[*ind.RESULT_COLUMNS, "year", "vintage", "state"])
    wide = store.to_wide(pd.concat(rows, ignore_index=True))
    parts = [ind.compute(i, wide, [group]) for i in chosen if group in i.groups]
    out = pd.concat(parts, ignore_index=True)
    out = _tag(out.assign(state=out["geoid"].str[:2]), year, dataset)
    while len(_COUNTY_TABLES) >= _COUNTY_TABLES_KEPT:
        _COUNTY_TABLES.pop(next(iter(_COUNTY_TABLES)))
    _COUNTY_TABLES[cache_key] = out
    return out.copy()


def county_values(
    store_dir: str | os.PathLike[str] | None,
    indicator: str,
    year: int,
    *,
    group: str = ind.ALL,
    states: Iterable[str] | None = None,
    dataset: str = "acs5",
) -> pd.DataFrame:
    """One indicator for every county the store holds in one vintage (state and national
    context). Counties without a value keep their row with status saying why."""
    chosen = ind.get(indicator)
    directory = store.resolve_store_dir(store_dir)
    wanted = {str(s).zfill(2) for s in states} if states else None
    parts = []
    for path in sorted(Path(directory).glob(f"{dataset}/{int(year)}/county/*.parquet")):
        if wanted is not None and path.stem not in wanted:
            continue
        key = store.StoreKey(dataset, int(year), "county", path.stem)
        sl = store.read_slice(directory, key, _variables([chosen]))
        if sl.rows.empty:
            continue
        parts.append(ind.compute(chosen, sl.wide(), [group]))
    if not parts:
        return pd.DataFrame(columns=[*ind.RESULT_COLUMNS, "year", "vintage", "state"])
    out = pd.concat(parts, ignore_index=True)
    return _tag(out.assign(state=out["geoid"].str[:2]), year, dataset)
