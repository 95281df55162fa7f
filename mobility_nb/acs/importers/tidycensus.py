"""tidycensus ``get_acs()`` output saved as CSV, in its two shapes.

* **long** (the default): ``GEOID, NAME, variable, estimate, moe`` - one row per geography
  and variable; ``variable`` is the ACS code without its E (``B19013_001``) unless the
  analyst named it, in which case ``--variable-name medincome=B19013_001`` says which code
  it is. ``summary_est``/``summary_moe`` (from ``summary_var=``) are imported when
  ``--summary-variable`` names their code.
* **wide** (``output = "wide"``): ``GEOID, NAME, <code>E, <code>M ...``; other ID columns
  can be named (the metro-datasets national files use ``stco_code``/``stco_name``).

tidycensus writes ``NA`` where the API sent an annotation (suppressed or not computed,
and also for the MOE of controlled estimates); those cells become missing values flagged
``missing`` - we cannot tell which annotation it was, so nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from mobility_nb.acs.importers.base import (
    Geographies,
    ImportBatch,
    Values,
    check_year,
    clean_cells,
    geographies,
    no_moe,
    read_csv_text,
    year_from_name,
)
from mobility_nb.acs.variables import is_raw_code, split_api_field
from mobility_nb.errors import ACSImportError

GEOID_COLUMNS = ("GEOID", "geoid", "GEO_ID", "stco_code", "FIPS", "fips")
NAME_COLUMNS = ("NAME", "name", "stco_name", "locality")


def _pick(
    path: Path, columns: list[str], wanted: str | None, options: tuple[str, ...], what: str
) -> str | None:
    if wanted:
        if wanted not in columns:
            raise ACSImportError(
                str(path),
                f"there is no column {wanted!r} for the {what}",
                f"Columns are: {', '.join(columns[:12])}",
            )
        return wanted
    return next((c for c in options if c in columns), None)


def _years(path: Path, frame, year: int | None, lines) -> np.ndarray | int:
    """The file's year column, else --year, else the year its name states (acs5_2018)."""
    if "year" in frame.columns:
        values = [
            check_year(path, y, line, "year") for y, line in zip(frame["year"], lines, strict=True)
        ]
        if year and any(v != year for v in values):
            raise ACSImportError(
                str(path),
                f"its year column disagrees with --year {year}",
                "Drop --year to use the file's years",
                column="year",
            )
        return np.array(values, dtype=int)
    year = year or year_from_name(path)
    if not year:
        raise ACSImportError(
            str(path),
            "tidycensus output does not say which ACS 5-year vintage it holds",
            "Pass --year with the survey's last year, e.g. --year 2022 for ACS 2018-2022",
        )
    return check_year(path, year)


def read_long(
    path: Path,
    batch: ImportBatch,
    *,
    source: str,
    year: int | None,
    level: str | None = None,
    geoid_column: str | None = None,
    name_column: str | None = None,
    variable_names: Mapping[str, str] | None = None,
    summary_variable: str | None = None,
) -> int:
    """Import a long tidycensus CSV; returns the number of cells read."""
    frame = read_csv_text(path)
    columns = list(frame.columns)
    for needed in ("variable", "estimate"):
        if needed not in columns:
            raise ACSImportError(
                str(path),
                f"there is no {needed!r} column",
                "A long tidycensus file has GEOID, NAME, variable, estimate "
                "and moe columns; for other layouts pass --format",
            )
    geo_col = _pick(path, columns, geoid_column, GEOID_COLUMNS, "GEOID")
    if geo_col is None:
        raise ACSImportError(str(path), "there is no GEOID column", "Name it with --geoid-column")
    name_col = _pick(path, columns, name_column, NAME_COLUMNS, "name")
    lines = np.arange(2, len(frame) + 2)
    years = _years(path, frame, year, lines)
    renames = dict(variable_names or {})
    values: list[Values] = []
    skipped: dict[str, int] = {}
    names = frame[name_col].tolist() if name_col else [""] * len(frame)
    geo_all = geographies(path, frame[geo_col].tolist(), lines.tolist(), geo_col, level)
    for raw_name, idx in frame.groupby("variable", sort=False).indices.items():
        code = renames.get(raw_name, raw_name)
        code = code[:-1] if code.endswith("E") and is_raw_code(code[:-1]) else code
        if not is_raw_code(code):
            skipped[raw_name] = len(idx)
            continue
        part = frame.iloc[idx]
        rows = lines[idx]
        est, ef = clean_cells(path, part["estimate"].tolist(), rows, "estimate", "estimate", code)
        if "moe" in columns:
            moe, mf = clean_cells(path, part["moe"].tolist(), rows, "moe", "moe", code)
        else:
            moe, mf = no_moe(len(idx))
        values.append(
            Values(
                code,
                est,
                moe,
                ef,
                mf,
                _subset(geo_all, idx),
                [names[i] for i in idx],
                rows.tolist(),
                years if isinstance(years, int) else years[idx],
            )
        )
    if skipped:
        batch.note(
            f"{path.name}: {sum(skipped.values())} rows of variables that are not ACS "
            f"codes were skipped ({', '.join(sorted(skipped)[:5])}); name their codes "
            "with --variable-name NAME=CODE"
        )
    if "summary_est" in columns:
        if summary_variable:
            est, ef = clean_cells(
                path,
                frame["summary_est"].tolist(),
                lines,
                "summary_est",
                "estimate",
                summary_variable,
            )
            if "summary_moe" in columns:
                moe, mf = clean_cells(
                    path,
                    frame["summary_moe"].tolist(),
                    lines,
                    "summary_moe",
                    "moe",
                    summary_variable,
                )
            else:
                moe, mf = no_moe(len(frame))
            values.append(
                Values(summary_variable, est, moe, ef, mf, geo_all, names, lines.tolist(), years)
            )
        else:
            batch.note(
                f"{path.name}: the summary_est column was not imported; say which "
                "variable it is with --summary-variable (e.g. B19001_001)"
            )
    _note_geo(batch, path, geo_all)
    return batch.add(values, source=source, file=path)


