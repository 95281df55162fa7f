"""No cell the tool writes to a CSV or XLSX file can run as a spreadsheet formula."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from support.plan import ALPHA, FIXTURES, fixture_sources

from mobility_nb.plan import assess_plan, export_plan, load_plan
from mobility_nb.plan.export import SHEET
from mobility_nb.render.cells import looks_like_formula, safe_cell, safe_frame, write_cell

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\tTab",
    "\rReturn",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_a_quote_in_csv(text):
    assert looks_like_formula(text)
    assert safe_cell(text) == "'" + text


def test_other_values_are_untouched():
    for value in ("Jobs", "a=b", "", None, -1.5, 3, 0.0, True):
        assert safe_cell(value) == value
    frame = safe_frame(pd.DataFrame({"=x": ["=1", "ok"], "n": [-1.5, 2.0]}))
    assert list(frame.columns) == ["'=x", "n"]
    assert frame["'=x"].tolist() == ["'=1", "ok"]
    assert frame["n"].tolist() == [-1.5, 2.0]


def test_xlsx_cells_are_strings_and_numbers_stay_numbers(tmp_path):
    wb = Workbook()
    ws = wb.active
    for i, text in enumerate(HOSTILE, start=1):
        write_cell(ws.cell(row=i, column=1), text)
    write_cell(ws.cell(row=1, column=2), -1.5)
    wb.save(tmp_path / "x.xlsx")
    back = load_workbook(tmp_path / "x.xlsx").active
    for i, text in enumerate(HOSTILE, start=1):
        cell = back.cell(row=i, column=1)
        assert cell.data_type == "s" and cell.quotePrefix
        # the XML file format normalises a lone carriage return to a line feed
        assert cell.value == text.replace("\r", "\n")
    assert back.cell(row=1, column=2).data_type == "n"
    assert back.cell(row=1, column=2).value == -1.5


def test_the_exported_plan_is_formula_safe(tmp_path):
    indicators = [
        {
            "name": text,
            "responsible": text,
            "notes": text,
            "source": {"kind": "local"},
            "unit": "count",
            "target": {"year": 2030, "value": 10},
        }
        for text in HOSTILE[:5]
    ]
    plan = load_plan(
        {"title": HOSTILE[0], "actions": [{"name": "=SUM(1,2)", "indicators": indicators}]},
        base_dir=FIXTURES,
    )
    result = assess_plan(plan, ALPHA, fixture_sources())
    csv_path, xlsx_path = export_plan(result, tmp_path)
    back = pd.read_csv(csv_path, encoding="utf-8-sig", keep_default_na=False)
    assert back["Indicator"].tolist() == ["'" + t for t in HOSTILE[:5]]
    assert back["Responsible party"].tolist() == ["'" + t for t in HOSTILE[:5]]
    assert set(back["Strategic action"]) == {"'=SUM(1,2)"}
    ws = load_workbook(xlsx_path)[SHEET]
    header = [c.value for c in ws[1]]
    for col in ("Indicator", "Responsible party", "Notes", "Strategic action"):
        j = header.index(col) + 1
        for row in range(2, ws.max_row + 1):
            cell = ws.cell(row=row, column=j)
            assert cell.data_type == "s", (col, cell.value)
    names = [
        ws.cell(row=r, column=header.index("Indicator") + 1).value for r in range(2, ws.max_row + 1)
    ]
    assert names == HOSTILE[:5]  # stored exactly as typed, as text
    j = header.index("Target value") + 1
    assert ws.cell(row=2, column=j).data_type == "n" and ws.cell(row=2, column=j).value == 10
    about = load_workbook(xlsx_path)["About"]
    assert about["B1"].value == HOSTILE[0] and about["B1"].data_type == "s"


def test_a_genuine_negative_number_stays_a_number_in_both_files(tmp_path):
    data = tmp_path / "neg.csv"
    data.write_text("geography,year,value\n42001,2018,-2.5\n42001,2023,-1.0\n", encoding="utf-8")
    plan = load_plan(
        {
            "actions": [
                {
                    "name": "a",
                    "indicators": [
                        {
                            "name": "Net change",
                            "source": {"kind": "local", "file": str(data)},
                            "direction": "higher",
                            "responsible": "r",
                            "target": {"year": 2030, "value": 0},
                        }
                    ],
                }
            ]
        }
    )
    csv_path, xlsx_path = export_plan(assess_plan(plan, ALPHA, fixture_sources()), tmp_path)
    back = pd.read_csv(csv_path, encoding="utf-8-sig")
    assert back["Baseline value"].tolist() == [-1.0]
    ws = load_workbook(xlsx_path)[SHEET]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("Baseline value") + 1)
    assert cell.data_type == "n" and cell.value == -1.0
