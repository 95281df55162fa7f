"""Comparison reports on the small fixture files (tests/fixtures/mm), checked by hand.

2023 fixture values of the six counties with data (Loving County TX has none of these):
  employed        Autauga .55  Baldwin .58  Cook .60  DuPage .60  Will .65  Philadelphia .50
  injury (lower)          90           85        30         40        50                100
  turnout                .62          .66       .60        .72       .70                .58
Cook's employment: 3 counties below, tied with DuPage -> (3 + 2/2) / 6 = 66.7% -> "67%".
Cook's injury deaths (lower is better): lowest of 6 -> better than (6 - 0.5)/6 = 91.7%.
Low birth weight (2022 only) is Cook's best value but flagged Weak.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from mobility_nb.compare import build, selection, standings
from mobility_nb.compare.report import prepare
from mobility_nb.compare.table import build_table
from mobility_nb.data import catalog
from mobility_nb.data.metrics import clear_cache, load_metrics
from mobility_nb.errors import CompareError
from mobility_nb.render.notebook_html import external_references
from mobility_nb.steps.step2.standing import standing


@pytest.fixture(autouse=True)
def _fresh():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def illinois(mm_fixture_dir):
    return selection.state_selection("IL", "county", mm_fixture_dir)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _by(frame: pd.DataFrame, geoid: str, metric: str) -> dict:
    rows = frame[(frame["geoid"] == geoid) & (frame["metric"] == metric)]
    assert len(rows) == 1
    return rows.iloc[0].to_dict()


# ---- selection ------------------------------------------------------------------------


def test_a_state_is_its_counties_in_name_order(illinois):
    assert illinois.geoids == ["17031", "17043", "17197"]
    assert illinois.kind == "state" and illinois.state == "17" and illinois.stem == "il-counties"
    assert illinois.title == "Illinois: 3 counties compared"


def test_the_nation_is_every_county_state_by_state(mm_fixture_dir):
    nation = selection.nation_selection("county", mm_fixture_dir)
    assert nation.geoids == ["01001", "01003", "17031", "17043", "17197", "42101", "48301"]
    assert nation.stem == "us-counties"


def test_unknown_state_and_empty_state_are_errors(mm_fixture_dir):
    with pytest.raises(CompareError, match="not a US state"):
        selection.state_selection("Atlantis", "county", mm_fixture_dir)
    with pytest.raises(CompareError, match="No county of Ohio"):
        selection.state_selection("OH", "county", mm_fixture_dir)


def test_a_peer_set_is_the_focal_place_then_its_peers(mm_fixture_dir):
    peers = selection.peer_selection("17031", ["17043", "Will County, IL"], mm_fixture_dir)
    assert peers.geoids == ["17031", "17043", "17197"]
    assert peers.focal.geoid == "17031" and peers.kind == "peers"
    assert peers.stem == "peers-17031-cook-county-il"


def test_a_list_with_counties_and_cities_gives_one_selection_per_level(tmp_path, mm_fixture_dir):
    listing = tmp_path / "mine.yaml"
    listing.write_text('- "17031"\n- "42101"\n- "4260000"\n- {jurisdiction: "17043"}\n')
    chosen = selection.list_selections(listing, mm_fixture_dir)
    assert [(s.level, s.geoids) for s in chosen] == [
        ("county", ["17031", "17043", "42101"]),
        ("place", ["4260000"]),
    ]
    assert chosen[0].stem == "mine-counties" and chosen[0].state is None


def test_a_list_naming_an_unknown_place_says_which_row(tmp_path, mm_fixture_dir):
    listing = tmp_path / "bad.yaml"
    listing.write_text('- "17031"\n- "Atlantis County, IL"\n')
    with pytest.raises(CompareError, match="row 2"):
        selection.list_selections(listing, mm_fixture_dir)


def test_a_folder_without_step2_pages_is_an_error(tmp_path, mm_fixture_dir):
    with pytest.raises(CompareError, match="no Step 2 pages"):
        selection.folder_selections(tmp_path, mm_fixture_dir)


# ---- the table is Step 2's standing ---------------------------------------------------


def test_every_place_row_set_equals_its_step2_standing(mm_fixture_dir):
    nation = selection.nation_selection("county", mm_fixture_dir)
    table = build_table(nation, mm_fixture_dir)
    tidy = load_metrics("county", mm_fixture_dir)
    metrics = [m.metric for m in catalog.metrics_for("county")]
    assert len(table.rows) == len(nation.places) * len(metrics)
    for place in nation.places:
        own = standing(tidy, place.geoid, "county", place.population, table.names)
        mine = table.rows[table.rows["geoid"] == place.geoid].reset_index(drop=True)
        assert list(mine["metric"]) == metrics
        for column in own.columns:
            left, right = own[column].tolist(), mine[column].tolist()
            same = [
                a == b or (_missing(a) and _missing(b)) for a, b in zip(left, right, strict=True)
            ]
            assert all(same), (place.geoid, column)


def test_standing_text_marks_and_ranks_follow_the_claims_rules(illinois, mm_fixture_dir):
    report = prepare(illinois, mm_fixture_dir / "no-out", mm_fixture_dir, draw_maps=False)
    a = report.annotated
    employed = _by(a, "17031", "share_employed")
    assert employed["national_n"] == 6 and employed["standing_text"] == "67%"
    injury = _by(a, "17031", "rate_injury_death")
    assert injury["national_better"] == pytest.approx((6 - 0.5) / 6 * 100)
    assert injury["standing_text"] == "92%"
    births = _by(a, "17031", "share_low_birth_weight")  # best value, flagged Weak
    assert births["marks"].split()[0] == "W" and births["in_overview"] is False
    share = _by(a, "17031", "share_desc_rep_black_nonhispanic")  # context: never ranked
    assert share["standing_text"] == "" and math.isnan(share["national_better"])
    count = _by(a, "17031", "count_homeless")  # a count: never ranked
    assert count["standing_text"] == ""


def test_marks_name_every_reason_a_value_cannot_stand_alone():
    row = {
        "value": 0.0,
        "quality": "Marginal",
        "shared_names": "Adams County",
        "artifact": "",
        "unreported_zero": True,
        "few_events": True,
        "vs_national": "within",
    }
    assert standings.marks(row) == ("M", "S", "Z", "F", "≈")
    assert standings.marks({**row, "value": float("nan")}) == ()
    assert set(standings.MARKS) == {"W", "M", "S", "A", "Z", "F", "≈"}


def test_standing_text_is_capped_and_ties_are_named():
    employed = catalog.get_metric("share_employed")
    crime = catalog.get_metric("rate_crime_violent")
    ranked = {"value": 0.5, "national_better": 99.6}
    assert standings.standing_text(ranked, employed) == "over 99%"
    assert standings.standing_text({**ranked, "national_better": 0.4}, employed) == ("under 1%")
    tie = {"value": 0.0, "national_better": math.nan, "national_extreme": "lowest"}
    assert standings.standing_text(tie, employed) == "tied at the lowest"
    assert standings.standing_text(tie, crime) == ""  # crime data are never ranked
    assert standings.comparison_words(crime) == "not ranked: crime data"


def test_overview_is_the_median_of_usable_standings(illinois, mm_fixture_dir):
    report = prepare(illinois, mm_fixture_dir / "no-out", mm_fixture_dir, draw_maps=False)
    ov = report.overview.set_index(["geoid", "pillar"])
    a = report.annotated
    for geoid in illinois.geoids:
        for pillar in catalog.PILLARS:
            mine = a[(a["geoid"] == geoid) & (a["pillar"] == pillar) & a["in_overview"]]
            row = ov.loc[(geoid, pillar)]
            assert row["used"] == len(mine)
            if len(mine):
                assert row["median_better"] == pytest.approx(mine["national_better"].median())
            else:
                assert math.isnan(row["median_better"]) and row["heat"] == -1
    health = ov.loc[("17031", catalog.PILLARS[3])]  # low birth weight is Weak: left out
    weak = a[(a["geoid"] == "17031") & (a["metric"] == "share_low_birth_weight")]
    assert not weak["in_overview"].any() and health["used"] >= 1


def test_heat_classes_are_fifths():
    values = [0.0, 19.9, 20.0, 59.9, 60.0, 80.0, 100.0, math.nan]
    assert standings.heat_class(pd.Series(values).to_numpy()).tolist() == [
        0,
        0,
        1,
        2,
        3,
        4,
        4,
        -1,
    ]


# ---- the page and its files -----------------------------------------------------------


def test_a_report_writes_page_csv_xlsx_and_provenance(tmp_path, illinois, mm_fixture_dir):
    (done,) = build(illinois, tmp_path, mm_fixture_dir, draw_maps=False)
    assert done.html == tmp_path / "compare" / "il-counties.html"
    page = done.html.read_text()
    assert external_references(page) == []
    assert "data-mnb-summary" in page and "<script>" in page
    assert page.count('<tr data-place="') == 3 * (1 + 5)  # overview + one table per pillar
    assert 'href="../step2/' not in page  # no step pages in the folder: no dead links

    numbers = pd.read_csv(done.csv, dtype={"geoid": str})
    comparison = numbers[numbers["table"] == "comparison"]
    assert len(comparison) == 3 * len(catalog.metrics_for("county"))
    cook = comparison[(comparison["geoid"] == "17031") & (comparison["metric"] == "share_employed")]
    assert cook["value"].iloc[0] == 0.60 and cook["standing_text"].iloc[0] == "67%"
    assert set(numbers["table"]) == {"comparison", "overview"}

    book = openpyxl.load_workbook(done.xlsx, read_only=True)
    sheet = book["Table"]
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert header[:3] == ("Code", "Name", "State") and [r[0] for r in rows] == illinois.geoids
    col = header.index(f"{catalog.get_metric('share_employed').label}: value")
    assert rows[0][col] == 0.60 and rows[0][col + 2] == pytest.approx(200 / 3)

    prov = json.loads(done.provenance.read_text())
    assert prov["step"] == "compare" and prov["places"] == 3 and prov["kind"] == "state"
    assert [f["name"] for f in prov["data_files"]] == [
        "11_mobility-metrics_county_longitudinal.csv"
    ]


def test_place_names_are_escaped_and_cells_formula_safe(tmp_path, mm_fixture_dir, monkeypatch):
    chosen = selection.state_selection("IL", "county", mm_fixture_dir)
    odd = [
        type(p)(p.geoid, p.level, "=HYPERLINK(1)<b>", p.state, p.population) if i == 0 else p
        for i, p in enumerate(chosen.places)
    ]
    chosen = selection.Selection(**{**chosen.__dict__, "places": tuple(odd)})
    (done,) = build(chosen, tmp_path, mm_fixture_dir, draw_maps=False)
    page = done.html.read_text()
    assert "=HYPERLINK(1)&lt;b&gt;" in page and "<b>" not in page.split("<body>")[1][:20000]
    assert "'=HYPERLINK(1)<b>" in done.csv.read_text()
    cell = openpyxl.load_workbook(done.xlsx)["Table"]["B2"]
    assert cell.value == "=HYPERLINK(1)<b>" and cell.data_type == "s"


def test_links_go_to_step_pages_that_exist(tmp_path, illinois, mm_fixture_dir):
    step2 = tmp_path / "step2"
    step2.mkdir()
    stem = "17031-cook-county-il"
    (step2 / f"{stem}.html").write_text("<html></html>")
    (step2 / f"{stem}.fingerprint").write_text(
        json.dumps(
            {"jurisdiction": "17031", "name": "Cook County", "state": "IL", "level": "county"}
        )
    )
    (tmp_path / "index.html").write_text("<html></html>")
    (done,) = build(illinois, tmp_path, mm_fixture_dir, draw_maps=False)
    page = done.html.read_text()
    assert f'href="../step2/{stem}.html"' in page
    assert 'href="../index.html"' in page
    assert page.count('href="../step2/') == 6  # the overview and the five pillar tables


def test_a_peer_report_shows_step2_peer_table(tmp_path, mm_fixture_dir):
    peers = selection.peer_selection("17031", ["17043", "17197"], mm_fixture_dir)
    (done,) = build(peers, tmp_path, mm_fixture_dir)
    page = done.html.read_text()
    assert "Rank among the 3 (1 = best)" in page and 'class="focal"' in page
    numbers = pd.read_csv(done.csv, dtype=str)
    assert "peers" in set(numbers["table"])
    assert "Peers" in openpyxl.load_workbook(done.xlsx, read_only=True).sheetnames


def test_the_cli_builds_a_report_and_the_index_lists_it(tmp_path, mm_fixture_dir):
    code = "import sys; from mobility_nb.cli.app import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", code, "--data-dir", str(mm_fixture_dir), "compare"]
    done = subprocess.run(
        [*command, "--state", "IL", "--out", str(tmp_path), "--no-maps"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "compare" / "il-counties.html").is_file()
    index = (tmp_path / "index.html").read_text()
    assert 'href="compare/il-counties.html"' in index and "Comparison reports" in index
    both = subprocess.run(
        [*command, "--state", "IL", "--all"], capture_output=True, text=True, timeout=60
    )
    assert both.returncode == 2 and "exactly one of" in both.stderr
