"""The local ACS store: one parquet file per (dataset, year, level, state).

Notebooks never call the Census API; they read slices of this store, which
``mobility-nb census fetch`` (or the offline replay) fills. Keeping whole states per
file means a batch of thousands of pages costs a handful of API calls, reruns are
reproducible, and a failed refresh leaves the previous file in place.

Rows are tidy: ``geoid, name, variable, estimate, moe, estimate_flag, moe_flag`` with
special values already cleaned (see :mod:`mobility_nb.acs.sentinels`), plus ``kind``
(``variable`` for a raw ACS cell, ``published`` for a value the source computed; see
:mod:`mobility_nb.acs.variables`) and ``source`` (who supplied that cell). What was fetched
or imported, from where and when is kept in the parquet file's own metadata. Files written
before ``kind``/``source`` existed read as raw variables from the file's source.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from platformdirs import user_cache_dir

from mobility_nb.acs.variables import KIND_PUBLISHED, KIND_VARIABLE
from mobility_nb.atomic import write_atomic
from mobility_nb.config import ACS_STORE_ENV as ENV_STORE
from mobility_nb.errors import (
    ACSStoreCorruptError,
    ACSStoreLocationError,
    ACSStoreMissingError,  # noqa: F401 (defined there)
)

META_KEY = b"mobility_nb.acs"
COLUMNS = ["geoid", "name", "variable", "estimate", "moe", "estimate_flag", "moe_flag"]
ORIGIN_COLUMNS = ["kind", "source"]
JOURNAL = "refill-commands.json"  # store root: slice -> commands that wrote it
LEVEL_WORDS = {"county": "counties", "place": "places (cities and towns)", "tract": "tracts"}


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
            "kind": pd.Series(dtype=object),
            "source": pd.Series(dtype=object),
        }
    )


def ensure_store_dir(store_dir: str | os.PathLike[str], *, create: bool = True) -> Path:
    """The store folder, created when ``create``; a clear error when it cannot be one."""
    path = Path(store_dir).expanduser()
    advice = (
        f"Give --store a folder (it is created if missing), or set ${ENV_STORE}; "
        "by default the store lives in the user cache folder."
    )
    if path.exists() and not path.is_dir():
        raise ACSStoreLocationError(
            f"The ACS store location {path} is a file, not a folder. {advice}"
        )
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise ACSStoreLocationError(
                f"The ACS store location {path} lies under {parent}, which is a file. {advice}"
            )
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ACSStoreLocationError(
                f"Cannot create the ACS store folder {path}: {exc.strerror or exc}. {advice}"
            ) from None
        if not os.access(path, os.W_OK):
            raise ACSStoreLocationError(
                f"The ACS store folder {path} is read-only for this user. {advice}"
            )
    return path


def _relative(store_dir: str | os.PathLike[str], path: str | os.PathLike[str]) -> str:
    try:
        return Path(path).resolve().relative_to(Path(store_dir).resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def refill_commands(store_dir: str | os.PathLike[str], path: str | os.PathLike[str]) -> list[str]:
    """The commands recorded as having written one store file (newest last)."""
    journal = Path(store_dir) / JOURNAL
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entry = data.get(_relative(store_dir, path), []) if isinstance(data, dict) else []
    return [str(c) for c in entry] if isinstance(entry, list) else []


def record_refill(
    store_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]], command: str
) -> None:
    """Remember ``command`` as a way to rebuild ``paths`` (shown if a file is damaged)."""
    if not command:
        return
    journal = Path(store_dir) / JOURNAL
    try:
        data = json.loads(journal.read_text(encoding="utf-8")) if journal.exists() else {}
    except (OSError, ValueError):
        data = {}
    data = data if isinstance(data, dict) else {}
    for path in paths:
        rel = _relative(store_dir, path)
        entry = [c for c in data.get(rel, []) if c != command][-9:]
        data[rel] = [*entry, command]
    with contextlib.suppress(OSError):
        write_atomic(journal, json.dumps(data, indent=1, sort_keys=True))


def _key_from_path(path: Path) -> StoreKey | None:
    try:
        return StoreKey(path.parts[-4], int(path.parts[-3]), path.parts[-2], path.stem)
    except (IndexError, ValueError):
        return None


def _corrupt(
    path: Path, exc: BaseException, store_dir: str | os.PathLike[str] | None = None
) -> ACSStoreCorruptError:
    root = Path(store_dir) if store_dir else path.parents[3]
    commands = refill_commands(root, path)
    key = _key_from_path(path)
    if not commands and key is not None:
        commands = [fetch_command(key.state, key.year, [key.level])]
    what = f" ({key.describe()})" if key else ""
    redo = "; or ".join(commands) if commands else "the fetch or import that filled it"
    reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    return ACSStoreCorruptError(
        f"The ACS store file {path}{what} is damaged and cannot be read ({reason}). Delete "
        f"that file and fill it again with: {redo}. Other files of the store are not affected.",
        str(path),
    )


def read_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The store metadata of one parquet file (without reading its rows)."""
    try:
        schema = pq.read_schema(path)
        raw = (schema.metadata or {}).get(META_KEY)
        return json.loads(raw) if raw else {}
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _corrupt(Path(path), exc) from None


