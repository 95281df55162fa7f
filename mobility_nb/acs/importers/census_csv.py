"""data.census.gov table downloads ("Download Table Data" CSV files).

Current layout (``ACSDT5Y2022.B19013-Data.csv``, ``ACSST5Y2022.S1701-Data.csv``): a header
row of codes (``GEO_ID, NAME, B19013_001E, B19013_001M, ...``), then a row of labels
(``Geography, Geographic Area Name, Estimate!!Median household income ...``), then one row
per geography with ``GEO_ID`` such as ``0500000US51003``. Cells carry the annotations
data.census.gov prints: ``-``, ``N``, ``(X)``, ``**``, ``***``, ``*****`` and medians such as
``250,000+``; they go through :func:`mobility_nb.acs.sentinels.clean_text`. The label row
decides whether a column is a published percentage or rate. The vintage comes from the file
name (``…5Y2022…``) unless ``--year`` is given. The old AmericanFactFinder layout
(``GEO.id, GEO.id2, HC01_EST_VC13``) is refused with a pointer to the current download.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mobility_nb.acs.importers.base import (
    ImportBatch,
    Values,
    check_not_one_year,
    clean_cells,
    geographies,
    no_moe,
    read_csv_text,
)
from mobility_nb.acs.importers.base import resolve_year as _resolve_year
from mobility_nb.acs.variables import kind_of, split_api_field
from mobility_nb.errors import ACSImportError


def looks_like(columns: list[str], first_row: list[str]) -> bool:
    """True for a data.census.gov download: GEO_ID first, a label row under the codes."""
    return (
        bool(columns)
        and columns[0] == "GEO_ID"
        and bool(first_row)
        and first_row[0].strip() in ("Geography", "id", "Id")
    )


def read(
    path: Path, batch: ImportBatch, *, source: str, year: int | None, level: str | None = None
) -> int:
    """Import one data.census.gov CSV; returns the number of cells read."""
    check_not_one_year(path)
    frame = read_csv_text(path)
    columns = list(frame.columns)
    if columns[:2] == ["GEO.id", "GEO.id2"]:
        raise ACSImportError(
            str(path),
            "this is the old AmericanFactFinder layout (GEO.id, HC01_EST_VC01 ...)",
            "Download the table again from data.census.gov (Download > CSV), whose columns are "
            "ACS codes such as B19013_001E, or import it through an import plan that says "
            "which column is which variable",
        )
    if not columns or columns[0] != "GEO_ID" or frame.empty:
        raise ACSImportError(
            str(path),
            "it does not start with a GEO_ID column and a label row",
            "This reader expects a data.census.gov download; pass --format for other layouts",
        )
    labels = frame.iloc[0].tolist()
    data = frame.iloc[1:].reset_index(drop=True)
    lines = np.arange(3, len(data) + 3)
    vintage = _resolve_year(path, year, "data.census.gov file name")
    geo = geographies(path, data["GEO_ID"].tolist(), lines.tolist(), "GEO_ID", level)
    names = data["NAME"].tolist() if "NAME" in columns else [""] * len(data)
    pairs: dict[str, dict[str, tuple[str, str]]] = {}
    for col, label in zip(columns, labels, strict=True):
        split = split_api_field(col.strip())
        if split is not None:
            pairs.setdefault(split[0], {})[split[1]] = (col, str(label))
    if not pairs:
        raise ACSImportError(
            str(path),
            "no estimate columns (codes ending in E) were found",
            "Download the table with its margins of error from data.census.gov",
        )
    values = []
    for code, cols in pairs.items():
        if "E" not in cols:
            continue
        e_col, e_label = cols["E"]
        est, ef = clean_cells(path, data[e_col].tolist(), lines, e_col, "estimate", code)
        if "M" in cols:
            m_col = cols["M"][0]
            moe, mf = clean_cells(path, data[m_col].tolist(), lines, m_col, "moe", code)
        else:
            moe, mf = no_moe(len(data))
        values.append(
            Values(
                code,
                est,
                moe,
                ef,
                mf,
                geo,
                names,
                lines.tolist(),
                vintage,
                kind=kind_of(code, e_label),
            )
        )
        if kind_of(code, e_label) == "published":
            batch.describe_published(
                code, label=e_label, computed_by="US Census Bureau (published percentage)"
            )
    for lv, n in geo.skipped.items():
        batch.note(
            f"{path.name}: {n} {lv} rows were left out (the store keeps counties, "
            "places and tracts)"
        )
    return batch.add(values, source=source, file=path)
