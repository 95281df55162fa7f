"""The report's table as an Excel workbook, laid out as on the page (one row per place).

Sheet "Table": code, name and state, then for each metric its value (a number, in Urban's
units: shares as fractions), its quality flag and its standing (the share of US places it
does better than, where the metric is ranked). Sheet "Metrics" says what each column is
and how it is compared; a peer report adds Step 2's peer table ("Peers"). The CSV beside
the page holds the same numbers in long form, with every other number the page shows.

openpyxl's write-only mode keeps a national workbook (3,143 rows × 144 columns) to a few
seconds; text goes through :func:`mobility_nb.render.cells.write_cell`, so nothing in a
cell can run as a formula.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

from mobility_nb.compare import standings
from mobility_nb.render.cells import looks_like_formula, write_cell

if TYPE_CHECKING:
    from mobility_nb.compare.report import Report


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _row(sheet: Any, values: list[Any]) -> list[Any]:
    """Cells for ``sheet.append``: formula-like text as explicit string cells."""
    from openpyxl.cell import WriteOnlyCell

    out = []
    for value in values:
        value = _plain(value)
        if looks_like_formula(value):
            cell = WriteOnlyCell(sheet)
            write_cell(cell, value)
            out.append(cell)
        else:
            out.append(value)
    return out


def workbook_bytes(report: Report) -> bytes:
    """The XLSX file's bytes."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Table")
    metrics = report.table.metrics
    header = ["Code", "Name", "State"]
    for m in metrics:
        header += [f"{m.label}: value", f"{m.label}: quality", f"{m.label}: better than % of US"]
    sheet.append(_row(sheet, header))
    for place in report.selection.places:
        values: list[Any] = [place.geoid, place.name, place.state_abbr]
        for m in metrics:
            r = report.cells.get((place.geoid, m.metric), {})
            better = r.get("national_better") if r.get("standing_text") else None
            values += [r.get("value"), r.get("quality"), better]
        sheet.append(_row(sheet, values))
    about = book.create_sheet("Metrics")
    about.append(["Metric", "Column name", "Pillar", "Unit", "Compared how", "Description"])
    for m in metrics:
        about.append(
            _row(
                about,
                [
                    m.label,
                    m.metric,
                    m.pillar,
                    m.unit,
                    standings.comparison_words(m),
                    m.description,
                ],
            )
        )
    peer = report.table.peer_table
    if peer is not None:
        sheet = book.create_sheet("Peers")
        sheet.append(_row(sheet, [str(c) for c in peer.columns]))
        for values in peer.itertuples(index=False, name=None):
            sheet.append(_row(sheet, list(values)))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