def _read_rows(path: Path, filters: Any = None) -> pd.DataFrame:
    try:
        return pd.read_parquet(path, filters=filters)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _corrupt(path, exc) from None


def _with_origin(rows: pd.DataFrame, meta: Mapping[str, Any]) -> pd.DataFrame:
    """Add ``kind``/``source`` to rows from files written before those columns existed."""
    rows = rows.copy()
    published = set(meta.get("published", {}))
    if "kind" not in rows.columns:
        rows["kind"] = np.where(
            rows["variable"].isin(published), KIND_PUBLISHED, KIND_VARIABLE
        ).astype(object)
    if "source" not in rows.columns:
        by_var = meta.get("variable_sources", {})
        default = str(meta.get("source_label", meta.get("source", "")))
        rows["source"] = [by_var.get(v, default) for v in rows["variable"]]
    return rows


def _merged_slice(
    store_dir: str | os.PathLike[str],
    key: StoreKey,
    rows: pd.DataFrame,
    meta: dict[str, Any],
    replace: str,
) -> tuple[Path, bytes]:
    """The bytes of one store file after merging ``rows`` into what it holds."""
    if replace not in ("variables", "cells"):
        raise ValueError("replace must be 'variables' or 'cells'")
    path = slice_path(store_dir, key)
    label = str(meta.get("source_label", meta.get("source", "")))
    new = _with_origin(
        rows[[c for c in COLUMNS + ORIGIN_COLUMNS if c in rows.columns]],
        {**meta, "variable_sources": {}, "source_label": label},
    )
    old_meta: dict[str, Any] = {}
    if path.exists():
        old_meta = read_meta(path)
        old = _with_origin(_read_rows(path), old_meta)
        if replace == "variables":
            old = old[~old["variable"].isin(set(new["variable"].unique()))]
        else:
            cells = pd.MultiIndex.from_frame(new[["variable", "geoid"]])
            old = old[~pd.MultiIndex.from_frame(old[["variable", "geoid"]]).isin(cells)]
        new = pd.concat([old, new], ignore_index=True) if len(old) else new
    new = new[COLUMNS + ORIGIN_COLUMNS].sort_values(["variable", "geoid"], kind="stable")
    new = new.reset_index(drop=True)
    history = list(old_meta.get("history", []))
    fetched_vars = sorted(set(rows["variable"].unique()))
    history.append(
        {k: meta.get(k) for k in ("fetched_at", "source", "source_label")}
        | {"variables": len(fetched_vars), "geographies": int(rows["geoid"].nunique())}
    )
    merged = {**old_meta, **{k: v for k, v in meta.items() if k != "published"}}
    merged.update(
        {
            "dataset": key.dataset,
            "year": key.year,
            "level": key.level,
            "state": key.state,
            "vintage": vintage_label(key.year, key.dataset),
            "variables": sorted(set(new["variable"].unique())),
            "geographies": int(new["geoid"].nunique()),
            "history": history[-20:],
        }
    )
    sources = dict(old_meta.get("variable_sources", {}))
    for var in fetched_vars:
        sources[var] = label
    merged["variable_sources"] = sources
    published = dict(old_meta.get("published", {}))
    published.update(meta.get("published", {}))
    present = set(new.loc[new["kind"] == KIND_PUBLISHED, "variable"].unique())
    merged["published"] = {k: v for k, v in published.items() if k in present}
    for name in present - set(merged["published"]):
        merged["published"][name] = {}
    merged["sources"] = sorted({str(s) for s in new["source"].dropna().unique()})
    table = pa.Table.from_pandas(
        new.astype({"estimate_flag": object, "moe_flag": object, "kind": object, "source": object}),
        preserve_index=False,
    )
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), META_KEY: json.dumps(merged).encode()}
    )
    buffer = pa.BufferOutputStream()
    pq.write_table(table, buffer, compression="zstd")
    return path, buffer.getvalue().to_pybytes()


