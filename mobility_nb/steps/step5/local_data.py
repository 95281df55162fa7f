"""The analyst's own CSV and Excel files: declared in the parameters, checked, summarised.

Step 5 pairs the Mobility Metrics with local administrative or survey data. A partner
page must never show a number from a file that silently lost its leading zeros or mixed
"n/a" into a rate, so each file listed under ``local_files`` is checked - required
columns, value types (with row examples), geography keys that belong to the
jurisdiction - and the page lists every problem next to a summary of what was usable.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

import numpy as np
import pandas as pd

from mobility_nb.errors import (
    LocalDataError,  # noqa: F401 (defined there)
    ParamsError,
)
from mobility_nb.render.formats import MISSING

TYPES = ("text", "integer", "number", "year", "geoid", "date")
GEOID_LENGTH = {"tract": 11, "county": 5, "place": 7, "block group": 12, "zcta": 5, "zip": 5}
# Levels a file may describe without codes of ours (a school division's own report).
NAMED_LEVELS = ("school district", "other")
BASES = ("project", "census-data")  # what a relative path is relative to
SPEC_KEYS = {
    "base",
    "group_columns",
    "path",
    "name",
    "owner",
    "geography_key",
    "geography_level",
    "required_columns",
    "year_column",
    "value_columns",
    "description",
    "disaggregation",
    "access",
    "quality_notes",
    "sheet",
    "example",
    "years",
    "url",
    "contact",
}
MAX_EXAMPLES = 5
MISSING_TEXT = {"", "na", "n/a", "nan", "null", "none", "-", "."}


@dataclass(frozen=True)
class LocalFileSpec:
    """One entry of the ``local_files`` parameter."""

    path: Path
    name: str
    owner: str = ""
    geography_key: str = ""
    geography_level: str = ""
    required_columns: tuple[tuple[str, str], ...] = ()
    year_column: str = ""
    value_columns: tuple[str, ...] = ()
    description: str = ""
    disaggregation: str = ""
    access: str = ""
    quality_notes: str = ""
    sheet: str | int | None = None
    example: bool = False
    url: str = ""
    contact: str = ""
    group_columns: tuple[str, ...] = ()  # e.g. ("subgroup",): values shown per group


@dataclass
class Issue:
    """One problem found in a file, with the rows (as numbered in the file) it affects."""

    severity: str  # "error": file not used; "problem": affected rows left out
    column: str
    message: str
    rows: list[int] = field(default_factory=list)


@dataclass
class LoadedLocalFile:
    """A checked file: usable rows, every issue, and whether it could be used at all."""

    spec: LocalFileSpec
    data: pd.DataFrame
    issues: list[Issue]
    rows_read: int = 0
    year_labels: dict[int, str] = field(default_factory=dict)  # 2023 -> "2023–24"

    @property
    def years(self) -> str:
        """The years the usable rows cover, as written for school years ('2022–23')."""
        s = self.spec
        if not s.year_column or self.data.empty:
            return ""
        return years_text(self.data[s.year_column], self.year_labels)

    @property
    def usable(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)

    @property
    def status(self) -> str:
        if not self.usable:
            return "not used (see problems)"
        problems = sum(1 for i in self.issues if i.severity == "problem")
        return "used" if not problems else f"used, {problems} problem(s) - rows left out"


# --- parameters --------------------------------------------------------------------------------


def _as_columns(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if isinstance(value, Mapping):
        pairs = [(str(k), str(v).lower()) for k, v in value.items()]
    elif isinstance(value, (list, tuple)):
        pairs = [(str(v), "text") for v in value]
    else:
        raise ParamsError(
            f"{where}: required_columns must be a list of column names or a mapping 'column: type'."
        )
    for col, kind in pairs:
        if kind not in TYPES:
            raise ParamsError(
                f"{where}: column {col!r} has type {kind!r}; use one of {', '.join(TYPES)}."
            )
    return tuple(pairs)


def _resolve(path: Path, bases: list[Path]) -> Path:
    """A relative path from the first base folder where it exists (else the first base)."""
    if path.is_absolute():
        return path
    for base in bases:
        if (base / path).exists():
            return base / path
    return bases[0] / path


def _census_base(census_data_dir: str | os.PathLike[str] | None) -> Path:
    """The census data folder, or a placeholder naming it when it is not on this machine
    (the file then shows as missing, with its path, instead of failing the page)."""
    from mobility_nb.config import CENSUS_DATA_ENV, resolve_census_data_dir
    from mobility_nb.errors import DataDirectoryError

    try:
        return resolve_census_data_dir(census_data_dir)
    except DataDirectoryError:
        return Path(str(census_data_dir or f"${CENSUS_DATA_ENV}"))


def _names(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ParamsError(f"{where}: {key} must be a column name or a list of column names.")


def parse_specs(
    entries: Iterable[Mapping[str, Any]] | None,
    base_dirs: Iterable[str | os.PathLike[str]] = (),
    census_data_dir: str | os.PathLike[str] | None = None,
) -> list[LocalFileSpec]:
    """Turn the ``local_files`` parameter into specs.

    Relative paths are looked up in ``base_dirs`` in order (by default the current
    folder), so a parameters file can say ``params/local/file.csv`` from the project; an
    entry with ``base: census-data`` is relative to the census data folder
    (``census_data_dir``, $MOBILITY_NB_CENSUS_DATA), so files shipped there are read in
    place.
    """
    specs = []
    bases = [Path(b) for b in base_dirs] or [Path.cwd()]
    for n, entry in enumerate(entries or [], start=1):
        where = f"local_files entry {n}"
        if not isinstance(entry, Mapping):
            raise ParamsError(
                f"{where} must be a mapping with at least 'path' and 'name', got {entry!r}."
            )
        unknown = sorted(set(entry) - SPEC_KEYS)
        if unknown:
            hints = [
                f"{u!r} (did you mean {m[0]!r}?)"
                if (m := difflib.get_close_matches(u, sorted(SPEC_KEYS), n=1))
                else repr(u)
                for u in unknown
            ]
            raise ParamsError(
                f"{where} has unknown setting(s) {', '.join(hints)}. Valid: "
                f"{', '.join(sorted(SPEC_KEYS))}."
            )
        if not entry.get("path"):
            raise ParamsError(f"{where} has no 'path' (the CSV or Excel file to read).")
        base = str(entry.get("base", "project") or "project")
        if base not in BASES:
            raise ParamsError(
                f"{where}: base {base!r} is not understood; use 'project' (relative to the "
                "folder the page runs in, then the project) or 'census-data' (relative to "
                "the census data folder)."
            )
        raw_path = Path(str(entry["path"])).expanduser()
        if base == "census-data" and not raw_path.is_absolute():
            path = _census_base(census_data_dir) / raw_path
        else:
            path = _resolve(raw_path, bases)
        level = str(entry.get("geography_level", "") or "").lower()
        if level and level not in GEOID_LENGTH and level not in NAMED_LEVELS:
            raise ParamsError(
                f"{where}: geography_level {level!r} is not one of "
                f"{', '.join([*GEOID_LENGTH, *NAMED_LEVELS])}."
            )
        value_cols = entry.get("value_columns") or ()
        if isinstance(value_cols, str):
            value_cols = [value_cols]
        specs.append(
            LocalFileSpec(
                path=path,
                name=str(entry.get("name") or path.name),
                owner=str(entry.get("owner", "") or ""),
                geography_key=str(entry.get("geography_key", "") or ""),
                geography_level=level,
                required_columns=_as_columns(entry.get("required_columns"), where),
                year_column=str(entry.get("year_column", "") or ""),
                value_columns=tuple(str(v) for v in value_cols),
                description=str(entry.get("description", "") or ""),
                disaggregation=str(entry.get("disaggregation", "") or ""),
                access=str(entry.get("access", "") or ""),
                quality_notes=str(entry.get("quality_notes", "") or ""),
                sheet=entry.get("sheet"),
                example=bool(entry.get("example", False)),
                url=str(entry.get("url", "") or ""),
                contact=str(entry.get("contact", "") or ""),
                group_columns=_names(entry.get("group_columns"), where, "group_columns"),
            )
        )
    return specs


# --- reading -----------------------------------------------------------------------------------


def _excel_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def read_table(spec: LocalFileSpec) -> pd.DataFrame:
    """Every cell as text, exactly as written (so '06' stays '06')."""
    suffix = spec.path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return pd.read_csv(spec.path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if suffix in (".xlsx", ".xlsm"):
        frame = pd.read_excel(
            spec.path,
            sheet_name=spec.sheet if spec.sheet is not None else 0,
            dtype=object,
            engine="openpyxl",
        )
        return frame.apply(lambda col: col.map(_excel_text)).astype(str)
    raise ValueError(f"unsupported file type {suffix!r}: use .csv or .xlsx")


# --- checking ----------------------------------------------------------------------------------

_INT = re.compile(r"[-+]?\d+")
SCHOOL_YEAR = re.compile(r"((?:19|20)\d\d)\s*[-/\u2013]\s*(\d\d|\d{4})")  # 2023-24, 2023 - 2024
_NUM = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _bad_values(text: pd.Series, kind: str) -> pd.Series:
    """True where a non-empty cell cannot be read as ``kind``."""
    s = text.str.strip().str.replace(",", "", regex=False)
    empty = s.str.lower().isin(MISSING_TEXT)
    if kind == "integer":
        ok = s.str.fullmatch(_INT.pattern)
    elif kind == "number":
        ok = s.str.rstrip("%").str.fullmatch(_NUM.pattern)
    elif kind == "year":
        ok = s.str.fullmatch(r"(19|20)\d\d") | s.str.fullmatch(SCHOOL_YEAR.pattern)
    elif kind == "date":
        ok = pd.to_datetime(s, errors="coerce").notna()
    else:
        ok = pd.Series(True, index=s.index)
    return ~empty & ~ok.fillna(False).astype(bool)


def _examples(text: pd.Series, mask: pd.Series) -> tuple[str, list[int]]:
    rows = [int(i) + 2 for i in text.index[mask]]  # header is line 1
    shown = ", ".join(f"row {r}: {text.loc[r - 2]!r}" for r in rows[:MAX_EXAMPLES])
    more = f" and {len(rows) - MAX_EXAMPLES} more" if len(rows) > MAX_EXAMPLES else ""
    return shown + more, rows


def _number(text: pd.Series) -> pd.Series:
    s = text.str.strip().str.replace(",", "", regex=False).str.rstrip("%")
    return pd.to_numeric(s, errors="coerce")


def check_file(
    spec: LocalFileSpec, valid_geoids: Iterable[str] | None = None, jurisdiction: str = ""
) -> LoadedLocalFile:
    """Read and check one file; never raises for a bad file (issues say what is wrong)."""
    issues: list[Issue] = []
    if not spec.path.exists():
        issues.append(
            Issue(
                "error",
                "",
                f"The file {spec.path} does not exist. Check the "
                "'path' in local_files (relative paths are looked up from the "
                "folder the page runs in, then the project folder).",
            )
        )
        return LoadedLocalFile(spec, pd.DataFrame(), issues)
    try:
        raw = read_table(spec)
    except Exception as exc:  # noqa: BLE001 - whatever the parser says, the file is at fault
        detail = (
            "it is not an Excel workbook (a renamed CSV or a damaged file?)"
            if isinstance(exc, BadZipFile)
            else str(exc)
        )
        issues.append(
            Issue(
                "error",
                "",
                f"Cannot read {spec.path.name}: {detail}. Save it as UTF-8 CSV or .xlsx.",
            )
        )
        return LoadedLocalFile(spec, pd.DataFrame(), issues)
    raw.columns = [str(c).strip() for c in raw.columns]
    columns = list(raw.columns)
    required = dict(spec.required_columns)
    for extra in (spec.geography_key, spec.year_column, *spec.value_columns, *spec.group_columns):
        if extra:
            required.setdefault(extra, "text")
    if spec.geography_key:
        required[spec.geography_key] = "geoid"
    if spec.year_column and required.get(spec.year_column) == "text":
        required[spec.year_column] = "year"
    for col in spec.value_columns:
        if required.get(col) == "text":
            required[col] = "number"
    missing = [c for c in required if c not in columns]
    for col in missing:
        close = difflib.get_close_matches(col, columns, n=1, cutoff=0.6)
        hint = (
            f" A column named {close[0]!r} exists - rename it or fix the parameters."
            if close
            else f" The file has: {', '.join(columns[:12])}."
        )
        issues.append(Issue("error", col, f"Required column {col!r} is missing.{hint}"))
    if missing:
        return LoadedLocalFile(spec, pd.DataFrame(), issues, rows_read=len(raw))
    keep = pd.Series(True, index=raw.index)
    for col, kind in required.items():
        if kind in ("text", "geoid"):
            continue
        bad = _bad_values(raw[col], kind)
        if bad.any():
            shown, rows = _examples(raw[col], bad)
            issues.append(
                Issue(
                    "problem",
                    col,
                    f"Column {col!r} should hold {kind} values but "
                    f"{int(bad.sum())} cell(s) do not: {shown}. Those rows are left "
                    "out.",
                    rows,
                )
            )
            keep &= ~bad
    if spec.geography_key:
        keep &= _check_geoids(spec, raw, valid_geoids, jurisdiction, issues)
    data = raw[keep].copy()
    year_labels: dict[int, str] = {}
    for col, kind in required.items():
        if kind in ("integer", "number"):
            data[col] = _number(data[col])
        elif kind == "year":
            text = data[col].str.strip()
            data[col] = pd.to_numeric(text.str[:4], errors="coerce")
            if col == spec.year_column:
                year_labels = _school_years(text)
    for col in spec.value_columns:
        empty = raw[col].str.strip().str.lower().isin(MISSING_TEXT)
        if empty.any():
            issues.append(
                Issue(
                    "problem",
                    col,
                    f"{int(empty.sum())} empty value(s) in {col!r} (shown as missing).",
                    _examples(raw[col], empty)[1],
                )
            )
    if spec.geography_key and spec.year_column and len(data):
        dup = data.duplicated(
            [spec.geography_key, spec.year_column, *spec.group_columns], keep=False
        )
        if dup.any():
            shown, rows = _examples(data[spec.geography_key], dup)
            issues.append(
                Issue(
                    "problem",
                    spec.geography_key,
                    f"{int(dup.sum())} rows repeat a "
                    f"geography and year: {shown}. Check for double counting.",
                    rows,
                )
            )
    return LoadedLocalFile(
        spec, data.reset_index(drop=True), issues, rows_read=len(raw), year_labels=year_labels
    )


def _school_years(text: pd.Series) -> dict[int, str]:
    """Start year -> '2023–24' for cells written as school years ('2023 - 2024')."""
    out: dict[int, str] = {}
    for cell in text.dropna().unique():
        match = SCHOOL_YEAR.fullmatch(str(cell))
        if match:
            out[int(match.group(1))] = f"{match.group(1)}–{match.group(2)[-2:]}"
    return out


def _check_geoids(
    spec: LocalFileSpec,
    raw: pd.DataFrame,
    valid: Iterable[str] | None,
    jurisdiction: str,
    issues: list[Issue],
) -> pd.Series:
    col = spec.geography_key
    text = raw[col].str.strip()
    width = GEOID_LENGTH.get(spec.geography_level)
    if width:
        short = text.str.fullmatch(r"\d+") & (text.str.len() == width - 1)
        if short.any():
            shown, rows = _examples(raw[col], short)
            issues.append(
                Issue(
                    "problem",
                    col,
                    f"{int(short.sum())} {spec.geography_level} "
                    f"code(s) have {width - 1} digits instead of {width}, which "
                    f"usually means a spreadsheet dropped a leading zero ({shown}). "
                    "They were padded with a zero; store codes as text to avoid "
                    "this.",
                    rows,
                )
            )
            text = text.where(~short, text.str.zfill(width))
        malformed = ~text.str.fullmatch(rf"\d{{{width}}}")
        if malformed.any():
            shown, rows = _examples(raw[col], malformed)
            issues.append(
                Issue(
                    "problem",
                    col,
                    f"{int(malformed.sum())} value(s) in {col!r} are "
                    f"not {width}-digit {spec.geography_level} codes: {shown}. "
                    "Those rows are left out.",
                    rows,
                )
            )
    else:
        malformed = pd.Series(False, index=raw.index)
    raw[col] = text
    ok = ~malformed
    if valid is not None:
        valid_set = set(valid)
        unknown = ok & ~text.isin(valid_set)
        if unknown.any():
            shown, rows = _examples(raw[col], unknown)
            where = f" in {jurisdiction}" if jurisdiction else ""
            issues.append(
                Issue(
                    "problem",
                    col,
                    f"{int(unknown.sum())} {spec.geography_level or ''}"
                    f" code(s) are not geographies{where}: {shown}. Check the "
                    "codes and their vintage (tract codes changed in 2020). Those "
                    "rows are left out.",
                    rows,
                )
            )
            ok &= ~unknown
    return ok


def load_local_files(
    specs: Iterable[LocalFileSpec],
    valid_geoids: Mapping[str, Iterable[str]] | None = None,
    jurisdiction: str = "",
    strict: bool = False,
) -> list[LoadedLocalFile]:
    """Check every file; ``valid_geoids`` maps geography level -> codes in the jurisdiction."""
    loaded = []
    for spec in specs:
        valid = (valid_geoids or {}).get(spec.geography_level)
        loaded.append(check_file(spec, valid, jurisdiction))
    if strict:
        problems = [f"{f.spec.name}: {i.message}" for f in loaded for i in f.issues]
        if problems:
            raise LocalDataError("Local files have problems:\n- " + "\n- ".join(problems))
    return loaded


# --- summaries ---------------------------------------------------------------------------------


def years_text(values: Iterable[Any], labels: Mapping[int, str] | None = None) -> str:
    """'2018-2022', '2019, 2021', or school years as labelled ('2022-23, 2023-24')."""
    years = sorted({int(v) for v in values if pd.notna(v)})
    if not years:
        return ""
    if labels and all(y in labels for y in years):
        return ", ".join(labels[y] for y in years)
    if len(years) > 2 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}\u2013{years[-1]}"
    return ", ".join(str(y) for y in years)


def summary_table(loaded: Iterable[LoadedLocalFile]) -> pd.DataFrame:
    """One row per file: what it is, how much was usable, and its status."""
    rows = []
    for f in loaded:
        s = f.spec
        years = f.years
        geos = int(f.data[s.geography_key].nunique()) if s.geography_key and len(f.data) else 0
        rows.append(
            {
                "File": s.name + (" (example data)" if s.example else ""),
                "Owner": s.owner,
                "Geography": s.geography_level or MISSING,
                "Years": years or MISSING,
                "Rows read": f.rows_read,
                "Rows used": len(f.data),
                "Geographies": geos,
                "Status": f.status,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "File",
            "Owner",
            "Geography",
            "Years",
            "Rows read",
            "Rows used",
            "Geographies",
            "Status",
        ],
    )


def issues_table(loaded: Iterable[LoadedLocalFile]) -> pd.DataFrame:
    rows = [
        {
            "File": f.spec.name,
            "Column": i.column or MISSING,
            "Severity": i.severity,
            "Problem": i.message,
        }
        for f in loaded
        for i in f.issues
    ]
    return pd.DataFrame(rows, columns=["File", "Column", "Severity", "Problem"])


def value_summary(f: LoadedLocalFile) -> pd.DataFrame:
    """What a file says, per year (and group).

    Many geographies: per value column and year (and group), geographies reporting,
    median, lowest and highest value. One geography (a county's or a school division's
    own report): the values themselves, one row per group and year.
    """
    s = f.spec
    if not f.usable or not s.value_columns or f.data.empty:
        return pd.DataFrame()
    data = f.data
    geographies = int(data[s.geography_key].nunique()) if s.geography_key else 1
    if geographies <= 1 and (s.group_columns or s.year_column):
        return _values_by_group(f)
    group = [*s.group_columns, *([s.year_column] if s.year_column else [])]
    rows = []
    for col in s.value_columns:
        values = pd.to_numeric(data[col], errors="coerce")
        with_v = data.assign(_v=values)
        frames = with_v.groupby(group) if group else [(None, with_v)]
        for key, part in frames:
            v = part["_v"].dropna()
            keys = key if isinstance(key, tuple) else (key,)
            row: dict[str, Any] = {"Measure": col}
            for name, value in zip(s.group_columns, keys, strict=False):
                row[name] = value
            year = keys[-1] if s.year_column else None
            row["Year"] = _year_cell(f, year)
            row.update(
                {
                    "Geographies reporting": int(v.size),
                    "Median": float(v.median()) if v.size else np.nan,
                    "Lowest": float(v.min()) if v.size else np.nan,
                    "Highest": float(v.max()) if v.size else np.nan,
                }
            )
            rows.append(row)
    return pd.DataFrame(rows)


def _year_cell(f: LoadedLocalFile, year: Any) -> Any:
    if year is None or pd.isna(year):
        return MISSING
    return f.year_labels.get(int(year), int(year))


VALUE_TABLE = "values"  # value_summary(...).attrs["layout"] of one geography's own values


def _values_by_group(f: LoadedLocalFile) -> pd.DataFrame:
    """One geography's values per group and year, as numbers (suppressed cells NaN)."""
    s = f.spec
    data = f.data
    out = pd.DataFrame({name: data[name].to_numpy() for name in s.group_columns})
    if s.year_column:
        out["Year"] = [_year_cell(f, y) for y in data[s.year_column]]
    for col in s.value_columns:
        out[col] = pd.to_numeric(data[col], errors="coerce").to_numpy()
    out.attrs["layout"] = VALUE_TABLE
    return out
