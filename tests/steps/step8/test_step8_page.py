"""Page-building functions of the Step 8 notebook, on fixture data."""

from __future__ import annotations

import html
from types import SimpleNamespace

import pytest
from support.plan import FIXTURES, fixture_sources

from mobility_nb.plan import PlanError, assess_plan, load_plan
from mobility_nb.steps.step8 import page as step8

ALPHA = SimpleNamespace(
    geoid="42001",
    level="county",
    name="Alpha County",
    state="42",
    display_name="Alpha County, Pennsylvania",
)


@pytest.fixture(scope="module")
def page():
    plan = load_plan(FIXTURES / "plan_valid.yaml")
    result = assess_plan(plan, ALPHA, fixture_sources())
    return step8.PlanView(jurisdiction=ALPHA, plan=plan, result=result, plan_path=plan.path)


def test_plan_table_shows_values_with_years(page):
    table = step8.plan_table(page)
    first = table.iloc[0]
    assert (first["Baseline"], first["Target"], first["Current"]) == (
        "74.0% (2018)",
        "76.0% (2030)",
        "80.0% (2023)",
    )
    assert first["Status"] == "met"
    assert first["Disaggregation"] == "gender"
    gap = table.iloc[1]
    assert gap["Indicator"] == "Employment gap, women vs men (Gap: Male vs Female)"
    assert gap["Baseline"] == "10.0 percentage points (2018)"
    assert table.iloc[5]["Baseline"] == "—"


def test_summary_and_gaps(page):
    text = step8.summary_html(page)
    assert "2 strategic actions, 6 indicators" in text
    assert "Status: 1 met, 2 off track, 2 too early to tell, 1 with no data." in text
    gaps = step8.gaps_table(page)
    assert set(gaps["No."]) == {4, 5, 6}


def test_chart_has_descriptive_alt_text(page):
    r = page.results[3]  # injury deaths
    html = step8.indicator_chart(r, "Alpha County")
    assert html.startswith('<figure class="mnb-figure">')
    assert step8.chart_alt(r, "Alpha County") == (
        "Line chart of Injury deaths for Alpha County, 2014 to 2023; baseline 48 in 2018; "
        "target 35 by 2030; latest 47 in 2023; status: off track."  # whole per 100,000
    )
    assert step8.indicator_chart(page.results[5], "Alpha County") is None  # no data yet


def test_targets_table_flags_out_of_reach(page):
    table = step8.targets_table(page)
    injury = table[table["Indicator"] == "Injury deaths"].iloc[0]
    assert injury["At the historical pace"] == "out of reach at the historical pace"
    assert injury["Historical trend a year"] == "+2.00"


def test_export_writes_both_files_only_with_an_artifacts_dir(page, tmp_path):
    assert step8.export(page, "") == []
    paths = step8.export(page, tmp_path)
    assert [p.name for p in paths] == ["plan.csv", "plan.xlsx"]


def test_find_plan_file():
    assert step8.find_plan_file("17031").name == "step8_cook_county.yaml"
    assert step8.find_plan_file("4260000").name == "step8_philadelphia.yaml"
    assert step8.find_plan_file("", "params/step8_cook_county.yaml").is_file()
    with pytest.raises(PlanError) as info:
        step8.find_plan_file("06037")
    assert 'no params/step8_*.yaml file has jurisdiction: "06037"' in str(info.value)
    with pytest.raises(PlanError) as info:
        step8.find_plan_file("06037", "params/step8_nowhere.yaml")
    assert "plan_file: 'params/step8_nowhere.yaml' does not exist" in str(info.value)


def _local_page(tmp_path, names):
    data = tmp_path / "spend.csv"
    data.write_text("geography,year,value\n42001,2018,10\n42001,2023,14\n", encoding="utf-8")
    plan = load_plan(
        {
            "title": "Plan with $ signs",
            "actions": [
                {
                    "name": "Money $",
                    "indicators": [
                        {
                            "name": name,
                            "source": {"kind": "local", "file": str(data)},
                            "unit": "dollars",
                            "direction": "higher",
                            "responsible": "r",
                            "target": {"year": 2030, "value": 30},
                        }
                        for name in names
                    ],
                }
            ],
        }
    )
    result = assess_plan(plan, ALPHA, fixture_sources())
    return step8.PlanView(jurisdiction=ALPHA, plan=plan, result=result, plan_path="(inline)")


def _svg_texts(figure_html: str) -> list[str]:
    import base64
    import re

    svg = base64.b64decode(re.search(r"base64,([^\"]+)", figure_html).group(1)).decode()
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_dollar_signs_in_indicator_names_draw_as_typed(tmp_path):
    # Issue 11: matplotlib reads $...$ as a formula; these names used to crash the chart.
    names = ["Spend $ on #1 priority $", "$x^2$ and $$", "Cost in $ (2023 $)"]
    page = _local_page(tmp_path, names)
    for r, name in zip(page.results, names, strict=True):
        figure = step8.indicator_chart(r, "Alpha County")
        assert f"{r.number}. {name}" in _svg_texts(figure)
    step8.Step8Page("42001", view=page).show_charts()  # the whole section renders


def test_literal_escapes_only_dollar_signs():
    from mobility_nb.render.mpl_text import literal

    assert literal("Spend $ on #1 priority $") == r"Spend \$ on #1 priority \$"
    assert literal(r"C:\data 50%") == r"C:\data 50%"


def test_run_by_hand_the_page_exports_into_outputs_and_says_where(page, tmp_path, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(step8, "show_html", shown.append)
    monkeypatch.setattr("mobility_nb.render.tables.show_html", shown.append)
    monkeypatch.setenv("MOBILITY_NB_OUTPUTS", str(tmp_path / "outputs"))
    by_hand = step8.Step8Page("42001", view=page)
    assert by_hand.interactive
    by_hand.show_export()
    by_hand.finish()
    folder = tmp_path / "outputs" / "step8"
    stem = "42001-alpha-county-pennsylvania"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{stem}.csv",
        f"{stem}.plan.csv",
        f"{stem}.plan.xlsx",
        f"{stem}.provenance.json",
    ]
    assert str(folder) in shown[0] and f"{stem}.plan.xlsx" in shown[0]
    last = shown[-1]
    assert f"Saved in <code>{folder}</code>" in last and f"{stem}.provenance.json" in last
    assert "mobility-nb run step8 --jurisdiction 42001 --plan plan_valid.yaml" in last


def test_a_local_file_lists_its_own_years(page, tmp_path):
    from mobility_nb.render.recorder import PageRecorder

    recorder = PageRecorder("step8", {}, tmp_path)
    step8._record_sources(page, recorder)
    years = {s.name: s.years for s in recorder.sources}
    assert years["local_measures.csv"] == "2018\u20132023"  # not the metrics' 2014-2023
    assert years["plan_valid.yaml"] == ""
