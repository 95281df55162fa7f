"""Urban's Mobility Metrics files, read once per process into one tidy table.

Urban publishes *wide* files (one row per place-year, four columns per metric: value,
``_lb``, ``_ub``, ``_quality``) with quirks that bite: FIPS codes with leading zeros,
``NA`` strings, housing-wealth ratios stored as ``"a:b"`` text, numeric flags in older
files and renamed columns between releases. Everything downstream works on the tidy
form built here: one row per jurisdiction, year, metric and subgroup.

Tables are cached per (data directory, level) for the life of the process, so a warm
batch kernel pays the parsing cost once, not once per page.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
import pandas as pd

from mobility_nb.config import default_cache_dir, find_file, resolve_data_dir
from mobility_nb.data import catalog, layout
from mobility_nb.data.csvread import read_csv_checked
from mobility_nb.data.layout import MAIN_FILES
from mobility_nb.errors import (
    DataDirectoryError,
    UnknownLevelError,  # noqa: F401 (defined there)
)

Level = Literal["county", "place"]
T = TypeVar("T")
LEVELS: tuple[Level, ...] = ("county", "place")


@dataclass(frozen=True)
class SubgroupFile:
    """An optional subgroup file; ``subgroup_type`` overrides a misleading upstream label."""

    name: str
    subgroup_type: str | None = None
    replaces: str | None = None  # a newer file that supersedes this one when present
    release: str = "2025 release"  # Urban's release the file belongs to (named beside gaps)


SUBGROUP_FILES: dict[str, tuple[SubgroupFile, ...]] = {
    "county": (
        SubgroupFile("12_mobility-metrics_county_race-ethnicity_longitudinal.csv"),
        # 2023 file: "Black" includes Black Hispanic residents, so this is *race*.
        SubgroupFile(
            "02_mobility-metrics_race_longitudinal.csv",
            subgroup_type="race",
            release="2023 release",
        ),
        SubgroupFile("16_mobility-metrics_county_gender_longitudinal.csv", release="2024 release"),
        SubgroupFile(
            "18_mobility-metrics_county_disability_longitudinal.csv", release="2024 release"
        ),
        SubgroupFile(
            "19_mobility-metrics_county_industry_longitudinal.csv", release="2024 release"
        ),
        SubgroupFile(
            "20_mobility-metrics_county_mothers_education_longitudinal.csv", release="2024 release"
        ),
    ),
    "place": (
        SubgroupFile("62_mobility-metrics_place_race-ethnicity_longitudinal.csv"),
        SubgroupFile(
            "06_mobility-metrics_place_race-ethnicity_longitudinal.csv",
            replaces="62_mobility-metrics_place_race-ethnicity_longitudinal.csv",
            release="February 2024 file",
        ),
        # Upstream labels these neighbourhood types "race-ethnicity"; they are tract groups.
        SubgroupFile("63_mobility-metrics_place_race-share_longitudinal.csv", "race-share"),
        SubgroupFile("64_mobility-metrics_place_income_longitudinal.csv"),
        SubgroupFile("65_mobility-metrics_place_age_longitudinal.csv"),
        SubgroupFile("66_mobility-metrics_place_gender_longitudinal.csv"),
        SubgroupFile("67_mobility-metrics_place_tenure_longitudinal.csv"),
        SubgroupFile("68_mobility-metrics_place_disability_longitudinal.csv"),
    ),
}

ID_COLUMNS = (
    "year",
    "state",
    "county",
    "place",
    "state_name",
    "county_name",
    "place_name",
    "population",
    "subgroup_type",
    "subgroup",
)
TEXT_ID_COLUMNS = tuple(c for c in ID_COLUMNS if c not in ("year", "population"))
# Older files name some flags differently from the ``<metric>_quality`` convention.
QUALITY_FALLBACKS: dict[str, tuple[str, ...]] = {
    "pctl_income_20": ("pctl_20_quality", "pctl_income_quality"),
    "pctl_income_50": ("pctl_50_quality", "pctl_income_quality"),
    "pctl_income_80": ("pctl_80_quality", "pctl_income_quality"),
    "count_homeless": ("homeless_quality",),
    "share_homeless": ("homeless_quality",),
}
FLAG_WORDS = {
    "1": "Strong",
    "2": "Marginal",
    "3": "Weak",
    "1.0": "Strong",
    "2.0": "Marginal",
    "3.0": "Weak",
    "Strong": "Strong",
    "Marginal": "Marginal",
    "Weak": "Weak",
}
QUALITY_ORDER = ("Strong", "Marginal", "Weak")
TIDY_COLUMNS = (
    "geoid",
    "level",
    "name",
    "state",
    "year",
    "metric",
    "value",
    "lower",
    "upper",
    "quality",
    "subgroup_type",
    "subgroup",
)

_CACHE: dict[tuple[str, str, str], object] = {}
_DERIVED: dict[tuple[int, str], tuple[weakref.ref, object]] = {}


def _check_level(level: str) -> Level:
    if level not in LEVELS:
        raise UnknownLevelError(
            f"Unknown geography level {level!r}: use 'county' (5-digit FIPS) or 'place' "
            "(a city, 7-digit census place GEOID)."
        )
    return level  # type: ignore[return-value]


def _is_managed_cache(root: Path) -> bool:
    """Only the package's own cache is filled by downloads; user folders are left alone."""
    return root == default_cache_dir() or layout.is_release_folder(root, default_cache_dir())


