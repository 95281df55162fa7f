"""No spreadsheet formula in any CSV or XLSX the tool writes; one sanitiser for all of them."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from support.plan import ALPHA, FIXTURES, fixture_sources
from support.source import package_modules

from mobility_nb.plan import assess_plan, export_plan, load_plan
from mobility_nb.render.cells import FORMULA_STARTS
from mobility_nb.render.recorder import PageRecorder

pytestmark = pytest.mark.faults

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
]


def _live(value: object) -> bool:
    """Text a spreadsheet would run (a plain number such as -1.5 is a number)."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


def _hostile_plan(tmp_path: Path):
    text = (FIXTURES / "plan_valid.yaml").read_text(encoding="utf-8")
    text = text.replace('"Alpha County test plan"', f"'{HOSTILE[0]}'")
    text = text.replace('"Employment rate"', "\"=cmd|' /C calc'!A0\"")
    text = text.replace('"Workforce office"', '"@SUM(A1:A2)"')
    text = text.replace('"Jobs"', '"+1+1"')
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    for name in ("local_measures.csv",):
        (tmp_path / name).write_bytes((FIXTURES / name).read_bytes())
    return assess_plan(load_plan(path), ALPHA, fixture_sources())


def test_plan_csv_and_xlsx_hold_text_never_formulas(tmp_path, faults):
    result = _hostile_plan(tmp_path)
    csv_path, xlsx_path = export_plan(result, tmp_path / "out")
    faults.case("formula text in plan.csv", expect="carries on")
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"), newline="")))
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if _live(c)]
    assert "'=cmd|' /C calc'!A0" in cells and "'@SUM(A1:A2)" in cells and "'+1+1" in cells
    faults.case("formula text in plan.xlsx", expect="carries on")
    wb = load_workbook(xlsx_path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert "=cmd|' /C calc'!A0" in values  # kept exactly as typed, as a text cell


def test_page_numbers_csv_and_step5_inventory_hold_text(faults):
    from mobility_nb.steps.step5 import inventory

    faults.case(
        "formula text in a page's numbers CSV and the Step 5 inventory", expect="carries on"
    )
    rows = inventory.declared_rows(
        [{"source": HOSTILE[1], "owner": HOSTILE[4], "notes": HOSTILE[0], "geography": "-tract"}]
    )
    rec = PageRecorder("step5", {}, None)
    rec.record("inventory", pd.DataFrame(rows))
    rec.record(HOSTILE[2], pd.DataFrame({HOSTILE[3]: HOSTILE, "n": [-1.5] * len(HOSTILE)}))
    cells = [c for row in csv.reader(io.StringIO(rec.numbers_csv(), newline="")) for c in row]
    assert not [c for c in cells if _live(c)]
    assert "-1.5" in cells  # numbers are numbers
    assert "'" + HOSTILE[1] in cells and "'" + HOSTILE[4] in cells


def test_every_csv_and_xlsx_writer_goes_through_the_one_sanitiser(faults):
    """A module that writes CSV (csv.writer, DictWriter, to_csv) or XLSX (openpyxl
    Workbook) uses render/cells.py (safe_cell, frame_csv, write_cell)."""
    faults.case("every CSV/XLSX writer uses render/cells.py", expect="carries on")
    writers = ("csv.writer(", "DictWriter(", ".to_csv(", "Workbook(")
    unsafe = []
    for rel, text, tree in package_modules():
        if rel.startswith("testing/") or rel == "render/cells.py":
            continue
        code = "\n".join(
            line for line in text.splitlines() if not line.strip().startswith(("#", '"', "'"))
        )
        if any(w in code for w in writers) and "mobility_nb.render.cells" not in text:
            unsafe.append(rel)
        for node in ast.walk(tree):  # openpyxl cells get their value through write_cell only
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Attribute) and t.attr == "value" for t in node.targets)
                and "openpyxl" in text
            ):
                unsafe.append(f"{rel}:{node.lineno}")
    assert unsafe == []
