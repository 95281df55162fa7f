"""The plan exported as CSV and XLSX reads back with the same content."""

from __future__ import annotations

import math

import pandas as pd
from openpyxl import load_workbook
from support.plan import ALPHA, FIXTURES, fixture_sources

from mobility_nb.plan import assess_plan, export_plan, load_plan, plan_frame
from mobility_nb.plan.export import SHEET


def _result():
    return assess_plan(load_plan(FIXTURES / "plan_valid.yaml"), ALPHA, fixture_sources())


def _same(a, b) -> bool:
    if a is None or a is pd.NA or a == "" or (isinstance(a, float) and math.isnan(a)):
        return b is None or b == "" or (isinstance(b, float) and math.isnan(b))
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-12)
    return str(a) == str(b)


def test_xlsx_round_trip(tmp_path):
    result = _result()
    csv_path, xlsx_path = export_plan(result, tmp_path)
    assert (csv_path.name, xlsx_path.name) == ("plan.csv", "plan.xlsx")
    expected = plan_frame(result)
    wb = load_workbook(xlsx_path)
    assert wb.sheetnames == [SHEET, "About"]
    rows = list(wb[SHEET].iter_rows(values_only=True))
    assert list(rows[0]) == list(expected.columns)
    assert len(rows) == len(expected) + 1
    for got, want in zip(rows[1:], expected.itertuples(index=False), strict=True):
        for g, w in zip(got, want, strict=True):
            assert _same(w, g), (w, g)
    about = dict(wb["About"].iter_rows(values_only=True))
    assert about["Jurisdiction"] == "Alpha County (42001)"
    # Spot-check the numbers a partner will paste: employment baseline and target
    emp = rows[1]
    cols = rows[0]
    assert emp[cols.index("Indicator")] == "Employment rate"
    assert emp[cols.index("Baseline value")] == 0.74
    assert emp[cols.index("Baseline")] == "74.0%"
    assert emp[cols.index("Baseline year")] == 2018
    assert emp[cols.index("Target value")] == 0.76
    assert emp[cols.index("Status")] == "met"


def test_csv_round_trip(tmp_path):
    result = _result()
    csv_path = export_plan(result, tmp_path)[0]
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    back = pd.read_csv(csv_path, encoding="utf-8-sig", keep_default_na=False)
    expected = plan_frame(result)
    assert list(back.columns) == list(expected.columns)
    assert back["Indicator"].tolist() == expected["Indicator"].tolist()
    assert back["Status"].tolist() == expected["Status"].tolist()
    assert back["Baseline year"].astype(str).tolist() == [
        "" if pd.isna(v) else str(v) for v in expected["Baseline year"]
    ]


def test_export_columns_follow_the_measurement_plan_worksheet():
    frame = plan_frame(_result())
    for col in (
        "Strategic action",
        "Logic-model component",
        "Indicator",
        "Data source",
        "Collection method",
        "Baseline year",
        "Baseline value",
        "Target year",
        "Target value",
        "Disaggregation",
        "Collection frequency",
        "Reporting cadence",
        "Reporting audience",
        "Responsible party",
        "Baseline quality",
        "How the target was set",
        "Feasibility",
        "Status",
        "Data gaps",
    ):
        assert col in frame.columns
