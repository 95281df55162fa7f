"""Step 8 from an Excel worksheet: template, filled in as an analyst would, read, assessed."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from support.plan import FIXTURES, fixture_sources

from mobility_nb.plan import PlanError, assess_plan, load_plan
from mobility_nb.plan.progress import MET, OFF_TRACK, TOO_EARLY
from mobility_nb.plan.workbook import (
    COLUMNS,
    LISTS_SHEET,
    PLAN_SHEET,
    REFERENCE_SHEET,
    SETTINGS_SHEET,
    read_workbook,
    write_template,
)
from mobility_nb.steps.step8 import page as step8

ALPHA = SimpleNamespace(
    geoid="42001",
    level="county",
    name="Alpha County",
    state="42",
    display_name="Alpha County, Pennsylvania",
)


@pytest.fixture
def template(tmp_path):
    path = write_template(tmp_path / "plan.xlsx", ALPHA, metrics=fixture_sources().metrics)
    shutil.copy(FIXTURES / "local_measures.csv", tmp_path / "local_measures.csv")
    return path


def _columns(ws) -> dict[str, str]:
    return {c.value: c.column_letter for c in ws[1]}


def _list(wb, name: str) -> list[str]:
    ws = wb[LISTS_SHEET]
    for col in ws.iter_cols(min_row=1):
        if col[0].value == name:
            return [c.value for c in col[1:] if c.value is not None]
    raise KeyError(name)


def test_template_layout(template):
    wb = load_workbook(template)
    assert wb.sheetnames == [
        "Instructions",
        PLAN_SHEET,
        SETTINGS_SHEET,
        REFERENCE_SHEET,
        LISTS_SHEET,
    ]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    plan = wb[PLAN_SHEET]
    assert [c.value for c in plan[1]] == [c.header for c in COLUMNS]
    assert plan.freeze_panes == "C2"
    cols = _columns(plan)
    # the target's unit sits in the cell right of the target value
    assert ord(cols["Target unit"]) == ord(cols["Target value"]) + 1
    assert plan[f"{cols['Target unit']}2"].value.startswith(f'=IF({cols["Metric"]}2<>""')
    assert plan["A2"].alignment.wrap_text
    # drop-down lists for metrics, rules, frequencies and sources, from the hidden sheet
    validations = {
        str(dv.sqref).split(":")[0][:-1]: dv for dv in plan.data_validations.dataValidation
    }
    for header, name in (
        ("Metric", "metrics"),
        ("Target rule", "rules"),
        ("Collection frequency", "frequencies"),
        ("Source", "sources"),
        ("Reporting frequency", "frequencies"),
    ):
        dv = validations[cols[header]]
        assert dv.type == "list" and dv.formula1.startswith(f"{LISTS_SHEET}!$")
        letter = dv.formula1.split("$")[1]
        assert wb[LISTS_SHEET][f"{letter}1"].value == name  # the list it offers
        assert str(dv.sqref) == f"{cols[header]}2:{cols[header]}201"
    assert "Adults 25-54 who have a job" in _list(wb, "metrics")
    assert "Renter households paying 30% or more of income on rent" in _list(wb, "metrics")
    assert _list(wb, "rules")[0] == "Value I type"
    # the place's current values, in page units, with year and quality
    ref = {r[0]: r for r in wb[REFERENCE_SHEET].iter_rows(min_row=4, values_only=True)}
    assert ref["Adults 25-54 who have a job"][1:5] == (
        "80.0% (2023, Strong)",
        "80.0%",
        2023,
        "Strong",
    )
    assert ref["3- and 4-year-olds in preschool"][1] == "45.0% (2023, Weak)"
    assert ref["Deaths from injury per 100,000 people"][2] == "47"  # whole per 100,000
    settings = wb[SETTINGS_SHEET]
    assert (settings["A3"].value, settings["B3"].value) == ("Jurisdiction", "42001")
    assert settings["B3"].number_format == "@"
    text = " ".join(str(c.value) for c in wb["Instructions"]["A"] if c.value)
    assert "a share as 60% (60 and 0.60 are read the same way)" in text


def test_template_without_a_place_has_no_reference_sheet(tmp_path):
    wb = load_workbook(write_template(tmp_path / "blank.xlsx"))
    assert REFERENCE_SHEET not in wb.sheetnames
    assert wb[SETTINGS_SHEET]["B3"].value is None


def _fill(template):
    """Fill the template as an analyst would: labels from the lists, a share typed 82%."""
    wb = load_workbook(template)
    plan = wb[PLAN_SHEET]
    cols = _columns(plan)
    metric = {label: label for label in _list(wb, "metrics")}
    rules, freq = _list(wb, "rules"), _list(wb, "frequencies")

    def put(row: int, header: str, value, fmt: str | None = None) -> None:
        cell = plan[f"{cols[header]}{row}"]
        cell.value = value
        if fmt:
            cell.number_format = fmt

    rows = {
        2: {
            "Strategic action": "Jobs",
            "Indicator": "Employment rate",
            "Logic-model component": "Long-term outcome",
            "Source": "Mobility Metrics",
            "Metric": metric["Adults 25-54 who have a job"],
            "Target rule": rules[0],
            "Target value": (0.82, "0%"),
            "Target year": 2030,
            "Collection frequency": freq[3],
            "Responsible owner": "Workforce board",
            "Disaggregation": "Gender; Race/ethnicity",
            "Reporting frequency": "Annual",
            "Reporting audience": "Steering committee",
        },
        3: {
            "Strategic action": "Jobs",
            "Indicator": "Employment gap, women vs men",
            "Source": "Mobility Metrics",
            "Metric": "Adults 25-54 who have a job",
            "Target rule": "Close part of the gap between two groups",
            "Percent of gap to close": (0.5, "0%"),
            "Subgroup type": "gender",
            "Group": "Female",
            "Reference group": "Male",
            "Target year": 2030,
            "Responsible owner": "Workforce board",
            "Disaggregation": "Gender",
        },
        # row 4 left empty: skipped
        5: {
            "Strategic action": "Jobs",
            "Indicator": "Job placements",
            "Source": "Local data",
            "Local data file": "local_measures.csv",
            "Local measure": "job_placements",
            "Local unit": "Count",
            "Better when": "Higher is better",
            "Target value": 400,
            "Target year": 2030,
            "Responsible owner": "Partnership",
            "Notes": "=HYPERLINK(1)",
        },
        6: {
            "Strategic action": "Safety",
            "Indicator": "Injury deaths",
            "Metric": "Deaths from injury per 100,000 people",
            "Target rule": "Reach the peers' top quarter",
            "Target year": 2030,
            "Responsible owner": "Health department",
            "Collection frequency": "Annual",
        },
    }
    for row, values in rows.items():
        for header, value in values.items():
            if isinstance(value, tuple):
                put(row, header, *value)
            else:
                put(row, header, value)
    wb[SETTINGS_SHEET]["B2"] = "Alpha County plan from Excel"
    wb[SETTINGS_SHEET]["B4"] = 2018
    wb.save(template)
    return template


def test_read_workbook_gives_the_plan_mapping_with_keys(template):
    data = read_workbook(_fill(template))
    assert data["title"] == "Alpha County plan from Excel"
    assert (data["jurisdiction"], data["baseline_year"]) == ("42001", 2018)
    assert [a["name"] for a in data["actions"]] == ["Jobs", "Safety"]
    first, gap, local = data["actions"][0]["indicators"]
    assert first["source"] == {"kind": "mobility_metric", "metric": "Adults 25-54 who have a job"}
    assert first["target"] == {"rule": "value", "year": 2030, "value": "82%"}
    assert first["component"] == "long_term_outcome"
    assert first["frequency"] == "annual"
    assert first["disaggregation"] == ["gender", "race_ethnicity"]
    assert first["reporting"] == {"cadence": "annual", "audience": "Steering committee"}
    assert gap["target"]["rule"] == "close_subgroup_gap" and gap["target"]["percent"] == "50%"
    assert local["source"] == {
        "kind": "local",
        "file": "local_measures.csv",
        "measure": "job_placements",
    }
    assert (local["unit"], local["direction"]) == ("count", "higher")
    # a metric without a Source is understood from the metric list
    injury = data["actions"][1]["indicators"][0]
    assert injury["source"] == {
        "kind": "mobility_metric",
        "metric": "Deaths from injury per 100,000 people",
    }
    assert injury["target"]["rule"] == "reach_peer_top_quartile"
    assert data.cells["actions[0].indicators[2].target.value"] == "Plan!N5 (Target value)"


def test_round_trip_to_the_step8_page(template):
    plan = load_plan(_fill(template))
    assert plan.title == "Alpha County plan from Excel"
    first = plan.actions[0].indicators[0]
    assert first.source.metric == "share_employed"  # the label mapped back to its key
    assert first.target.value == pytest.approx(0.82)
    result = assess_plan(plan, ALPHA, fixture_sources())
    by_name = {r.indicator.name: r for r in result.results}
    emp = by_name["Employment rate"]
    # 0.74 [0.72, 0.76] (2018) -> 0.80 [0.78, 0.82] (2023); the path to 0.82 by 2030
    # expects 0.74 + 0.08 x 5/12 = 0.7733, below the whole interval -> on track
    assert emp.target.explanation == "Set in the plan: 82.0% by 2030."
    assert emp.status == "on track"
    assert by_name["Employment gap, women vs men"].status == TOO_EARLY
    assert by_name["Job placements"].status == OFF_TRACK
    assert by_name["Injury deaths"].target.value == pytest.approx(34.5)
    assert MET not in {r.status for r in result.results}
    page = step8.PlanView(jurisdiction=ALPHA, plan=plan, result=result, plan_path=str(template))
    table = step8.plan_table(page)
    assert table.iloc[0]["Target"] == "82.0% (2030)"
    assert table.iloc[0]["Disaggregation"] == "gender, race/ethnicity"
    assert "Alpha County plan from Excel" in step8.summary_html(page)
    targets = step8.targets_table(page)
    assert targets.iloc[0]["How the target was set"] == "Set in the plan: 82.0% by 2030."
    for r in page.results:
        step8.indicator_chart(r, "Alpha County")
    step8.Step8Page("42001", view=page).show_charts()
    step8.Step8Page("42001", view=page).show_progress()
    assert page.plan_name == "plan.xlsx"


def test_every_problem_is_named_by_sheet_and_cell(template):
    wb = load_workbook(template)
    plan = wb[PLAN_SHEET]
    cols = _columns(plan)
    rows = {
        3: {
            "Strategic action": "Jobs",
            "Indicator": "Affordable homes",
            "Metric": "Affordable homes per 100 low-income households (80% AMI)",
            "Target value": 7500,
            "Target year": 2030,
            "Responsible owner": "Housing",
        },
        4: {
            "Strategic action": "Jobs",
            "Indicator": "No owner",
            "Metric": "Adults who work",
            "Target year": "soon",
            "Collection frequency": "Weekly",
        },
        7: {
            "Strategic action": "Jobs",
            "Indicator": "Share",
            "Source": "Local data",
            "Local unit": "Percent (60%)",
            "Target value": (1.5, "0%"),
            "Target year": 2030,
            "Responsible owner": "Me",
            "Disaggregation": "Gender; Ages",
        },
    }
    for row, values in rows.items():
        for header, value in values.items():
            cell = plan[f"{cols[header]}{row}"]
            cell.value, fmt = value if isinstance(value, tuple) else (value, None)
            if fmt:
                cell.number_format = fmt
    wb[SETTINGS_SHEET]["B3"] = 6037  # Excel dropped the leading zero
    wb.save(template)
    with pytest.raises(PlanError) as info:
        load_plan(template)
    problems = info.value.problems
    assert problems == [
        "Settings!B3 (Jurisdiction): 6037 is not a 5-digit county FIPS or 7-digit place GEOID; "
        'if a leading zero was lost, write it in quotes: "06037"',
        "Plan!N3 (Target value): 7500 per 100 is not plausible (more than 10 for every one); "
        "targets for this measure are typed per 100, e.g. 75 for 75 per 100",
        problems[2],
        "Plan!P4 (Target year): must be a year written as a whole number such as 2030, not 'soon'",
        "Plan!N4 (Target value): is required for rule 'value'",
        problems[5],
        "Plan!Z4 (Responsible owner): is required",
        "Plan!N7 (Target value): 150% is over 100%, which a share cannot be; type a "
        "percentage, e.g. 60% (60 and 0.60 are read the same way)",
        problems[8],
    ]
    assert problems[2].startswith(
        "Plan!F4 (Metric): 'Adults who work' is neither a Mobility "
        "Metrics column nor a metric label"
    )
    assert problems[5].startswith(
        "Plan!V4 (Collection frequency): 'Weekly' is not a known frequency"
    )
    assert problems[8].startswith(
        "Plan!AA7 (Disaggregation, item 2): 'Ages' is not a known disaggregation value"
    )
    message = str(info.value)
    assert message.endswith(
        "Fix these cells in the workbook and run again (the Instructions "
        "sheet explains each column)."
    )


def test_a_file_that_is_not_a_workbook(tmp_path):
    bad = tmp_path / "plan.xlsx"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(PlanError) as info:
        load_plan(bad)
    assert info.value.problems[0].startswith("cannot be read as an Excel workbook")


def test_yaml_still_works_beside_workbooks():
    assert load_plan(FIXTURES / "plan_valid.yaml").jurisdiction == "42001"
