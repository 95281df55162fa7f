"""What changed between two releases of Urban's Mobility Metrics files.

Before switching pages to a new release an analyst wants to know what it changes: which
metrics were added, renamed (the catalog's aliases) or dropped, which years came or went,
and which published values were revised, per metric and for their own place. Files are
read with the package's CSV reader and compared as wide tables aligned on place, year and
(in subgroup files) group, one vectorised pass per metric.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mobility_nb.data import catalog, layout, states
from mobility_nb.data.metrics import metric_columns, parse_ratio_text, read_wide
from mobility_nb.data.releases import (
    LEVEL_OF,
    MAIN_NAMES,
    cache_for_lookup,
    cache_of,
    cached_releases,
    data_files,
    plain,
    short_names,
    text_table,
    years_compact,
)
from mobility_nb.errors import MobilityNBError, ReleaseError

_REL_TOL = 1e-9  # Urban's builds differ in the last binary digit between readers


@dataclass(frozen=True)
class MetricChange:
    """How one metric's values moved between two releases of one file."""

    file: str
    metric: str  # the name in the new release
    old_name: str  # the name in the old release (differs when renamed)
    rows_compared: int  # rows (place x year x subgroup) both releases hold
    changed: int  # a value in both, different
    filled: int  # missing before, a value now
    blanked: int  # a value before, missing now
    flags_changed: int  # quality flag differs
    largest_change: float | None  # new - old of the revision largest in absolute size
    largest_geoid: str  # where and when that revision is
    largest_name: str
    largest_year: int | None
    places_affected: int  # places with any revised, filled, blanked or re-flagged row
    places_compared: int  # places in the rows both releases hold

    @property
    def share_places_affected(self) -> float:
        return self.places_affected / self.places_compared if self.places_compared else 0.0

    @property
    def any_change(self) -> bool:
        return bool(self.changed or self.filled or self.blanked or self.flags_changed)


@dataclass
class FileDiff:
    """One file present in both releases."""

    name: str
    level: str
    old_path: Path
    new_path: Path
    metrics_added: list[str]
    metrics_dropped: list[str]
    renamed: dict[str, str]  # old name -> new name
    replaced: list[tuple[str, str, str]]  # (old, new, why they are not the same measure)
    years_added: list[int]
    years_removed: list[int]
    rows_added: int
    rows_removed: int
    rows_compared: int
    metrics: list[MetricChange]
    notes: list[str] = field(default_factory=list)

    @property
    def any_change(self) -> bool:
        return bool(
            self.metrics_added
            or self.metrics_dropped
            or self.renamed
            or self.years_added
            or self.years_removed
            or self.rows_added
            or self.rows_removed
            or self.notes
            or any(m.any_change for m in self.metrics)
        )


