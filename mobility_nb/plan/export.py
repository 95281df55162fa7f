"""The filled-in plan as a table, a CSV and an Excel workbook for the Mobility Action Plan.

One row per indicator, columns following the measurement-plan worksheet (strategic
action, logic-model component, measure, source, baseline, target, disaggregation,
frequency, responsibility, reporting). Numbers are written twice: as raw values (shares
as fractions, as in Urban's files) for analysts, and as the text shown on the page for
pasting into a document. Text typed by people (titles, names, owners, notes) can never
run as a spreadsheet formula: every cell goes through :mod:`mobility_nb.render.cells`.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

import pandas as pd

from mobility_nb.atomic import write_atomic
from mobility_nb.plan.assess import IndicatorResult, PlanResult, disaggregation_text
from mobility_nb.plan.progress import STATUSES
from mobility_nb.render.cells import safe_frame, write_cell

CSV_NAME = "plan.csv"
XLSX_NAME = "plan.xlsx"
SHEET = "Measurement plan"


def _words(code: str) -> str:
    return code.replace("_", " ") if code else ""


def _num(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _cell(value: object) -> object:
    """Missing values as empty cells (openpyxl rejects NaN and pd.NA)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()  # type: ignore[union-attr]
    return value


def plan_row(r: IndicatorResult) -> dict[str, object]:
    ind, b, c, t = r.indicator, r.baseline, r.current, r.target
    u = r.units
    direction = {1: "higher is better", -1: "lower is better"}.get(r.direction, "")
    return {
        "No.": r.number,
        "Strategic action": r.action.name,
        "Indicator": ind.name,
        "Logic-model component": _words(ind.component),
        "Measure type": _words(ind.measure_type),
        "Linked Mobility Metric": ind.source.metric,
        "Measured for": r.tracked,
        "Data source": r.source_text,
        "Collection method": ind.collection_method,
        "Collected by": ind.collected_by,
        "Responsible party": ind.responsible,
        "Collection frequency": _words(ind.frequency),
        "Disaggregation": disaggregation_text(ind.disaggregation),
        "Reporting cadence": _words(ind.reporting.cadence),
        "Reporting audience": ind.reporting.audience,
        "Unit": "gap" if u.is_gap else u.unit,
        "Direction": direction,
        "Baseline year": b.year if b else None,
        "Baseline": u.value(b.value) if b else "",
        "Baseline value": _num(b.value) if b else None,
        "Baseline lower (95%)": _num(b.lower) if b else None,
        "Baseline upper (95%)": _num(b.upper) if b else None,
        "Baseline quality": (b.quality or "") if b else "",
        "Target year": t.year if t else None,
        "Target": u.value(t.value) if t and t.value is not None else "",
        "Target value": _num(t.value) if t else None,
        "Target rule": _words(t.rule) if t else "",
        "How the target was set": t.text if t else "",
        "Required change per year": r.units.per_year(r.feasibility.required_per_year)
        if r.feasibility
        else "",
        "Historical trend per year": r.units.per_year(r.trend.slope) if r.trend else "",
        "Trend years": f"{r.trend.first_year}-{r.trend.last_year} ({r.trend.n_years} values)"
        if r.trend
        else "",
        "Feasibility": r.feasibility.verdict if r.feasibility else "",
        "Feasibility detail": r.feasibility.reason if r.feasibility else "",
        "Current year": c.year if c else None,
        "Current": u.value(c.value) if c else "",
        "Current value": _num(c.value) if c else None,
        "Status": r.status,
        "Status detail": r.progress.detail,
        "Data gaps": "; ".join(r.gaps),
        "Notes": "; ".join(filter(None, [ind.notes, *r.notes])),
    }


def plan_frame(result: PlanResult) -> pd.DataFrame:
    """The export table: one row per indicator."""
    frame = pd.DataFrame([plan_row(r) for r in result.results])
    for col in ("Baseline year", "Target year", "Current year"):
        if col in frame:
            frame[col] = frame[col].astype("Int64")
    return frame


def write_csv(result: PlanResult, folder: str | os.PathLike[str], stem: str = "") -> Path:
    """``plan.csv`` (UTF-8 with BOM, so Excel opens accents correctly)."""
    path = Path(folder) / _named(CSV_NAME, stem)
    text = safe_frame(plan_frame(result)).to_csv(index=False)
    write_atomic(path, "\ufeff" + text)
    return path


def _named(name: str, stem: str) -> str:
    """'plan.csv', or '<stem>.plan.csv' as the runner publishes it beside the page."""
    return f"{stem}.{name}" if stem else name


def write_xlsx(result: PlanResult, folder: str | os.PathLike[str], stem: str = "") -> Path:
    """``plan.xlsx``: the plan sheet (header frozen, filters, wrapped text) and an About sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    frame = plan_frame(result)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    for j, col in enumerate(frame.columns, start=1):
        write_cell(ws.cell(row=1, column=j), str(col))
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(row, start=1):
            write_cell(ws.cell(row=i, column=j), _cell(value))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    long_text = {
        "How the target was set",
        "Status detail",
        "Data gaps",
        "Notes",
        "Feasibility detail",
        "Strategic action",
        "Indicator",
        "Data source",
    }
    for i, col in enumerate(frame.columns, start=1):
        width = 45 if col in long_text else max(12, min(30, len(col) + 2))
        ws.column_dimensions[get_column_letter(i)].width = width
        if col in long_text:
            for cell in ws.iter_cols(min_col=i, max_col=i, min_row=2).__next__():
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = ws.dimensions

    about = wb.create_sheet("About")
    jur = result.jurisdiction
    name = getattr(jur, "display_name", None) or getattr(jur, "name", jur.geoid)
    lines = [
        ("Plan", result.plan.title),
        ("Jurisdiction", f"{name} ({jur.geoid})"),
        ("Current year used", str(result.current_year or "latest data")),
        ("Statuses", ", ".join(STATUSES)),
        (
            "Values",
            "Value columns hold raw numbers as in the source (shares as fractions "
            "0-1, per-100 measures per one); the columns without 'value' hold the "
            "text shown on the page.",
        ),
        (
            "Confidence bounds",
            "95% confidence intervals where the source publishes them; "
            "changes are tested with a z-test on them (|z| > 1.96). "
            "Values without bounds are judged as given.",
        ),
        ("Data files", "; ".join(p.name for p in result.files)),
    ]
    for i, (key, value) in enumerate(lines, start=1):
        write_cell(about.cell(row=i, column=1), key)
        write_cell(about.cell(row=i, column=2), value)
        about.cell(row=i, column=1).font = bold
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return write_atomic(Path(folder) / _named(XLSX_NAME, stem), buf.getvalue())


def export_plan(result: PlanResult, folder: str | os.PathLike[str], stem: str = "") -> list[Path]:
    """Write ``plan.csv`` and ``plan.xlsx`` (``<stem>.plan.*`` with a stem) into ``folder``."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    return [write_csv(result, folder, stem), write_xlsx(result, folder, stem)]