def write_slice(
    store_dir: str | os.PathLike[str],
    key: StoreKey,
    rows: pd.DataFrame,
    meta: dict[str, Any],
    *,
    replace: str = "variables",
) -> Path:
    """Add ``rows`` to the store, replacing earlier rows for the same variables.

    ``replace="variables"`` (a whole-state fetch) drops every earlier row of a fetched
    variable; ``"cells"`` (an import) only the earlier rows of the same variable and
    geography, so importing one county never removes another county's values. Written to
    a temporary file and renamed, so a crash never leaves half a file and a failed fetch
    never removes data that was there before.
    """
    path, payload = _merged_slice(store_dir, key, rows, meta, replace)
    return write_atomic(path, payload)


def write_slices(
    store_dir: str | os.PathLike[str],
    parts: Sequence[tuple[StoreKey, pd.DataFrame, dict[str, Any]]],
    *,
    replace: str = "cells",
) -> list[Path]:
    """Write several store files as one change: all of them or, on any failure, none.

    Every merged file is built in memory first (reading what the store holds), then
    written next to its target under a temporary name; only when all are on disk are they
    renamed into place. A failure while renaming puts back the files already replaced.
    """
    payloads = [_merged_slice(store_dir, key, rows, meta, replace) for key, rows, meta in parts]
    staged: list[tuple[Path, Path]] = []
    backups: list[tuple[Path, Path | None]] = []
    try:
        for path, payload in payloads:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
            staged.append((Path(tmp), path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            os.chmod(tmp, 0o644)
        for tmp, path in staged:
            backup: Path | None = None
            if path.exists():
                backup = path.with_name(f".{path.name}.{os.getpid()}.bak")
                with contextlib.suppress(FileNotFoundError):
                    backup.unlink()
                try:
                    os.link(path, backup)
                except OSError:
                    shutil.copy2(path, backup)
            backups.append((path, backup))
            os.replace(tmp, path)
    except BaseException:
        for path, backup in reversed(backups):
            with contextlib.suppress(OSError):
                if backup is not None and backup.exists():
                    if path.exists() and os.path.samefile(backup, path):
                        backup.unlink()  # never replaced: the hard link is the file itself
                    else:
                        os.replace(backup, path)
                elif backup is None:
                    path.unlink()
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    for _, backup in backups:
        if backup is not None:
            with contextlib.suppress(OSError):
                backup.unlink()
    return [path for path, _ in payloads]


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

    @property
    def published(self) -> dict[str, Any]:
        """Published values held here (name -> what the source said about it)."""
        return dict(self.meta.get("published", {}))

    def wide(self) -> pd.DataFrame:
        """One row per geography; columns ``<var>_E``, ``<var>_M``, ``<var>_Ef``, ``<var>_Mf``
        and ``<var>_S`` (the source of that cell)."""
        return to_wide(self.rows)


def to_wide(rows: pd.DataFrame) -> pd.DataFrame:
    """Pivot tidy store rows to one row per geography (index ``geoid``; ``name`` column)."""
    if rows.empty:
        return pd.DataFrame(index=pd.Index([], name="geoid", dtype=str))
    names = rows.drop_duplicates("geoid").set_index("geoid")["name"]
    parts = {}
    pieces = [("estimate", "E"), ("moe", "M"), ("estimate_flag", "Ef"), ("moe_flag", "Mf")]
    if "source" in rows.columns:
        pieces.append(("source", "S"))
    for col, suffix in pieces:
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
    rows = _with_origin(_read_rows(path, filters), meta)
    if geoid_prefix:
        rows = rows[rows["geoid"].str.startswith(geoid_prefix)]
    rows = rows.reset_index(drop=True)
    if rows.empty:
        rows = _empty()
    return StoreSlice(key, path, rows, meta)


def geographies(path: str | os.PathLike[str]) -> frozenset[str]:
    """The GEOIDs one store file holds rows for (reads the GEOID column only)."""
    file = Path(path)
    if not file.is_file():
        return frozenset()
    try:
        column = pq.read_table(file, columns=["geoid"]).column("geoid")
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _corrupt(file, exc) from None
    return frozenset(str(g) for g in column.unique().to_pylist())


INVENTORY_COLUMNS = [
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
    "published",
    "sources",
    "error",
]


def inventory(store_dir: str | os.PathLike[str], *, include_damaged: bool = False) -> pd.DataFrame:
    """Every file in the store: dataset, year, level, state, counts, source, fetched_at.

    ``variables`` counts every name, ``published`` those that are published values;
    ``sources`` lists who supplied the cells. A damaged file is skipped, or listed with
    its ``error`` (the message saying how to refill it) when ``include_damaged``.
    """
    root = Path(store_dir)
    records = []
    for path in sorted(root.glob("*/*/*/*.parquet")) if root.is_dir() else []:
        try:
            meta = read_meta(path)
        except ACSStoreCorruptError as exc:
            key = _key_from_path(path)
            if include_damaged and key is not None:
                records.append(
                    {
                        "dataset": key.dataset,
                        "year": key.year,
                        "level": key.level,
                        "state": key.state,
                        "vintage": vintage_label(key.year, key.dataset),
                        "geographies": 0,
                        "variables": 0,
                        "source": "",
                        "fetched_at": "",
                        "path": str(path),
                        "published": 0,
                        "sources": [],
                        "error": str(exc),
                    }
                )
            continue
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
                "published": len(meta.get("published", {})),
                "sources": list(
                    meta.get("sources")
                    or sorted(set(meta.get("variable_sources", {}).values()))
                    or [meta.get("source_label", meta.get("source", ""))]
                ),
                "error": "",
            }
        )
    return pd.DataFrame(records, columns=INVENTORY_COLUMNS)


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


def slice_sources(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Who supplied one store file's cells: per source, raw variables, published values and
    geographies (reads three columns only)."""
    file = Path(path)
    meta = read_meta(file)
    try:
        columns = pq.read_schema(file).names
        wanted = [c for c in ("variable", "geoid", "kind", "source") if c in columns]
        rows = pq.read_table(file, columns=wanted).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _corrupt(file, exc) from None
    rows = _with_origin(rows, meta)
    out = []
    for source, group in rows.groupby("source", sort=True):
        kinds = group.drop_duplicates("variable")["kind"]
        out.append(
            {
                "source": source,
                "raw": int((kinds == KIND_VARIABLE).sum()),
                "published": int((kinds == KIND_PUBLISHED).sum()),
                "geographies": int(group["geoid"].nunique()),
            }
        )
    return pd.DataFrame(out, columns=["source", "raw", "published", "geographies"])
