"""Labelled tables: rows carry readable labels or groups instead of ACS codes.

Regional data centres reshape tidycensus output into tables such as
``GEOID, locality, label, group, estimate, moe, year``. Which row is which ACS variable is
not in the file, so an import plan declares it (:mod:`.plan`): rows matching a rule's
``where`` yield that rule's targets, each an ACS variable (``variable:``) or a value the
file's author computed (``published:``), read from the declared estimate and MOE columns.
Rows no rule matches are counted and reported, never guessed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mobility_nb.acs.importers.base import (
    Geographies,
    ImportBatch,
    Values,
    check_year,
    clean_cells,
    geographies,
    no_moe,
    read_csv_text,
)
from mobility_nb.acs.importers.plan import Entry, Target
from mobility_nb.acs.variables import KIND_PUBLISHED, kind_of
from mobility_nb.errors import ACSImportError

MAX_UNMATCHED_SHOWN = 4


def _column(path: Path, frame: pd.DataFrame, name: str, what: str) -> str:
    if name not in frame.columns:
        raise ACSImportError(
            str(path),
            f"there is no column {name!r} (the {what} column the import plan names)",
            f"Columns are: {', '.join(list(frame.columns)[:14])}",
            column=name,
        )
    return name


def _name_column(frame: pd.DataFrame, wanted: object) -> str | None:
    options = (
        wanted if isinstance(wanted, list) else [wanted] if wanted else ["NAME", "name", "locality"]
    )
    return next((str(c) for c in options if str(c) in frame.columns), None)


def read(path: Path, entry: Entry, batch: ImportBatch) -> int:
    """Import one labelled table with ``entry``'s rules; returns the number of cells read."""
    frame = read_csv_text(path)
    cols = entry.columns
    geo_col = _column(path, frame, str(cols.get("geoid", "GEOID")), "GEOID")
    name_col = _name_column(frame, cols.get("name"))
    lines = np.arange(2, len(frame) + 2)
    if cols.get("year"):
        year_col = _column(path, frame, str(cols["year"]), "year")
        years_all = np.array(
            [
                check_year(path, y, line, year_col)
                for y, line in zip(frame[year_col], lines, strict=True)
            ]
        )
    elif entry.year:
        years_all = np.full(len(frame), check_year(path, entry.year))
    else:
        raise ACSImportError(
            str(path),
            "the import plan gives no year for this table",
            "Add 'year: 2022' to the import, or 'columns: {year: <column>}'",
        )
    geo = geographies(path, frame[geo_col].tolist(), lines.tolist(), geo_col, entry.level)
    names = frame[name_col].tolist() if name_col else [""] * len(frame)
    matched = np.zeros(len(frame), dtype=bool)
    values: list[Values] = []
    where_columns: list[str] = []
    for rule in entry.rules:
        mask = np.ones(len(frame), dtype=bool)
        for col, allowed in rule.where:
            _column(path, frame, col, "'where'")
            if col not in where_columns:
                where_columns.append(col)
            mask &= frame[col].str.strip().isin(allowed).to_numpy()
        idx = np.flatnonzero(mask)
        if not len(idx):
            batch.note(
                f"{path.name}: rule {rule.number} "
                f"({', '.join(f'{c}={sorted(a)[0]}' for c, a in rule.where)}) "
                "matched no row"
            )
            continue
        matched[idx] = True
        for target in rule.targets:
            values.append(_values(path, frame, idx, lines, target, geo, names, years_all))
            _describe(batch, entry, target)
    if (~matched).any() and where_columns:
        left = frame.loc[~matched, where_columns].drop_duplicates()
        shown = "; ".join(
            " / ".join(str(v) for v in row)
            for row in left.head(MAX_UNMATCHED_SHOWN).itertuples(index=False)
        )
        more = (
            f" and {len(left) - MAX_UNMATCHED_SHOWN} more"
            if len(left) > MAX_UNMATCHED_SHOWN
            else ""
        )
        batch.note(
            f"{path.name}: {int((~matched).sum())} rows match no rule and were not "
            f"imported ({' / '.join(where_columns)}: {shown}{more})"
        )
    for lv, n in geo.skipped.items():
        batch.note(
            f"{path.name}: {n} {lv} rows were left out (the store keeps counties, "
            "places and tracts)"
        )
    return batch.add(values, source=f"{entry.source} ({path.name})", file=path)


def _values(
    path: Path,
    frame: pd.DataFrame,
    idx: np.ndarray,
    lines: np.ndarray,
    target: Target,
    geo: Geographies,
    names: list,
    years: np.ndarray,
) -> Values:
    rows = lines[idx]
    est_col = _column(path, frame, target.estimate, "estimate")
    est, ef = clean_cells(
        path, frame[est_col].iloc[idx].tolist(), rows, est_col, "estimate", target.name
    )
    if target.moe is None:
        moe, mf = no_moe(len(idx))
    else:
        moe_col = _column(path, frame, target.moe, "MOE")
        moe, mf = clean_cells(
            path, frame[moe_col].iloc[idx].tolist(), rows, moe_col, "moe", target.name
        )
    if target.missing_moe == "controlled":
        blank = np.isnan(moe) & ~np.isnan(est)
        moe = np.where(blank, 0.0, moe)
        mf = np.where(blank, "controlled_declared", mf).astype(object)
    sub = Geographies(geo.geoid[idx], geo.level[idx], geo.keep[idx])
    kind = KIND_PUBLISHED if target.published else kind_of(target.name)
    return Values(
        target.name,
        est,
        moe,
        ef,
        mf,
        sub,
        [names[i] for i in idx],
        rows.tolist(),
        years[idx],
        kind=kind,
    )


def _describe(batch: ImportBatch, entry: Entry, target: Target) -> None:
    if not target.published:
        return
    batch.describe_published(
        target.name,
        computed_as=target.computed_as or target.name,
        computed_by=entry.source,
        label=target.label,
        unit=target.unit,
        moe="none in the source" if target.moe is None else f"column {target.moe}",
        note=target.note,
    )
