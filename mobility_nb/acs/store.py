"""The local ACS store: one parquet file per (dataset, year, level, state).

Notebooks never call the Census API; they read slices of this store, which
``mobility-nb census fetch`` (or the offline replay) fills. Keeping whole states per
file means a batch of thousands of pages costs a handful of API calls, reruns are
reproducible, and a failed refresh leaves the previous file in place.

Rows are tidy: ``geoid, name, variable, estimate, moe, estimate_flag, moe_flag`` with
special values already cleaned (see :mod:`mobility_nb.acs.sentinels`). What was fetched,
from where and when is kept in the parquet file's own metadata.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from platformdirs import user_cache_dir

from mobility_nb.atomic import write_atomic
from mobility_nb.config import ACS_STORE_ENV as ENV_STORE
from mobility_nb.errors import MobilityNBError

META_KEY = b"mobility_nb.acs"
COLUMNS = ["geoid", "name", "variable", "estimate", "moe", "estimate_flag", "moe_flag"]
LEVEL_WORDS = {"county": "counties", "place": "places (cities and towns)", "tract": "tracts"}


class ACSStoreMissingError(MobilityNBError):
    """The store lacks data a page needs; the message says how to fetch it."""


@dataclass(frozen=True)
class StoreKey:
    """Which file of the store: dataset ('acs5'), end year, level, 2-digit state FIPS."""

    dataset: str
    year: int
    level: str
    state: str

    def describe(self) -> str:
        where = LEVEL_WORDS.get(self.level, self.level)
        return f"{vintage_label(self.year, self.dataset)} {where} in state {self.state}"


def vintage_label(year: int, dataset: str = "acs5") -> str:
    """'ACS 2013-2017 5-year' for year 2017 of the 5-year data."""
    if dataset.startswith("acs5"):
        return f"ACS {year - 4}\u2013{year} 5-year"
    return f"ACS {year} ({dataset})"


def fetch_command(state: str, year: int | None, levels: list[str] | tuple[str, ...]) -> str:
    """The command a user runs to fill a missing slice."""
    year_part = f" --year {year}" if year else ""
    return f"mobility-nb census fetch --state {state}{year_part} --level {','.join(levels)}"


def default_store_dir() -> Path:
    return Path(user_cache_dir("mobility-nb")) / "acs-store"


def resolve_store_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Store directory: explicit path > $MOBILITY_NB_ACS_STORE > the user cache."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_STORE, "").strip()
    return Path(env).expanduser() if env else default_store_dir()


def slice_path(store_dir: str | os.PathLike[str], key: StoreKey) -> Path:
    return (
        Path(store_dir)
        / key.dataset.replace("/", "_")
        / str(key.year)
        / key.level
        / f"{key.state}.parquet"
    )


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "geoid": pd.Series(dtype=str),
            "name": pd.Series(dtype=str),
            "variable": pd.Series(dtype=str),
            "estimate": pd.Series(dtype=float),
            "moe": pd.Series(dtype=float),
            "estimate_flag": pd.Series(dtype=object),
            "moe_flag": pd.Series(dtype=object),
        }
    )


def read_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The store metadata of one parquet file (without reading its rows)."""
    schema = pq.read_schema(path)
    raw = (schema.metadata or {}).get(META_KEY)
    return json.loads(raw) if raw else {}


def write_slice(
    store_dir: str | os.PathLike[str], key: StoreKey, rows: pd.DataFrame, meta: dict[str, Any]
) -> Path:
    """Add ``rows`` to the store, replacing any earlier rows for the same variables.

    Written to a temporary file and renamed, so a crash never leaves half a file and a
    failed fetch never removes data that was there before.
    """
    path = slice_path(store_dir, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = rows[COLUMNS].copy()
    old_meta: dict[str, Any] = {}
    if path.exists():
        old_meta = read_meta(path)
        old = pd.read_parquet(path)
        old = old[~old["variable"].isin(set(new["variable"]))]
        new = pd.concat([old, new], ignore_index=True) if len(old) else new
    new = new.sort_values(["variable", "geoid"], kind="stable").reset_index(drop=True)
    history = list(old_meta.get("history", []))
    fetched_vars = sorted(set(rows["variable"]))
    history.append(
        {k: meta.get(k) for k in ("fetched_at", "source", "source_label")}
        | {"variables": len(fetched_vars)}
    )
    merged = {**old_meta, **meta}
    merged.update(
        {
            "dataset": key.dataset,
            "year": key.year,
            "level": key.level,
            "state": key.state,
            "vintage": vintage_label(key.year, key.dataset),
            "variables": sorted(set(new["variable"])),
            "geographies": int(new["geoid"].nunique()),
            "history": history[-20:],
        }
    )
    sources = dict(old_meta.get("variable_sources", {}))
    for var in fetched_vars:
        sources[var] = meta.get("source_label", meta.get("source", ""))
    merged["variable_sources"] = sources
    table = pa.Table.from_pandas(
        new.astype({"estimate_flag": object, "moe_flag": object}), preserve_index=False
    )
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), META_KEY: json.dumps(merged).encode()}
    )
    buffer = pa.BufferOutputStream()
    pq.write_table(table, buffer, compression="zstd")
    return write_atomic(path, buffer.getvalue().to_pybytes())


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class StoreSlice:
    """Rows read from one store file plus that file's metadata."""

    key: StoreKey
    path: Path
    rows: pd.DataFrame
    meta: dict[str, Any]

    @property
    def variables(self) -> set[str]:
        return set(self.meta.get("variables", []))

    @property
    def source_label(self) -> str:
        return str(self.meta.get("source_label", self.meta.get("source", "")))

    def wide(self) -> pd.DataFrame:
        """One row per geography; columns ``<var>_E``, ``<var>_M``, ``<var>_Ef``, ``<var>_Mf``."""
        return to_wide(self.rows)