def locate(name: str, root: Path, required: bool) -> Path | None:
    """Find a data file by name below ``root``; download it when the cache lacks it."""
    hit = find_file(root, name)
    if hit is not None:
        return hit
    if _is_managed_cache(root) and not layout.release_lacks(root, name):
        from mobility_nb.data.download import ensure_file
        from mobility_nb.errors import NotPublishedError

        try:
            return ensure_file(name, root)
        except NotPublishedError:
            if required:
                raise
            return None  # an optional file this release does not have
    if required:
        raise DataDirectoryError(
            f"The data directory {str(root)!r} does not contain {name}. Put Urban's file "
            "there (any sub-folder), point --data-dir / $MOBILITY_NB_DATA at a folder that "
            "has it, or unset both to let mobility-nb download it into its cache."
        )
    return None


def _text_columns(header: list[str]) -> list[str]:
    text = [c for c in header if c in TEXT_ID_COLUMNS or c.endswith("_quality")]
    text += [c for c in header if c.startswith("ratio_") and c.endswith("_house_value_households")]
    return text


def read_wide(path: Path, level: Level) -> pd.DataFrame:
    """Read one Urban file as published, adding a text ``geoid``."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        header = fh.readline().strip().split(",")
    geo = "county" if level == "county" else "place"
    df = read_csv_checked(path, text_columns=_text_columns(header), required=("year", "state", geo))
    width = 3 if level == "county" else 5
    df["geoid"] = df["state"].str.zfill(2) + df[geo].str.zfill(width)
    return df


def load_wide(level: str, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The main longitudinal file of a level, as published (cached)."""
    level = _check_level(level)
    root = resolve_data_dir(data_dir)
    key = ("wide", str(root), level)
    if key not in _CACHE:
        path = locate(MAIN_FILES[level], root, required=True)
        assert path is not None
        df = read_wide(path, level)
        df.attrs["source"] = str(path)
        _CACHE[key] = df
    return _CACHE[key]  # type: ignore[return-value]


def parse_ratio_text(values: pd.Series) -> np.ndarray:
    """``"0.190:0.272"`` (share of wealth : share of households) -> 0.190/0.272; parity = 1."""
    out = np.full(len(values), np.nan)
    for i, text in enumerate(values.to_numpy(dtype=object, na_value=None)):
        if not text:
            continue
        num, _, den = str(text).partition(":")
        try:
            ratio = float(num) / float(den)
        except (ValueError, ZeroDivisionError):
            continue
        out[i] = ratio
    return out


def metric_columns(columns: list[str]) -> list[str]:
    """Value columns of a wide file (everything that is not an id, bound or flag)."""
    return [
        c
        for c in columns
        if c not in ID_COLUMNS and c != "geoid" and not c.endswith(("_lb", "_ub", "_quality"))
    ]


def _quality_column(metric: str, columns: set[str]) -> str | None:
    for candidate in (f"{metric}_quality", *QUALITY_FALLBACKS.get(metric, ())):
        if candidate in columns:
            return candidate
    return None


def _as_float(series: pd.Series) -> np.ndarray:
    if series.dtype.kind in "fi":
        return series.to_numpy(dtype=float, na_value=np.nan)
    return parse_ratio_text(series)


