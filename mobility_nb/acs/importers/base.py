"""What every importer shares: cleaned cells with their line numbers, GEOIDs, vintages.

An importer reads one file and adds :class:`Values` to an :class:`ImportBatch`: tidy rows
(``year, level, geoid, name, variable, estimate, moe, estimate_flag, moe_flag, kind,
source`` plus the file and line each came from). The batch checks the whole import before
anything is written - a GEOID that is not a county, tract or place, a year outside the
ACS 5-year series, the same cell twice with two different values - and
:func:`mobility_nb.acs.importers.commit` then writes all store files together or none.
Every problem is an :class:`~mobility_nb.errors.ACSImportError` naming file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mobility_nb.acs import sentinels
from mobility_nb.acs.variables import KIND_PUBLISHED, KIND_VARIABLE, kind_of, table_of
from mobility_nb.data import states
from mobility_nb.errors import ACSImportError

FIRST_ACS5_YEAR = 2009
ROW_COLUMNS = [
    "year",
    "level",
    "geoid",
    "name",
    "variable",
    "estimate",
    "moe",
    "estimate_flag",
    "moe_flag",
    "kind",
    "source",
    "file",
    "line",
]
LEVEL_BY_LENGTH = {5: "county", 11: "tract", 7: "place"}
SUMMARY_LEVELS = {
    "050": "county",
    "140": "tract",
    "160": "place",
    "040": "state",
    "010": "nation",
    "150": "block group",
    "310": "metro area",
    "860": "ZCTA",
}
SKIPPED_LEVELS = ("state", "nation")
_GEO_ID = re.compile(r"^(\d{3})[0-9A-Z]{4}US(\d*)$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$")

# Vintage written into common file names: tidycensus/metro 'acs5_2018', data.census.gov
# 'ACSDT5Y2022' / 'ACSST5Y2022' / 'ACSDP5Y2022', AmericanFactFinder 'ACS_17_5YR', SVI_2018.
_NAME_YEARS = (
    (re.compile(r"acs5[_-]?(20\d\d)", re.I), lambda m: int(m.group(1))),
    (re.compile(r"ACS(?:DT|ST|DP|CP|SPP)5Y(20\d\d)", re.I), lambda m: int(m.group(1))),
    (re.compile(r"ACS_(\d\d)_5YR", re.I), lambda m: 2000 + int(m.group(1))),
    (re.compile(r"SVI[_-]?(20\d\d)", re.I), lambda m: int(m.group(1))),
)
_ONE_YEAR = re.compile(r"ACS(?:DT|ST|DP|CP)1Y(20\d\d)|acs1[_-]?20\d\d", re.I)


def year_from_name(path: str | Path) -> int | None:
    """The ACS 5-year end year a file name states, or None when it states none."""
    name = Path(path).name
    for pattern, year in _NAME_YEARS:
        match = pattern.search(name)
        if match:
            return year(match)
    return None


def check_not_one_year(path: str | Path) -> None:
    if _ONE_YEAR.search(Path(path).name):
        raise ACSImportError(
            str(path),
            "the file name says it holds ACS 1-year estimates",
            "The Step 5 pages use ACS 5-year estimates (the only ones published for every "
            "county and tract); download the 5-year table instead",
        )


def resolve_year(path: str | Path, year: int | None, what: str = "") -> int:
    """``year`` if given, else the file name's; a clear error when neither says it."""
    chosen = year or year_from_name(path)
    if not chosen:
        raise ACSImportError(
            str(path),
            f"the {what or 'file'} does not say which ACS 5-year vintage it holds",
            "Pass --year with the survey's last year, e.g. --year 2022 for ACS 2018-2022 "
            "(or add 'year:' to the import plan)",
        )
    check_year(path, chosen)
    return int(chosen)


def check_year(
    path: str | Path, year: Any, line: int | None = None, column: str | None = None
) -> int:
    try:
        value = int(str(year).strip())
    except ValueError:
        raise ACSImportError(
            str(path),
            f"{year!r} is not a year",
            "Give the ACS 5-year end year as four digits, e.g. 2022",
            line=line,
            column=column,
        ) from None
    if not FIRST_ACS5_YEAR <= value <= date.today().year:
        raise ACSImportError(
            str(path),
            f"{value} is not an ACS 5-year vintage (the series runs from "
            f"{FIRST_ACS5_YEAR} to the latest release)",
            "Check the year",
            line=line,
            column=column,
        )
    return value


# --- geographies -----------------------------------------------------------------------------


@dataclass
class Geographies:
    """GEOIDs of a file's rows with their level; rows of other levels are left out."""

    geoid: np.ndarray
    level: np.ndarray
    keep: np.ndarray
    padded: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


