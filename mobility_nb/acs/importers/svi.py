"""CDC/ATSDR Social Vulnerability Index county (or tract) files.

Every SVI value is CDC's own derivation from an ACS 5-year release - some copy one ACS
cell, many add several up - so all of them are imported as *published values* named
``SVI:<column>``: ``E_<name>`` estimates with their ``M_<name>`` MOEs and ``EP_<name>``
percentages with their ``MP_<name>`` MOEs. Percentile ranks and flags (EPL_, SPL_, RPL_,
F_) are not ACS estimates and stay out. ``-999`` is CDC's missing value. The vintage is the
ACS release the SVI edition uses (SVI 2018 = ACS 2014-2018), read from the file name
unless ``--year`` is given. ``FIPS`` may have lost its leading zero (``1001``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mobility_nb.acs.importers.base import (
    ImportBatch,
    Values,
    clean_cells,
    geographies,
    no_moe,
    read_csv_text,
    resolve_year,
)
from mobility_nb.acs.variables import KIND_PUBLISHED
from mobility_nb.errors import ACSImportError

PREFIX = "SVI:"
MISSING = -999.0
# What CDC's documentation says the values used by the indicators are (SVI 2018-2022).
DESCRIPTIONS = {
    "EP_POV": "percent of persons below the poverty level (SVI 2018 and earlier)",
    "EP_POV150": "percent of persons below 150% of the poverty level (not the poverty rate)",
    "EP_UNEMP": "unemployment rate: percent of the civilian labor force 16+ unemployed",
    "EP_UNINSUR": "percent of the civilian noninstitutionalized population without health "
    "insurance",
    "EP_NOHSDP": "percent of persons 25+ without a high school diploma",
    "EP_NOINT": "percent of households without an internet subscription",
    "E_TOTPOP": "total population",
}


def _blank_missing(cells: pd.Series) -> pd.Series:
    """CDC writes -999 (or -999.0) where it has no value."""
    numbers = pd.to_numeric(cells.str.strip(), errors="coerce")
    return cells.where(numbers != MISSING, "")


def looks_like(columns: list[str]) -> bool:
    return (
        "FIPS" in columns and "E_TOTPOP" in columns and any(c.startswith("RPL_") for c in columns)
    )


def read(
    path: Path, batch: ImportBatch, *, source: str, year: int | None, level: str | None = None
) -> int:
    """Import one SVI file; returns the number of cells read."""
    frame = read_csv_text(path)
    columns = list(frame.columns)
    if not looks_like(columns):
        raise ACSImportError(
            str(path),
            "it lacks the SVI columns FIPS, E_TOTPOP and RPL_*",
            "Pass the county or tract file of a CDC/ATSDR SVI edition",
        )
    vintage = resolve_year(path, year, "SVI file name")
    lines = np.arange(2, len(frame) + 2)
    fips = frame["FIPS"].str.strip()
    width = 11 if level == "tract" or fips.str.len().max() > 5 else 5
    geo = geographies(path, fips.str.zfill(width).tolist(), lines.tolist(), "FIPS", level)
    if "LOCATION" in columns:
        names = frame["LOCATION"].tolist()
    else:
        names = (frame.get("COUNTY", "") + ", " + frame.get("STATE", "")).tolist()
    values = []
    for col in columns:
        if col.startswith("E_"):
            moe_col, label = "M_" + col[2:], col
        elif col.startswith("EP_"):
            moe_col, label = "MP_" + col[3:], col
        else:
            continue
        name = PREFIX + label
        est_cells = _blank_missing(frame[col])
        est, ef = clean_cells(path, est_cells.tolist(), lines, col, "estimate", name)
        if moe_col in columns:
            moe_cells = _blank_missing(frame[moe_col])
            moe, mf = clean_cells(path, moe_cells.tolist(), lines, moe_col, "moe", name)
        else:
            moe, mf = no_moe(len(frame))
        values.append(
            Values(name, est, moe, ef, mf, geo, names, lines.tolist(), vintage, kind=KIND_PUBLISHED)
        )
        batch.describe_published(
            name,
            label=DESCRIPTIONS.get(label, label),
            computed_by=f"CDC/ATSDR Social Vulnerability Index {vintage}",
            moe_from=moe_col if moe_col in columns else "",
        )
    return batch.add(values, source=source, file=path)
