"""Step 8 on the real Mobility Metrics: baselines equal Urban's files, and the page renders.

Reads the shared data in place (never copied); skipped when it is absent.
"""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

import pytest
from support.paths import REPO, shared_mm_path

from mobility_nb.plan import load_plan

DATA = shared_mm_path()
ASSEMBLED = DATA / "assembled"
UPSTREAM = DATA / "upstream"
MAIN = {
    "county": ASSEMBLED / "11_mobility-metrics_county_longitudinal.csv",
    "place": ASSEMBLED / "61_mobility-metrics_place_longitudinal.csv",
}
SUBGROUP_FILES = {
    ("place", "disability"): "68_mobility-metrics_place_disability_longitudinal.csv",
    ("place", "income"): "64_mobility-metrics_place_income_longitudinal.csv",
    ("county", "disability"): "18_mobility-metrics_county_disability_longitudinal.csv",
    ("county", "gender"): "16_mobility-metrics_county_gender_longitudinal.csv",
}
EXAMPLES = {"4260000": "step8_philadelphia.yaml", "17031": "step8_cook_county.yaml"}

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(
        not all(p.is_file() for p in MAIN.values()),
        reason=f"shared Mobility Metrics data not found under {DATA}",
    ),
]


def _rows(path: Path, geoid: str | None = None) -> list[dict[str, str]]:
    """Rows of an Urban CSV, read with the csv module (independent of the package)."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if geoid is None:
        return rows
    key = "county" if len(geoid) == 5 else "place"
    return [r for r in rows if r["state"] + r[key] == geoid]


def _num(text: str) -> float:
    return float("nan") if text in ("", "NA") else float(text)


@pytest.fixture(scope="module", params=sorted(EXAMPLES))
def page(request):
    from mobility_nb.steps.step8 import page as step8

    return step8.load_page(
        request.param, data_dir=str(DATA), plan_file=f"params/{EXAMPLES[request.param]}"
    )


def test_baselines_equal_urban_values(page):
    geoid = page.jurisdiction.geoid
    rows = {int(r["year"]): r for r in _rows(MAIN[page.jurisdiction.level], geoid)}
    checked = 0
    for r in page.results:
        src = r.indicator.source
        if src.kind != "mobility_metric" or r.tracked != "Overall" or r.baseline is None:
            continue
        row = rows[r.baseline.year]
        m = src.metric
        assert r.baseline.value == pytest.approx(_num(row[m]), rel=1e-12), m
        if f"{m}_lb" in row:
            assert r.baseline.lower == pytest.approx(_num(row[f"{m}_lb"]), rel=1e-12, nan_ok=True)
            assert r.baseline.upper == pytest.approx(_num(row[f"{m}_ub"]), rel=1e-12, nan_ok=True)
        assert r.baseline.quality == (row[f"{m}_quality"] if row[f"{m}_quality"] != "NA" else None)
        # The baseline is the latest value in or before the plan's baseline year.
        later = [
            y
            for y, rw in rows.items()
            if r.baseline.year < y <= page.plan.baseline_year and rw[m] != "NA"
        ]
        assert later == [], m
        checked += 1
    assert checked >= 4


def test_subgroup_gap_baselines_equal_urban_values(page):
    geoid, level = page.jurisdiction.geoid, page.jurisdiction.level
    checked = 0
    for r in page.results:
        t = r.indicator.target
        if t is None or t.rule != "close_subgroup_gap" or r.baseline is None:
            continue
        rows = _rows(UPSTREAM / SUBGROUP_FILES[(level, t.subgroup_type)], geoid)
        m = r.indicator.source.metric
        at = {row["subgroup"]: _num(row[m]) for row in rows if int(row["year"]) == r.baseline.year}
        assert r.baseline.value == pytest.approx(abs(at[t.reference] - at[t.group]))
        assert r.target.value == pytest.approx(
            (1 - t.percent / 100) * abs(at[t.reference] - at[t.group])
        )
        checked += 1
    assert checked >= 1


def test_state_median_target_matches_a_direct_calculation(page):
    level = page.jurisdiction.level
    for r in page.results:
        t = r.indicator.target
        if t is None or t.rule != "reach_state_median" or r.baseline is None:
            continue
        m = r.indicator.source.metric
        values = [
            _num(row[m])
            for row in _rows(MAIN[level])
            if row["state"] == page.jurisdiction.state
            and int(row["year"]) == r.baseline.year
            and row[m] != "NA"
        ]
        assert r.target.value == pytest.approx(statistics.median(values))


def test_examples_show_every_kind_of_result(page):
    statuses = {r.status for r in page.results}
    assert len(statuses) >= 3
    assert any(r.feasibility and r.feasibility.out_of_reach for r in page.results)
    assert any(r.gaps for r in page.results)


@pytest.mark.notebook
@pytest.mark.parametrize("geoid", sorted(EXAMPLES))
def test_notebook_renders_and_exports(tmp_path, geoid):
    import papermill as pm
    from openpyxl import load_workbook

    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    pm.execute_notebook(
        str(REPO / "notebooks" / "step8_measurement_plan.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters={"jurisdiction": geoid, "data_dir": str(DATA), "artifacts_dir": str(artifacts)},
        cwd=str(REPO / "notebooks"),
        progress_bar=False,
        kernel_name="python3",
    )
    names = {p.name for p in artifacts.iterdir()}
    assert {"plan.csv", "plan.xlsx", "numbers.csv", "provenance.json"} <= names
    sheet = load_workbook(artifacts / "plan.xlsx")["Measurement plan"]
    assert sheet.max_row - 1 == len(load_plan(REPO / "params" / EXAMPLES[geoid]).indicators())


@pytest.mark.notebook
def test_runner_publishes_an_offline_page(tmp_path):
    from mobility_nb.run.one_page import run_page

    run = run_page("step8", {"jurisdiction": "17031"}, tmp_path, "cook-step8", data_dir=str(DATA))
    page = run.html.read_text(encoding="utf-8")
    assert "Measurement plan" in page
    assert "Deaths from injury per 100,000 residents" in page
    assert 'alt="Line chart of Deaths from injury' in page
    assert "out of reach at the historical pace" in page


def test_albemarle_plan_reads_the_acs_store_and_a_local_file(tmp_path):
    """Albemarle end to end: its ACS indicator's baseline is the Equity Center's 2014-2018
    uninsured share (S2701, read here with the csv module), 95% bounds from the 90% MOE."""
    from support.fakecensus import census_data_dir

    from mobility_nb.acs import importers
    from mobility_nb.plan.sources import AcsSource, Sources
    from mobility_nb.steps.step8 import page as step8

    root = census_data_dir()
    batch = importers.ImportBatch()
    importers.read_plan(REPO / "params" / "census" / "albemarle.yaml", batch, root)
    importers.commit(batch, tmp_path, command="test")
    loaded = step8.load_page(
        "51003",
        data_dir=str(DATA),
        plan_file="params/step8_albemarle.yaml",
        sources=Sources(acs=AcsSource(store_dir=tmp_path)),
    )
    by_kind = {r.indicator.source.kind: r for r in loaded.results if r.tracked == "Overall"}
    assert set(by_kind) == {"mobility_metric", "acs", "local"}
    path = root / "acs/albemarle/data/alb_health_insured_county_race_2017_2023.csv"
    row = next(r for r in _rows(path) if r["group"] == "All" and r["year"] == "2018")
    share = float(row["estimate_uninsured"]) / float(row["total_est"])
    acs = by_kind["acs"].baseline
    assert acs.year == 2018 and acs.value == pytest.approx(100 * share)
    m_num, m_den = float(row["moe_uninsured"]), float(row["total_moe"])
    moe90 = (m_num**2 - share**2 * m_den**2) ** 0.5 / float(row["total_est"]) * 100
    assert acs.upper - acs.value == pytest.approx(moe90 * 1.96 / 1.645, rel=1e-6)
    assert by_kind["local"].baseline is not None and by_kind["local"].baseline.year == 2018
