"""``mobility-nb plan template``, then the filled workbook through ``run step8 --plan``.

The round trip is the analyst's: the command writes the workbook, openpyxl fills it as
Excel would (labels picked from the drop-downs, a share typed as 80% in a percent cell),
and the Step 8 notebook renders the page from it (fixture data, a real kernel).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mobility_nb.cli import app as cli
from mobility_nb.plan.workbook import PLAN_SHEET, REFERENCE_SHEET, SETTINGS_SHEET


@pytest.fixture
def here(tmp_path, monkeypatch, mm_fixture_dir):
    monkeypatch.delenv("MOBILITY_NB_NOTEBOOKS", raising=False)
    monkeypatch.setenv("MOBILITY_NB_DATA", str(mm_fixture_dir))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_template_for_a_named_place(here, capsys):
    assert cli.main(["plan", "template", "-j", "Cook County, IL", "--out", "cook.xlsx"]) == 0
    out = capsys.readouterr().out
    assert "Wrote cook.xlsx: a measurement-plan workbook for Cook County, Illinois" in out
    assert "mobility-nb run step8 --plan cook.xlsx" in out
    wb = load_workbook(here / "cook.xlsx")
    assert wb[SETTINGS_SHEET]["B3"].value == "17031"
    reference = {row[0]: row[2] for row in wb[REFERENCE_SHEET].iter_rows(values_only=True)}
    assert reference["Adults 25-54 who have a job"] == "60.0%"  # the page's units


def test_template_refuses_to_replace_a_plan_and_wants_xlsx(here, capsys):
    assert cli.main(["plan", "template"]) == 0
    assert (here / "plan.xlsx").is_file()
    assert "Write the county or city on its Settings sheet" in capsys.readouterr().out
    before = (here / "plan.xlsx").read_bytes()
    assert cli.main(["plan", "template"]) == 2
    assert "may hold your plan" in capsys.readouterr().err
    assert (here / "plan.xlsx").read_bytes() == before
    assert cli.main(["plan", "template", "--force", "-j", "17043"]) == 0
    assert cli.main(["plan", "template", "--out", "plan.xls"]) == 2
    assert "must end in .xlsx" in capsys.readouterr().err


def test_template_with_an_ambiguous_place_says_how_to_pick(here, capsys):
    assert cli.main(["plan", "template", "-j", "Philadelphia, PA"]) == 2
    assert '"Philadelphia city, PA"' in capsys.readouterr().err
    assert not (here / "plan.xlsx").exists()


def fill(path: Path) -> None:
    """Two indicators as an analyst types them: labels from the lists, 80% in a % cell."""
    wb = load_workbook(path)
    ws = wb[PLAN_SHEET]
    cols = {c.value: c.column_letter for c in ws[1]}

    def put(row: int, header: str, value, fmt: str = "") -> None:
        cell = ws[f"{cols[header]}{row}"]
        cell.value = value
        if fmt:
            cell.number_format = fmt

    put(2, "Strategic action", "Jobs")
    put(2, "Indicator", "Prime-age employment")
    put(2, "Source", "Mobility Metrics")
    put(2, "Metric", "Adults 25-54 who have a job")
    put(2, "Target rule", "Value I type")
    put(2, "Target value", 0.8, "0%")
    put(2, "Target year", 2030)
    put(2, "Responsible owner", "Workforce board")
    put(3, "Strategic action", "Jobs")
    put(3, "Indicator", "Household income")
    put(3, "Metric", "Middle household income (median)")
    put(3, "Target rule", "Reach the state median")
    put(3, "Target year", 2030)
    put(3, "Responsible owner", "Economic development")
    wb[SETTINGS_SHEET]["B2"] = "Cook County measurement plan"
    wb.save(path)


@pytest.mark.notebook
def test_template_filled_in_excel_renders_the_step8_page(here, capsys):
    assert cli.main(["plan", "template", "-j", "17031", "--out", "cook plan.xlsx"]) == 0
    fill(here / "cook plan.xlsx")
    assert cli.main(["run", "step8", "--plan", "cook plan.xlsx", "--out", "site"]) == 0
    out = capsys.readouterr().out
    page = here / "site" / "17031-cook-county-il.html"
    assert f"Page:       {Path('site') / page.name}" in out
    text = page.read_text(encoding="utf-8")
    assert "Cook County measurement plan" in text
    assert "Prime-age employment" in text and "Household income" in text
    assert "Set in the plan: 80.0% by 2030." in text  # the 80% typed in Excel, in page units
    prov = json.loads((here / "site" / "17031-cook-county-il.provenance.json").read_text())
    assert prov["parameters"]["plan_file"] == "cook plan.xlsx"  # by its name, no path
    assert str(here) not in json.dumps(prov)
    assert (here / "site" / "17031-cook-county-il.plan.xlsx").is_file()
    assert (here / "site" / "17031-cook-county-il.plan.csv").is_file()