def geographies(
    path: str | Path,
    values: Sequence[Any],
    lines: Sequence[int],
    column: str,
    level: str | None = None,
) -> Geographies:
    """Parse GEOIDs ('51003', '0500000US51003', '1001' with a lost zero) into levels.

    State and nation rows are skipped (the store keeps counties, places and tracts) and
    counted; anything else that is not a county, tract or place GEOID is an error.
    """
    geoids, levels, keep = [], [], []
    padded = 0
    skipped: dict[str, int] = {}
    for raw, line in zip(values, lines, strict=True):
        text = "" if raw is None else str(raw).strip()
        lv = None
        match = _GEO_ID.match(text)
        if match:
            lv = SUMMARY_LEVELS.get(match.group(1), f"summary level {match.group(1)}")
            text = match.group(2)
        if text.endswith(".0") and text[:-2].isdigit():  # written through a float column
            text = text[:-2]
        if not text.isdigit() and lv not in SKIPPED_LEVELS:
            raise ACSImportError(
                str(path),
                f"{raw!r} is not a GEOID",
                "Each row needs the 5-digit county, "
                "11-digit tract or 7-digit place FIPS code (or a data.census.gov GEO_ID such "
                "as 0500000US51003)",
                line=line,
                column=column,
            )
        if lv is None:
            if len(text) in (4, 10) and (level in (None, "county", "tract")):
                text, padded = "0" + text, padded + 1  # spreadsheets drop the leading zero
            lv = level or LEVEL_BY_LENGTH.get(len(text))
            if lv is None and len(text) <= 2:
                lv = "state"
        if lv in SKIPPED_LEVELS:
            skipped[lv] = skipped.get(lv, 0) + 1
            geoids.append(text)
            levels.append(lv)
            keep.append(False)
            continue
        expected = {"county": 5, "tract": 11, "place": 7}.get(lv or "")
        if expected is None or len(text) != expected:
            got = f"a {lv} GEOID" if lv and expected is None else f"{len(text)} digits"
            raise ACSImportError(
                str(path),
                f"GEOID {raw!r} has {got}; the ACS store keeps counties (5 digits), "
                "places (7) and tracts (11)",
                "Remove block-group or other rows, or fix the code",
                line=line,
                column=column,
            )
        if text[:2] not in states.STATES:
            raise ACSImportError(
                str(path),
                f"GEOID {raw!r} does not start with a US state FIPS code",
                "Check the code",
                line=line,
                column=column,
            )
        geoids.append(text)
        levels.append(lv)
        keep.append(True)
    return Geographies(
        np.array(geoids, dtype=object),
        np.array(levels, dtype=object),
        np.array(keep, dtype=bool),
        padded,
        skipped,
    )


# --- cells -----------------------------------------------------------------------------------