def _codes(values: pd.Series | np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Factorize once per wide file so the tidy table is built from tiled integer codes."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int32), pd.Index(uniques, dtype=object)


def _tiled(values: pd.Series | np.ndarray, k: int) -> pd.Categorical:
    codes, cats = _codes(values)
    return pd.Categorical.from_codes(np.tile(codes, k), categories=cats)


def _flag_codes(series: pd.Series) -> np.ndarray:
    """Quality flags (numbers in older files, words in newer) as codes into QUALITY_ORDER."""
    codes, uniques = pd.factorize(series.to_numpy(dtype=object, na_value=None))
    lookup = np.array(
        [
            QUALITY_ORDER.index(FLAG_WORDS[str(u).strip()]) if str(u).strip() in FLAG_WORDS else -1
            for u in uniques
        ]
        + [-1],
        dtype=np.int8,
    )
    return lookup[codes]  # code -1 (missing) indexes the trailing -1


def to_tidy(
    wide: pd.DataFrame, level: Level, subgroup_type: str | None = None, overall: bool = False
) -> pd.DataFrame:
    """Melt a wide Urban file into the tidy layout (see ``TIDY_COLUMNS``).

    ``overall=True`` marks every row as the overall value: the 2025 city file carries
    leftover ``subgroup_type``/``subgroup`` columns ("tenure"/"All") from one of its inputs.
    """
    columns = list(wide.columns)
    colset = set(columns)
    n = len(wide)
    metrics = metric_columns(columns)
    k = len(metrics)
    if k == 0 or n == 0:
        return pd.DataFrame(columns=list(TIDY_COLUMNS))
    empty = np.full(n, np.nan)
    no_flags = np.full(n, -1, dtype=np.int8)
    value, lower, upper, flags, names = [], [], [], [], []
    for col in metrics:
        names.append(catalog.canonical_name(col) or col)
        value.append(_as_float(wide[col]))
        lower.append(_as_float(wide[f"{col}_lb"]) if f"{col}_lb" in colset else empty)
        upper.append(_as_float(wide[f"{col}_ub"]) if f"{col}_ub" in colset else empty)
        qcol = _quality_column(col, colset)
        flags.append(_flag_codes(wide[qcol]) if qcol else no_flags)
    if "subgroup" in colset and not overall:
        sub_type = wide["subgroup_type"].fillna("all").to_numpy(dtype=object)
        if subgroup_type:
            sub_type = np.where(sub_type == "all", "all", subgroup_type)
        sub = wide["subgroup"].fillna("All").to_numpy(dtype=object)
    else:
        sub_type = np.full(n, "all", dtype=object)
        sub = np.full(n, "All", dtype=object)
    name_col = "county_name" if level == "county" else "place_name"
    place_names = wide[name_col] if name_col in colset else np.full(n, "", dtype=object)
    metric_cats = pd.Index(dict.fromkeys(names), dtype=object)
    metric_codes = np.repeat(metric_cats.get_indexer(names).astype(np.int32), n)
    tidy = pd.DataFrame(
        {
            "geoid": _tiled(wide["geoid"], k),
            "level": pd.Categorical.from_codes(np.zeros(n * k, dtype=np.int8), [level]),
            "name": _tiled(place_names, k),
            "state": _tiled(wide["state"], k),
            "year": np.tile(wide["year"].to_numpy(dtype=np.int32), k),
            "metric": pd.Categorical.from_codes(metric_codes, categories=metric_cats),
            "value": np.concatenate(value),
            "lower": np.concatenate(lower),
            "upper": np.concatenate(upper),
            "quality": pd.Categorical.from_codes(np.concatenate(flags), QUALITY_ORDER),
            "subgroup_type": _tiled(sub_type, k),
            "subgroup": _tiled(sub, k),
        }
    )
    if not overall:
        # Subgroup rows stay even when empty: a group with no value must be reported as
        # missing, not silently vanish from a comparison.
        return tidy
    keep = tidy["value"].notna().to_numpy() | tidy["quality"].notna().to_numpy()
    return tidy.loc[keep].reset_index(drop=True)


def load_metrics(level: str, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Tidy Mobility Metrics (overall values, no subgroups) for every jurisdiction of a level."""
    level = _check_level(level)
    root = resolve_data_dir(data_dir)
    key = ("tidy", str(root), level)
    if key not in _CACHE:
        wide = load_wide(level, root)
        tidy = to_tidy(wide, level, overall=True)
        tidy.attrs["sources"] = [wide.attrs["source"]]
        _CACHE[key] = tidy
    return _CACHE[key]  # type: ignore[return-value]


def subgroup_paths(
    level: str, data_dir: str | os.PathLike[str] | None = None
) -> list[tuple[SubgroupFile, Path]]:
    """The subgroup files present (or downloadable) for a level, newest replacing older."""
    level = _check_level(level)
    root = resolve_data_dir(data_dir)
    found: dict[str, tuple[SubgroupFile, Path]] = {}
    for spec in SUBGROUP_FILES[level]:
        if spec.replaces and spec.replaces in found:
            continue
        path = locate(spec.name, root, required=False)
        if path is not None:
            found[spec.name] = (spec, path)
    return list(found.values())


def load_subgroups(level: str, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Tidy subgroup values (``subgroup_type != 'all'``) from every subgroup file present.

    Rows are kept even without a value, so comparisons can name the groups that are
    missing. Each file's own "All" rows are in :func:`load_subgroup_totals`.
    """
    return _load_subgroup_tables(level, data_dir)[0]


def load_subgroup_totals(
    level: str, data_dir: str | os.PathLike[str] | None = None
) -> pd.DataFrame:
    """The "All" rows of each subgroup file, labelled with that file's subgroup type.

    A subgroup file's total can differ from the main file's value for the same year (or
    exist where the main file has none); gaps are measured against the total published
    beside the groups.
    """
    return _load_subgroup_tables(level, data_dir)[1]


def _file_type(tidy: pd.DataFrame, override: str | None) -> str:
    if override:
        return override
    types = tidy["subgroup_type"].astype(str)
    counts = types[types != "all"].value_counts()
    return str(counts.index[0]) if len(counts) else "all"


def _load_subgroup_tables(
    level: str, data_dir: str | os.PathLike[str] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    level = _check_level(level)
    root = resolve_data_dir(data_dir)
    key = ("subgroups", str(root), level)
    if key not in _CACHE:
        groups, totals, sources = [], [], []
        releases: dict[str, tuple[str, str]] = {}  # subgroup type -> (file name, release)
        for spec, path in subgroup_paths(level, root):
            tidy = to_tidy(read_wide(path, level), level, subgroup_type=spec.subgroup_type)
            is_all = (tidy["subgroup_type"].astype(str) == "all").to_numpy()
            groups.append(tidy[~is_all])
            total = tidy[is_all & tidy["value"].notna().to_numpy()].copy()
            file_type = _file_type(tidy, spec.subgroup_type)
            total["subgroup_type"] = file_type
            totals.append(total)
            sources.append(str(path))
            releases[file_type] = (spec.name, spec.release)
        tables = tuple(_stack(frames, sources) for frames in (groups, totals))
        for table in tables:
            table.attrs["releases"] = dict(releases)
        _CACHE[key] = tables
    return _CACHE[key]  # type: ignore[return-value]


def _stack(frames: list[pd.DataFrame], sources: list[str]) -> pd.DataFrame:
    if frames:
        out = pd.concat(frames, ignore_index=True)
        for col in ("geoid", "name", "state", "metric", "subgroup_type", "subgroup", "level"):
            out[col] = out[col].astype("category")
    else:
        out = pd.DataFrame(columns=list(TIDY_COLUMNS))
    out.attrs["sources"] = sources
    return out


def derived(frame: pd.DataFrame, name: str, build: Callable[[pd.DataFrame], T]) -> T:
    """Cache ``build(frame)`` for as long as this very table object is alive.

    Rankings and lookup tables depend on one loaded table; keying them by the object
    (checked through a weak reference, so a recycled ``id`` never matches) means
    :func:`clear_cache` or a reload invalidates them automatically.
    """
    key = (id(frame), name)
    hit = _DERIVED.get(key)
    if hit is not None and hit[0]() is frame:
        return hit[1]  # type: ignore[return-value]
    value = build(frame)
    _DERIVED[key] = (weakref.ref(frame), value)
    return value


def rows_for(frame: pd.DataFrame, geoid: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """One jurisdiction's rows of a loaded table (optionally some columns only).

    A comparison on a million-row (or text) column costs milliseconds each time; a batch
    looks places up thousands of times, so the positions are grouped once per table.
    """
    index = derived(frame, "rows-by-geoid", lambda f: f.groupby("geoid", observed=True).indices)
    rows = index.get(geoid, np.array([], dtype=np.intp))
    if columns is None:
        return frame.iloc[rows]
    return frame.iloc[rows, [frame.columns.get_loc(c) for c in columns]]


def clear_cache() -> None:
    """Forget loaded tables and everything derived from them (tests, replaced files)."""
    _CACHE.clear()
    _DERIVED.clear()