@dataclass
class ReleaseDiff:
    """What :func:`diff` found."""

    old: str
    new: str
    old_folder: Path
    new_folder: Path
    files: list[FileDiff]
    files_added: list[str]
    files_removed: list[str]
    place: dict[str, str] | None = None  # geoid, level, name of the place asked for
    place_changes: pd.DataFrame | None = None
    place_years_added: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """One row per file and metric with a change (counts, largest change, share)."""
        rows = [
            {**asdict(m), "share_places_affected": m.share_places_affected}
            for f in self.files
            for m in f.metrics
            if m.any_change
        ]
        columns = [f.name for f in fields(MetricChange)] + ["share_places_affected"]
        return pd.DataFrame(rows, columns=columns)

    def text(self, limit: int = 60) -> str:
        """The comparison for people; at most ``limit`` rows per place (0: all)."""
        out = [
            f"Old: {_where(self.old, self.old_folder)}",
            f"New: {_where(self.new, self.new_folder)}",
        ]
        out.append(
            f"Files compared: {len(self.files)}; only in {self.new}: "
            f"{short_names(self.files_added)}; only in {self.old}: "
            f"{short_names(self.files_removed)}"
        )
        same = [f.name for f in self.files if not f.any_change]
        for f in (f for f in self.files if f.any_change):
            out += ["", f"{f.name} ({f.level})"]
            out.append(f"  Metrics added: {', '.join(f.metrics_added) or 'none'}")
            renamed = [f"{o} -> {n}" for o, n in f.renamed.items()]
            out.append(f"  Metrics renamed: {', '.join(renamed) or 'none'}")
            out.append(f"  Metrics dropped: {', '.join(f.metrics_dropped) or 'none'}")
            for old, new, why in f.replaced:
                out.append(f"  {old} was replaced by {new}, a different measure: {why}")
            out.append(
                f"  Years added: {_years(f.years_added)}; years removed: {_years(f.years_removed)}"
            )
            out.append(
                f"  Rows: {f.rows_compared:,} in both, {f.rows_added:,} added, "
                f"{f.rows_removed:,} removed"
            )
            moved = [m for m in f.metrics if m.any_change]
            if moved:
                out.append("  Values revised (rows both releases hold):")
                rows = [
                    [
                        m.metric,
                        f"{m.changed:,}",
                        f"{m.filled:,}",
                        f"{m.blanked:,}",
                        f"{m.flags_changed:,}",
                        _largest(m),
                        f"{m.places_affected:,} of {m.places_compared:,} "
                        f"({m.share_places_affected:.1%})",
                    ]
                    for m in moved
                ]
                out += [
                    "    " + line
                    for line in text_table(
                        [
                            "metric",
                            "changed",
                            "filled",
                            "blanked",
                            "flags",
                            "largest change",
                            "places affected",
                        ],
                        rows,
                    )
                ]
            unchanged = len(f.metrics) - len(moved)
            out.append(f"  Unchanged metrics: {unchanged}")
            out += [f"  Note: {n}" for n in f.notes]
        if same:
            out += ["", f"Unchanged files (same metrics, rows and values): {short_names(same)}"]
        if self.place is not None:
            out += ["", f"{self.place['name']} ({self.place['level']} {self.place['geoid']})"]
            out.append(f"  Years added for this place: {_years(self.place_years_added)}")
            changes = self.place_changes if self.place_changes is not None else pd.DataFrame()
            if changes.empty:
                out.append("  No value of this place changed in the years both releases hold.")
            else:
                shown = changes if limit <= 0 else changes.head(limit)
                rows = [
                    [
                        r.metric,
                        _group_label(r.subgroup_type, r.subgroup),
                        str(r.year),
                        _num(r.old),
                        _num(r.new),
                        r.kind,
                    ]
                    for r in shown.itertuples()
                ]
                out += [
                    "  " + line
                    for line in text_table(["metric", "group", "year", "old", "new", "what"], rows)
                ]
                if len(changes) > len(shown):
                    out.append(
                        f"  ... and {len(changes) - len(shown):,} more (--limit 0 shows "
                        "all, --json gives every row)"
                    )
        out += [f"Note: {n}" for n in self.notes]
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        data = plain(self)
        data["place_changes"] = (
            []
            if self.place_changes is None
            else json.loads(self.place_changes.to_json(orient="records"))
        )
        for f, fd in zip(self.files, data["files"], strict=True):
            for m, md in zip(f.metrics, fd["metrics"], strict=True):
                md["share_places_affected"] = m.share_places_affected
        return data


_PLACE_COLUMNS = (
    "file",
    "metric",
    "subgroup_type",
    "subgroup",
    "year",
    "old",
    "new",
    "change",
    "kind",
)