def clean_cells(
    path: str | Path,
    raw: Sequence[Any],
    lines: Sequence[int],
    column: str,
    kind: str,
    variable: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Numbers and flags for one column of cells; text that is neither a number nor a
    Census annotation is an error naming the line and column."""
    series = pd.Series(list(raw), dtype=object)
    values, flags = sentinels.clean_text(series, kind, table_of(variable))
    bad = np.flatnonzero(flags == sentinels.UNKNOWN_FLAG)
    for i in bad:
        text = str(series.iloc[i]).strip().replace(",", "")
        if not _NUMBER.match(text):  # unknown negative codes stay flagged, junk is an error
            raise ACSImportError(
                str(path),
                f"{series.iloc[i]!r} is neither a number nor a Census annotation",
                "Census files use numbers and the symbols -, N, (X), **, ***, *****, or "
                "edges such as 250,000+; fix or blank the cell",
                line=int(lines[i]),
                column=column,
            )
    if kind == "moe":
        negative = np.flatnonzero((values < 0) & np.isfinite(values))
        if len(negative):
            i = int(negative[0])
            raise ACSImportError(
                str(path),
                f"the margin of error {series.iloc[i]!r} is negative",
                "Margins of error are never negative; check that this column holds MOEs",
                line=int(lines[i]),
                column=column,
            )
    return values, flags


@dataclass
class Values:
    """Cells of one variable (or published value) read from one file."""

    variable: str
    estimate: np.ndarray
    moe: np.ndarray
    estimate_flag: np.ndarray
    moe_flag: np.ndarray
    geo: Geographies
    names: Sequence[str]
    lines: Sequence[int]
    year: np.ndarray | int
    kind: str = ""

    def frame(self, source: str, file: str) -> pd.DataFrame:
        keep = self.geo.keep
        n = int(keep.sum())
        years = np.broadcast_to(np.asarray(self.year), keep.shape)[keep] if n else []
        moe = self.moe.copy()
        # A controlled/unflagged MOE next to a missing estimate means nothing.
        moe[np.isnan(self.estimate) & pd.isna(self.moe_flag)] = np.nan

        def text(values: object) -> pd.Series:
            # object, not pandas' Arrow strings: sorting and grouping them is much faster
            return pd.Series(np.broadcast_to(np.asarray(values, dtype=object), (n,)), dtype=object)

        return pd.DataFrame(
            {
                "year": np.asarray(years, dtype=int),
                "level": text(self.geo.level[keep]),
                "geoid": text(self.geo.geoid[keep]),
                "name": text(np.asarray(self.names, dtype=object)[keep]),
                "variable": text(self.variable),
                "estimate": self.estimate[keep],
                "moe": moe[keep],
                "estimate_flag": text(self.estimate_flag[keep]),
                "moe_flag": text(self.moe_flag[keep]),
                "kind": text(self.kind or kind_of(self.variable)),
                "source": text(source),
                "file": text(file),
                "line": np.asarray(self.lines, dtype=int)[keep],
            }
        )


def no_moe(n: int, flag: str = "moe_not_in_source") -> tuple[np.ndarray, np.ndarray]:
    """MOE cells for a file that publishes none for this value."""
    return np.full(n, np.nan), np.full(n, flag, dtype=object)


# --- the batch -------------------------------------------------------------------------------


@dataclass
class ImportBatch:
    """Everything one ``census import`` will write, checked before anything is written."""

    dataset: str = "acs5"
    parts: list[pd.DataFrame] = field(default_factory=list)
    published: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, values: Iterable[Values], *, source: str, file: str | Path) -> int:
        frames = [v.frame(source, str(file)) for v in values]
        frames = [f for f in frames if len(f)]
        self.parts.extend(frames)
        if str(file) not in self.files:
            self.files.append(str(file))
        return sum(len(f) for f in frames)

    def describe_published(self, name: str, **info: Any) -> None:
        entry = self.published.setdefault(name, {})
        entry.update({k: v for k, v in info.items() if v not in (None, "")})

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def rows(self) -> pd.DataFrame:
        """All rows, checked: no cell twice with different values, nothing empty."""
        if not self.parts:
            where = ", ".join(self.files) or "the files given"
            raise ACSImportError(
                where,
                "no ACS values were found to import",
                "Check the format (--format) and, for labelled tables, that "
                "the import plan's rules match the file's labels",
            )
        rows = pd.concat(self.parts, ignore_index=True)
        rows["kind"] = np.where(
            rows["variable"].isin(self.published) | (rows["kind"] == KIND_PUBLISHED),
            KIND_PUBLISHED,
            KIND_VARIABLE,
        ).astype(object)
        _check_duplicates(rows)
        return rows.drop_duplicates(["year", "level", "geoid", "variable"], keep="first")


def _same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == b


def _check_duplicates(rows: pd.DataFrame) -> None:
    keys = ["year", "level", "geoid", "variable"]
    dup = rows[rows.duplicated(keys, keep=False)]
    if dup.empty:
        return
    for _, group in dup.groupby(keys, sort=False):
        first = group.iloc[0]
        for _, other in group.iloc[1:].iterrows():
            if _same(first.estimate, other.estimate) and _same(first.moe, other.moe):
                continue
            raise ACSImportError(
                str(other.file),
                f"{other.variable} for {other.geoid} (ACS {other.year}) is "
                f"{other.estimate:g} here but {first.estimate:g} in {first.file}, line "
                f"{first.line}",
                "One cell can hold one value: drop one of the two files or "
                "rows, or map them to different variables",
                line=int(other.line),
            )


def read_csv_text(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    """A CSV file as text cells (nothing converted), with a one-paragraph error."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", **kwargs)
        # Plain Python strings: pandas' Arrow-backed text is slow to iterate cell by cell.
        return frame.astype(object)
    except FileNotFoundError:
        raise ACSImportError(
            str(path),
            "the file does not exist",
            "Check the path (paths in an import plan are relative to the census data folder)",
        ) from None
    except UnicodeDecodeError as exc:
        raise ACSImportError(
            str(path), f"it is not UTF-8 text (byte {exc.start})", "Save it as CSV UTF-8"
        ) from None
    except pd.errors.ParserError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise ACSImportError(
            str(path),
            f"it is not a well-formed CSV file ({exc})",
            "Check that every row has as many cells as the header",
            line=int(line.group(1)) if line else None,
        ) from None
    except (pd.errors.EmptyDataError, OSError) as exc:
        raise ACSImportError(
            str(path),
            f"it cannot be read as CSV ({exc})",
            "Check that it is a CSV file with a header row",
        ) from None