def to_wide(rows: pd.DataFrame) -> pd.DataFrame:
    """Pivot tidy store rows to one row per geography (index ``geoid``; ``name`` column)."""
    if rows.empty:
        return pd.DataFrame(index=pd.Index([], name="geoid", dtype=str))
    names = rows.drop_duplicates("geoid").set_index("geoid")["name"]
    parts = {}
    for col, suffix in (
        ("estimate", "E"),
        ("moe", "M"),
        ("estimate_flag", "Ef"),
        ("moe_flag", "Mf"),
    ):
        piece = rows.pivot(index="geoid", columns="variable", values=col)
        piece.columns = [f"{v}_{suffix}" for v in piece.columns]
        parts[suffix] = piece
    wide = pd.concat(parts.values(), axis=1)
    wide.insert(0, "name", names.reindex(wide.index))
    return wide


def read_slice(
    store_dir: str | os.PathLike[str],
    key: StoreKey,
    variables: list[str] | None = None,
    geoid_prefix: str = "",
) -> StoreSlice:
    """Read one store file (optionally only some variables / geographies).

    Raises :class:`ACSStoreMissingError` naming the command that fetches it.
    """
    path = slice_path(store_dir, key)
    if not path.exists():
        raise ACSStoreMissingError(
            f"The local ACS store at {store_dir} has no {key.describe()}. With a Census API "
            f"key set, run: {fetch_command(key.state, key.year, [key.level])}"
        )
    meta = read_meta(path)
    filters = [("variable", "in", list(variables))] if variables else None
    rows = pd.read_parquet(path, filters=filters)
    if geoid_prefix:
        rows = rows[rows["geoid"].str.startswith(geoid_prefix)]
    rows = rows.reset_index(drop=True)
    if rows.empty:
        rows = _empty()
    return StoreSlice(key, path, rows, meta)


def inventory(store_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Every file in the store: dataset, year, level, state, counts, source, fetched_at."""
    root = Path(store_dir)
    records = []
    for path in sorted(root.glob("*/*/*/*.parquet")) if root.is_dir() else []:
        meta = read_meta(path)
        if not meta:
            continue
        records.append(
            {
                "dataset": meta.get("dataset"),
                "year": int(meta.get("year", 0)),
                "level": meta.get("level"),
                "state": meta.get("state"),
                "vintage": meta.get("vintage", ""),
                "geographies": meta.get("geographies", 0),
                "variables": len(meta.get("variables", [])),
                "source": meta.get("source_label", meta.get("source", "")),
                "fetched_at": meta.get("fetched_at", ""),
                "path": str(path),
            }
        )
    cols = [
        "dataset",
        "year",
        "level",
        "state",
        "vintage",
        "geographies",
        "variables",
        "source",
        "fetched_at",
        "path",
    ]
    return pd.DataFrame(records, columns=cols)


def available_years(
    store_dir: str | os.PathLike[str], state: str, level: str | None = None, dataset: str = "acs5"
) -> list[int]:
    """End years present for a state (newest first), optionally for one level."""
    inv = inventory(store_dir)
    if inv.empty:
        return []
    sel = inv[(inv["state"] == state) & (inv["dataset"] == dataset)]
    if level:
        sel = sel[sel["level"] == level]
    return sorted({int(y) for y in sel["year"]}, reverse=True)