def diff(
    old: str | os.PathLike[str],
    new: str | os.PathLike[str],
    jurisdiction: str | None = None,
    *,
    level: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> ReleaseDiff:
    """Compare two releases: each a tag in the cache (``data_dir``, default the cache) or a
    folder. With ``jurisdiction`` (a FIPS/GEOID or a name, ``level`` to pick county or
    city) the result also lists each of that place's changed values, old -> new by year."""
    cache = cache_for_lookup(data_dir)
    old_label, old_folder = _locate_release(old, cache, "OLD")
    new_label, new_folder = _locate_release(new, cache, "NEW")
    old_files = data_files(old_folder, managed=cache_of(old_folder) is not None)
    new_files = data_files(new_folder, managed=cache_of(new_folder) is not None)
    result = ReleaseDiff(
        old_label,
        new_label,
        old_folder,
        new_folder,
        [],
        files_added=sorted(set(new_files) - set(old_files)),
        files_removed=sorted(set(old_files) - set(new_files)),
    )
    place = _resolve_place(jurisdiction, level, new_folder, old_folder) if jurisdiction else None
    changes: list[pd.DataFrame] = []
    years_added: set[int] = set()
    for name in sorted(set(old_files) & set(new_files)):
        file_level = LEVEL_OF.get(name) or _level_from_header(new_files[name])
        if file_level is None:
            result.notes.append(
                f"{name} has no year or no county/place column (a one-row-per-place file); "
                "not compared."
            )
            continue
        geoid = place["geoid"] if place and place["level"] == file_level else None
        fd, place_rows, place_new_years = _diff_file(
            name, file_level, old_files[name], new_files[name], geoid
        )
        result.files.append(fd)
        if place_rows is not None:
            changes.append(place_rows)
            years_added |= place_new_years
    if place is not None:
        result.place = place
        nonempty = [c for c in changes if not c.empty]
        result.place_changes = (
            pd.concat(nonempty, ignore_index=True)
            if nonempty
            else pd.DataFrame(columns=list(_PLACE_COLUMNS))
        )
        result.place_years_added = sorted(years_added)
    return result


def _level_from_header(path: Path) -> str | None:
    with open(path, encoding="utf-8", errors="replace") as fh:
        header = fh.readline().strip().split(",")
    if "year" not in header:
        return None
    return "place" if "place" in header else "county" if "county" in header else None


def _resolve_place(
    text: str, level: str | None, new_folder: Path, old_folder: Path
) -> dict[str, str]:
    from mobility_nb.data.jurisdictions import resolve

    try:
        found = resolve(text, level=level, data_dir=new_folder)
    except MobilityNBError:
        found = resolve(text, level=level, data_dir=old_folder)  # dropped from the new one?
    return {"geoid": found.geoid, "level": found.level, "name": found.display_name}


def _joint_codes(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes shared by two columns (-1 for missing): equal code = equal value.

    Hashing both columns together is far cheaper than turning Arrow text into Python
    objects, which is what comparing ids, flags and "a:b" text would otherwise cost.
    """
    codes, _ = pd.factorize(pd.concat([a, b], ignore_index=True), use_na_sentinel=True)
    return codes[: len(a)], codes[len(a) :]


@dataclass(frozen=True)
class _Aligned:
    """The rows two releases of one file both hold, matched on place, year and group."""

    old_rows: np.ndarray  # positions in the old file
    new_rows: np.ndarray  # positions in the new file, same order
    geo_codes: np.ndarray  # place of each matched row, as codes into geo_names
    geo_names: pd.Index
    years: np.ndarray
    rows_removed: int
    notes: list[str]


def _align(old: pd.DataFrame, new: pd.DataFrame, main: bool) -> _Aligned:
    cols = ["geoid", "year"]
    if not main:  # subgroup files: one row per place, year and group
        cols += [c for c in ("subgroup_type", "subgroup") if c in old.columns and c in new.columns]
    key_old = np.zeros(len(old), dtype=np.int64)
    key_new = np.zeros(len(new), dtype=np.int64)
    for col in cols:
        a, b = _joint_codes(old[col], new[col])
        base = int(max(a.max(initial=-1), b.max(initial=-1))) + 2
        key_old, key_new = key_old * base + a + 1, key_new * base + b + 1
    old_index = pd.Index(key_old)
    repeated = old_index.duplicated()
    notes = []
    for label, count in (("old", repeated.sum()), ("new", pd.Index(key_new).duplicated().sum())):
        if count:
            notes.append(
                f"the {label} file repeats {int(count):,} rows (same place, year and group); "
                "the first of each was compared"
            )
    first_old = np.flatnonzero(~repeated)
    pos = old_index[first_old].get_indexer(key_new)
    new_rows = np.flatnonzero(pos >= 0)
    geo_codes, geo_names = pd.factorize(new["geoid"].iloc[new_rows])
    return _Aligned(
        old_rows=first_old[pos[new_rows]],
        new_rows=new_rows,
        geo_codes=geo_codes,
        geo_names=pd.Index(geo_names),
        years=new["year"].to_numpy()[new_rows].astype(int),
        rows_removed=len(first_old) - len(new_rows),
        notes=notes,
    )


def _values(old: pd.Series, new: pd.Series, al: _Aligned) -> tuple[np.ndarray, np.ndarray]:
    """Matched old and new values as floats (Urban's "a:b" text as the ratio a/b).

    Text columns are parsed only where the text differs; elsewhere both sides get the
    same stand-in (0, or NaN when missing), which is all the change counts need.
    """
    if old.dtype.kind in "fiu" and new.dtype.kind in "fiu":
        return (
            old.to_numpy(dtype=float, na_value=np.nan)[al.old_rows],
            new.to_numpy(dtype=float, na_value=np.nan)[al.new_rows],
        )
    a = np.where(old.isna().to_numpy()[al.old_rows], np.nan, 0.0)
    b = np.where(new.isna().to_numpy()[al.new_rows], np.nan, 0.0)
    differ = np.flatnonzero(_text_differs(old, new, al))
    if differ.size:
        a[differ] = _floats(old.iloc[al.old_rows[differ]])
        b[differ] = _floats(new.iloc[al.new_rows[differ]])
    return a, b


def _floats(series: pd.Series) -> np.ndarray:
    if series.dtype.kind in "fiu":
        return series.to_numpy(dtype=float, na_value=np.nan)
    return parse_ratio_text(series)


def _flags_changed(
    old: pd.DataFrame, new: pd.DataFrame, old_col: str, new_col: str, al: _Aligned
) -> np.ndarray | None:
    """Rows whose quality flag differs (None when either file has no flag column)."""
    qa, qb = f"{old_col}_quality", f"{new_col}_quality"
    if qa not in old.columns or qb not in new.columns:
        return None
    return _text_differs(old[qa], new[qb], al)


def _text_differs(old: pd.Series, new: pd.Series, al: _Aligned) -> np.ndarray:
    """Matched rows whose text differs (missing counts as the empty text), in Arrow."""
    a = pc.fill_null(pa.array(old, type=pa.string()).take(al.old_rows), "")
    b = pc.fill_null(pa.array(new, type=pa.string()).take(al.new_rows), "")
    return pc.not_equal(a, b).to_numpy(zero_copy_only=False)


def _match_metrics(
    old_cols: list[str], new_cols: list[str]
) -> tuple[dict[str, str], list[str], list[str], list[tuple[str, str, str]]]:
    """(old -> new for every metric in both, added, dropped, replaced)."""
    new_set, old_set = set(new_cols), set(old_cols)
    pairs = {c: c for c in old_cols if c in new_set}
    new_only = [c for c in new_cols if c not in old_set]
    by_canonical = {catalog.canonical_name(c): c for c in new_only if catalog.canonical_name(c)}
    renamed = {}
    replaced = []
    for col in (c for c in old_cols if c not in new_set):
        target = (
            by_canonical.get(catalog.canonical_name(col)) if catalog.canonical_name(col) else None
        )
        if target is not None and target not in renamed.values():
            renamed[col] = target
        elif col in catalog.REDEFINED and catalog.REDEFINED[col][0] in new_only:
            replaced.append((col, catalog.REDEFINED[col][0], catalog.REDEFINED[col][1]))
    pairs.update(renamed)
    added = [c for c in new_only if c not in renamed.values()]
    dropped = [c for c in old_cols if c not in new_set and c not in renamed]
    return pairs, added, dropped, replaced


def _diff_file(
    name: str, level: str, old_path: Path, new_path: Path, geoid: str | None
) -> tuple[FileDiff, pd.DataFrame | None, set[int]]:
    old_w, new_w = read_wide(old_path, level), read_wide(new_path, level)
    al = _align(old_w, new_w, main=name in MAIN_NAMES)
    pairs, added, dropped, replaced = _match_metrics(
        metric_columns(list(old_w.columns)), metric_columns(list(new_w.columns))
    )
    place_code = al.geo_names.get_indexer([geoid])[0] if geoid is not None else -1
    in_place = al.geo_codes == place_code if place_code >= 0 else None
    metrics, place_frames = [], []
    for old_col, new_col in pairs.items():
        a, b = _values(old_w[old_col], new_w[new_col], al)
        change = _compare(a, b, _flags_changed(old_w, new_w, old_col, new_col, al), al)
        at = change.pop("at")
        metrics.append(
            MetricChange(
                file=name,
                metric=new_col,
                old_name=old_col,
                rows_compared=len(al.new_rows),
                largest_geoid=str(al.geo_names[al.geo_codes[at]]) if at >= 0 else "",
                largest_name=_place_name(new_w, level, al.new_rows[at]) if at >= 0 else "",
                largest_year=int(al.years[at]) if at >= 0 else None,
                places_compared=len(al.geo_names),
                **change,
            )
        )
        if in_place is not None:
            place_frames.append(_place_rows(name, new_col, new_w, a, b, in_place, al))
    old_years = set(old_w["year"].astype(int).tolist())
    new_years = set(new_w["year"].astype(int).tolist())
    fd = FileDiff(
        name=name,
        level=level,
        old_path=old_path,
        new_path=new_path,
        metrics_added=added,
        metrics_dropped=dropped,
        renamed={o: n for o, n in pairs.items() if o != n},
        replaced=replaced,
        years_added=sorted(new_years - old_years),
        years_removed=sorted(old_years - new_years),
        rows_added=len(new_w) - len(al.new_rows),
        rows_removed=al.rows_removed,
        rows_compared=len(al.new_rows),
        metrics=metrics,
        notes=al.notes,
    )
    if geoid is None:
        return fd, None, set()
    frames = [f for f in place_frames if not f.empty]
    rows = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=list(_PLACE_COLUMNS))
    )
    years_then = set(old_w.loc[(old_w["geoid"] == geoid).to_numpy(), "year"].astype(int))
    years_now = set(new_w.loc[(new_w["geoid"] == geoid).to_numpy(), "year"].astype(int))
    return fd, rows, years_now - years_then


def _compare(a: np.ndarray, b: np.ndarray, flags: np.ndarray | None, al: _Aligned) -> dict:
    """Change counts of one metric; ``at`` is the row of the largest revision (-1: none)."""
    na_a, na_b = np.isnan(a), np.isnan(b)
    delta = b - a
    with np.errstate(invalid="ignore"):
        revised = ~na_a & ~na_b & (np.abs(delta) > _REL_TOL * np.maximum(np.abs(a), np.abs(b)))
    touched = revised | (na_a != na_b)
    if flags is not None:
        touched = touched | flags
    at = int(np.argmax(np.where(revised, np.abs(delta), -1.0))) if revised.any() else -1
    return {
        "changed": int(revised.sum()),
        "filled": int((na_a & ~na_b).sum()),
        "blanked": int((~na_a & na_b).sum()),
        "flags_changed": int(flags.sum()) if flags is not None else 0,
        "largest_change": float(delta[at]) if at >= 0 else None,
        "places_affected": int(np.unique(al.geo_codes[touched]).size),
        "at": at,
    }


def _place_rows(
    file: str,
    metric: str,
    new_w: pd.DataFrame,
    a: np.ndarray,
    b: np.ndarray,
    in_place: np.ndarray,
    al: _Aligned,
) -> pd.DataFrame:
    """One place's changed values of one metric, old -> new by year and group."""
    na_a, na_b = np.isnan(a), np.isnan(b)
    with np.errstate(invalid="ignore"):
        revised = ~na_a & ~na_b & (np.abs(b - a) > _REL_TOL * np.maximum(np.abs(a), np.abs(b)))
    hit = np.flatnonzero(in_place & (revised | (na_a != na_b)))
    if hit.size == 0:
        return pd.DataFrame(columns=list(_PLACE_COLUMNS))
    rows = al.new_rows[hit]
    kind = np.where(revised[hit], "revised", np.where(na_a[hit], "new value", "value removed"))
    return pd.DataFrame(
        {
            "file": file,
            "metric": metric,
            "subgroup_type": _subgroups(new_w, "subgroup_type", rows, "all", file),
            "subgroup": _subgroups(new_w, "subgroup", rows, "All", file),
            "year": al.years[hit],
            "old": a[hit],
            "new": b[hit],
            "change": b[hit] - a[hit],
            "kind": kind,
        }
    )


def _subgroups(
    frame: pd.DataFrame, column: str, rows: np.ndarray, overall: str, file: str
) -> np.ndarray:
    """The subgroup columns of matched rows; main files (and gaps) count as the overall."""
    if file in MAIN_NAMES or column not in frame.columns:
        return np.full(len(rows), overall, dtype=object)
    values = frame[column].iloc[rows]
    return values.astype(object).where(values.notna(), overall).to_numpy()


def _place_name(frame: pd.DataFrame, level: str, row: int) -> str:
    """'Travis County, TX', for people reading where the largest revision is."""
    column = "county_name" if level == "county" else "place_name"
    name = frame[column].iloc[row] if column in frame.columns else None
    state = frame["state"].iloc[row]
    if name is None or pd.isna(name):
        return str(frame["geoid"].iloc[row])
    return f"{name}, {states.abbr(state)}" if state else str(name)


def _where(label: str, folder: Path) -> str:
    return label if label == str(folder) else f"{label} ({folder})"


def _largest(m: MetricChange) -> str:
    if m.largest_change is None:
        return "-"
    return f"{m.largest_change:+.4g}: {m.largest_name} {m.largest_year}"


def _locate_release(text: str | os.PathLike[str], cache: Path, role: str) -> tuple[str, Path]:
    """(label, folder) for a tag in the cache or a folder path."""
    path = Path(text).expanduser()
    if path.is_dir():
        folder = layout.data_folder(path.resolve())
        label = folder.name if cache_of(folder) is not None else str(path)
        return label, folder
    held = [r.tag for r in cached_releases(cache)]
    try:
        tag = layout.check_tag(str(text))
    except ReleaseError:
        tag = None
    if tag is not None and tag in held:
        return tag, layout.release_dir(cache, tag)
    raise ReleaseError(
        f"{role} {str(text)!r} is neither a folder nor a release in the cache {cache} "
        f"(it holds {', '.join(held) or 'no releases yet'}). Download it first with "
        f"`mobility-nb data update --release {text}`, or give the folder that holds its files."
    )


def _group_label(kind: str, name: str) -> str:
    return "all" if kind == "all" else f"{kind}: {name}"


def _num(value: float) -> str:
    return (
        "NA" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.6g}"
    )


def _years(values: Sequence[int]) -> str:
    return years_compact(values) or "none"