def _subset(geo: Geographies, idx: np.ndarray) -> Geographies:
    return Geographies(geo.geoid[idx], geo.level[idx], geo.keep[idx], 0, {})


def _note_geo(batch: ImportBatch, path: Path, geo: Geographies) -> None:
    if geo.padded:
        batch.note(
            f"{path.name}: {geo.padded} GEOIDs had lost their leading zero and were "
            "padded (e.g. 1001 -> 01001)"
        )
    for lv, n in geo.skipped.items():
        batch.note(
            f"{path.name}: {n} {lv} rows were left out (the store keeps counties, "
            "places and tracts)"
        )


def read_wide(
    path: Path,
    batch: ImportBatch,
    *,
    source: str,
    year: int | None,
    level: str | None = None,
    geoid_column: str | None = None,
    name_column: str | None = None,
) -> int:
    """Import a wide tidycensus CSV (``<code>E``/``<code>M`` columns)."""
    frame = read_csv_text(path)
    columns = list(frame.columns)
    geo_col = _pick(path, columns, geoid_column, GEOID_COLUMNS, "GEOID")
    if geo_col is None:
        raise ACSImportError(
            str(path),
            "there is no GEOID column",
            "Name it with --geoid-column (e.g. --geoid-column stco_code)",
        )
    name_col = _pick(path, columns, name_column, NAME_COLUMNS, "name")
    lines = np.arange(2, len(frame) + 2)
    years = _years(path, frame, year, lines)
    pairs: dict[str, dict[str, str]] = {}
    ignored = []
    for col in columns:
        if col in (geo_col, name_col, "year"):
            continue
        split = split_api_field(col)
        if split is None:
            ignored.append(col)
            continue
        pairs.setdefault(split[0], {})[split[1]] = col
    if not pairs:
        raise ACSImportError(
            str(path),
            "no <code>E / <code>M columns were found",
            "A wide tidycensus file has columns such as B19013_001E and "
            "B19013_001M; for other layouts pass --format",
        )
    geo = geographies(path, frame[geo_col].tolist(), lines.tolist(), geo_col, level)
    names = frame[name_col].tolist() if name_col else [""] * len(frame)
    values = []
    for code, cols in pairs.items():
        if "E" not in cols:
            ignored.append(cols["M"])
            continue
        est, ef = clean_cells(path, frame[cols["E"]].tolist(), lines, cols["E"], "estimate", code)
        if "M" in cols:
            moe, mf = clean_cells(path, frame[cols["M"]].tolist(), lines, cols["M"], "moe", code)
        else:
            moe, mf = no_moe(len(frame))
        values.append(Values(code, est, moe, ef, mf, geo, names, lines.tolist(), years))
    if ignored:
        batch.note(
            f"{path.name}: {len(ignored)} columns that are not ACS estimates or MOEs "
            f"were not imported ({', '.join(ignored[:5])})"
        )
    _note_geo(batch, path, geo)
    return batch.add(values, source=source, file=path)
