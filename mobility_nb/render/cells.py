"""Cells of exported CSV and Excel files that can never run as formulas.

A spreadsheet treats text that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or carriage return) as a formula, so a plan title such as
``=HYPERLINK("http://x","y")`` typed by one partner would run on another partner's
computer. OWASP's rule for CSV files is to prefix such text with a single quote, which
spreadsheets read as "this is text". In XLSX files the cell is written as a string cell
(never a formula) with Excel's quote-prefix style, so the value stays exactly as typed.
Numbers are never touched: a real -1.5 stays a number.

Every CSV and XLSX writer of the package passes its cells through :func:`csv_cell`
(CSV: :func:`safe_cell` plus no bare carriage return; the page numbers CSV in
:mod:`mobility_nb.render.recorder`, which also carries the Step 5 inventory, and
``plan.csv`` through :func:`frame_csv`) or :func:`write_cell` (openpyxl: ``plan.xlsx``
and the plan workbook). A test (tests/faults) keeps every CSV or XLSX writer of the
package on these functions.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    """True for text a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(value: Any) -> Any:
    """The value for a CSV cell: formula-like text gets a leading ``'``; anything else as is."""
    if looks_like_formula(value):
        return "'" + value
    return value


def csv_cell(value: Any) -> Any:
    """:func:`safe_cell` for a CSV file, with carriage returns made line feeds.

    Python's CSV writer (and pandas') quotes a field holding the line terminator ``\n``
    but not one holding a bare ``\r``, which spreadsheets read as a new row: the text
    after it would start a fresh line, e.g. a live ``=1``. As a line feed it stays
    inside its quoted cell.
    """
    value = safe_cell(value)
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are safe for a CSV file."""
    out = frame.copy()
    for col in out.columns:
        column = out[col]
        if isinstance(column.dtype, pd.CategoricalDtype):
            out[col] = column.astype(object).map(csv_cell)
        elif column.dtype == object or pd.api.types.is_string_dtype(column):
            out[col] = column.map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    return out


def frame_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text with every text cell and column name formula-safe."""
    return safe_frame(frame).to_csv(index=False)


def write_cell(cell: Any, value: Any) -> None:
    """Put ``value`` into an openpyxl cell; text always as a string cell, never a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        if looks_like_formula(value):
            cell.quotePrefix = True  # Excel shows it as text, also after editing
