"""Prefetch whole states of ACS tables into the local store.

One wildcard query per (level, chunk of at most 49 fields) pulls every county, place
or tract of a state at once, so a batch of pages never touches the API. A level that
fails leaves its earlier store file untouched; the report says which levels failed and
why (with the key redacted).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mobility_nb.acs import sentinels, store
from mobility_nb.acs.client import (
    LEVELS,
    MAX_FIELDS_PER_CALL,
    CensusClient,
    CensusKeyError,
    CensusQueryError,
)

API_SOURCE = "api"
API_LABEL = "US Census Bureau API (api.census.gov), ACS 5-year detailed tables"


def api_fields(variables: Iterable[str]) -> list[str]:
    """'B19013_001' -> ['B19013_001E', 'B19013_001M'] for each variable."""
    return [f"{v}{s}" for v in variables for s in ("E", "M")]


def chunk_variables(
    variables: Sequence[str], max_fields: int = MAX_FIELDS_PER_CALL
) -> list[list[str]]:
    """Split variables so each call asks for NAME plus estimate+MOE pairs <= max_fields."""
    per_call = max(1, (max_fields - 1) // 2)
    unique = list(dict.fromkeys(variables))
    return [unique[i : i + per_call] for i in range(0, len(unique), per_call)]


def table_of(variable: str) -> str:
    return variable.split("_", 1)[0]


def tidy_rows(frame: pd.DataFrame, variables: Sequence[str]) -> pd.DataFrame:
    """API frame (geoid, NAME, <var>E, <var>M ...) -> store rows with sentinels cleaned."""
    parts = []
    names = frame["NAME"].astype(str) if "NAME" in frame.columns else pd.Series([""] * len(frame))
    for var in variables:
        est_raw = (
            frame[f"{var}E"]
            if f"{var}E" in frame.columns
            else pd.Series([None] * len(frame), dtype=object)
        )
        moe_raw = (
            frame[f"{var}M"]
            if f"{var}M" in frame.columns
            else pd.Series([None] * len(frame), dtype=object)
        )
        est, est_flag = sentinels.clean(est_raw.astype(object), "estimate", table_of(var))
        moe, moe_flag = sentinels.clean(moe_raw.astype(object), "moe", table_of(var))
        # A controlled (MOE 0) or unflagged MOE next to a missing estimate means nothing.
        moe = np.where(np.isnan(est) & pd.isna(moe_flag), np.nan, moe)
        parts.append(
            pd.DataFrame(
                {
                    "geoid": frame["geoid"].astype(str).to_numpy(),
                    "name": names.to_numpy(),
                    "variable": var,
                    "estimate": est,
                    "moe": moe,
                    "estimate_flag": est_flag,
                    "moe_flag": moe_flag,
                }
            )
        )
    if not parts:
        return store._empty()
    return pd.concat(parts, ignore_index=True)


@dataclass
class LevelReport:
    """How one level of one state went."""

    level: str
    geographies: int = 0
    variables: int = 0
    path: str = ""
    calls: int = 0
    stale: int = 0
    error: str = ""


@dataclass
class FetchReport:
    """Outcome of one ``fetch_state`` call, for the CLI and the demo log."""

    state: str
    year: int
    dataset: str
    source_label: str
    levels: list[LevelReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(not lv.error for lv in self.levels)

    def lines(self) -> list[str]:
        out = [
            f"{store.vintage_label(self.year, self.dataset)}, state {self.state} "
            f"({self.source_label}):"
        ]
        for lv in self.levels:
            if lv.error:
                out.append(f"  {lv.level}: FAILED - {lv.error}")
                continue
            stale = (
                (f"; {lv.stale} answers came from an older cached copy because the API failed")
                if lv.stale
                else ""
            )
            out.append(
                f"  {lv.level}: {lv.geographies} geographies x {lv.variables} variables "
                f"-> {lv.path}{stale}"
            )
        return out


def fetch_level(
    client: CensusClient,
    *,
    dataset: str,
    year: int,
    level: str,
    state: str,
    variables: Sequence[str],
    store_dir: str | os.PathLike[str],
    source: str = API_SOURCE,
    source_label: str = API_LABEL,
    extra_meta: dict[str, Any] | None = None,
    progress: Any = None,
) -> LevelReport:
    """Fetch ``variables`` for every ``level`` geography of ``state`` and store them."""
    report = LevelReport(level=level)
    stale_before = client.log.stale
    frames: list[pd.DataFrame] = []
    for chunk in chunk_variables(variables):
        frame = client.query(dataset, year, level, state, ["NAME", *api_fields(chunk)])
        frames.append(tidy_rows(frame, chunk))
        report.calls += 1
        if progress is not None:
            progress.update(1)
    rows = pd.concat(frames, ignore_index=True) if frames else store._empty()
    report.stale = client.log.stale - stale_before
    report.geographies = int(rows["geoid"].nunique())
    if report.geographies == 0:
        where = store.LEVEL_WORDS.get(level, level)
        raise CensusQueryError(
            f"The Census API returned no {where} of state {state} for "
            f"{store.vintage_label(int(year), dataset)} (an empty answer, HTTP 204). The state "
            "has none at this level or the tables are not published for it; nothing was "
            "stored for this level."
        )
    report.variables = len(set(variables))
    meta = {
        "source": source,
        "source_label": source_label,
        "fetched_at": store.now_iso(),
        "stale_responses": report.stale,
        **(extra_meta or {}),
    }
    key = store.StoreKey(dataset, int(year), level, state)
    report.path = str(store.write_slice(store_dir, key, rows, meta))
    return report


def fetch_state(
    state: str,
    year: int,
    variables: Sequence[str],
    *,
    levels: Sequence[str] = LEVELS,
    client: CensusClient | None = None,
    store_dir: str | os.PathLike[str] | None = None,
    dataset: str = "acs5",
    progress: bool = True,
    source: str = API_SOURCE,
    source_label: str = API_LABEL,
    extra_meta: dict[str, Any] | None = None,
    raise_on_error: bool = True,
) -> FetchReport:
    """Fetch ``variables`` for whole-state ``levels`` into the store; returns a report.

    A level that fails is reported (and raised as :class:`CensusQueryError` at the end
    when ``raise_on_error``) without touching what the store already held for it.
    """
    from tqdm.auto import tqdm

    state = str(state).zfill(2)
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad:
        raise CensusQueryError(f"Unknown level(s) {bad}; use {', '.join(LEVELS)}.")
    if not variables:
        raise CensusQueryError("Nothing to fetch: no ACS variables were selected.")
    client = client or CensusClient()
    directory = store.resolve_store_dir(store_dir)
    report = FetchReport(state, int(year), dataset, source_label)
    total = len(chunk_variables(variables)) * len(levels)
    with tqdm(
        total=total,
        desc=f"ACS {year} state {state}",
        unit="call",
        disable=not progress,
        leave=False,
    ) as bar:
        for level in levels:
            try:
                lv = fetch_level(
                    client,
                    dataset=dataset,
                    year=year,
                    level=level,
                    state=state,
                    variables=variables,
                    store_dir=directory,
                    source=source,
                    source_label=source_label,
                    extra_meta=extra_meta,
                    progress=bar,
                )
            except CensusKeyError:
                raise
            except CensusQueryError as exc:
                lv = LevelReport(level=level, error=str(exc))
            report.levels.append(lv)
    if raise_on_error and not report.ok:
        failed = "; ".join(f"{lv.level}: {lv.error}" for lv in report.levels if lv.error)
        raise CensusQueryError(
            f"Fetching {store.vintage_label(int(year), dataset)} for state {state} failed for "
            f"some levels ({failed}). Levels that succeeded were stored; failed levels keep "
            "whatever the store held before."
        )
    return report
