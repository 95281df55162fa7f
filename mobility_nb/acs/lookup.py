"""Ask the ACS store for indicator values: one place, its tracts, or every county.

This is what a page uses instead of opening store files itself::

    from mobility_nb.acs import lookup
    rows = lookup.indicator_values(store_dir, "poverty_rate", "51003", 2018)
    # one row per group (All, each race/ethnicity) with estimate, moe, cv, reliability,
    # status, method, variables, value_kind ('computed from ACS variables' /
    # 'computed from published values' / 'published value'), source, vintage

Every function reads one vintage (the ACS 5-year end year) and never mixes two: a
comparison across counties uses only the county files of that year. Levels follow the
GEOID: 5 digits county, 7 place, 11 tract.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

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
    store_dir: str | os.PathLike[str] | None, geoid: str, dataset: str = "acs5"
) -> list[int]:
    """End years the store holds for this place's level and state (newest first)."""
    directory = store.resolve_store_dir(store_dir)
    return store.available_years(directory, str(geoid)[:2], level_of(geoid), dataset)


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
