"""Step 5 page sections built from a fixture store (invented numbers, no ../shared)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from support.fakecensus import FIXTURE_YEAR, TEST_KEY, fixture_api
from support.pagetext import visible_text

from mobility_nb.acs import client as acs_client
from mobility_nb.acs import fetch, indicators
from mobility_nb.acs.client import CensusClient
from mobility_nb.steps.step5 import page as step5
from mobility_nb.testing.census_replay import ReplayAdapter

SECTIONS = [
    "show_header",
    "show_mobility_recap",
    "show_acs_summary",
    "show_context",
    "show_race_ethnicity",
    "show_race_mix_over_time",
    "show_tract_distribution",
    "show_tract_table",
    "show_tract_map",
    "show_local_files",
    "show_inventory",
    "show_methods",
]


def _square(x, y, size=0.02):
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


@pytest.fixture()
def fixture_store(tmp_path):
    session = acs_client.build_session(use_cache=False, adapter=ReplayAdapter(fixture_api()))
    client = CensusClient(key=TEST_KEY, session=session)
    variables = sorted(
        {c[:-1] for t in fixture_api().tables.values() for c in t.frame.columns if c != "NAME"}
    )
    fetch.fetch_state(
        "44",
        FIXTURE_YEAR,
        variables,
        levels=("county", "tract"),
        client=client,
        store_dir=tmp_path / "store",
        progress=False,
    )
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"GEOID": f"44007010{n}00"},
                "geometry": {"type": "Polygon", "coordinates": [_square(-71.4 + 0.02 * n, 41.8)]},
            }
            for n in range(1, 5)
        ],
    }
    (tmp_path / "tracts.geojson").write_text(json.dumps(geo))
    return tmp_path


def _render(page) -> str:
    shown: list[str] = []
    original = step5.show_html
    step5.show_html = shown.append
    try:
        for name in SECTIONS:
            getattr(page, name)()
        page.recorder.finish()
    finally:
        step5.show_html = original
    return "\n".join(shown)


def _text(fragment: str) -> str:
    return visible_text(fragment)


def test_county_page_from_the_store(fixture_store):
    local = fixture_store / "counts.csv"
    local.write_text(
        "tract,year,visits\n44007010100,2023,12\n44007010200,2023,x\n44003020100,2023,5\n"
    )
    page = step5.Step5Page(
        "44007",
        data_dir=str(fixture_store / "no-metrics-here"),
        store_dir=fixture_store / "store",
        artifacts_dir=str(fixture_store / "artifacts"),
        tract_geometry=str(fixture_store / "tracts.geojson"),
        census_data_dir=str(fixture_store),
        local_files=[
            {
                "path": str(local),
                "name": "Clinic visits",
                "owner": "Health dept",
                "geography_key": "tract",
                "geography_level": "tract",
                "year_column": "year",
                "value_columns": ["visits"],
            }
        ],
        inventory=[{"source": "Housing survey", "owner": "Planning", "status": "planned"}],
        params={"jurisdiction": "44007"},
    )
    page_html = _render(page)
    text = _text(page_html)
    assert page.place.level == "county" and page.place.state == "44"
    assert "Mobility Metrics recap is not available" in text
    assert "ACS 2018\u20132022 5-year" in text and "county table" in text
    # Published county numbers (fixture): median income $52,000 +/- $2,100.
    assert "$52,000" in text and "\u00b1$2,100" in text
    # The controlled county total keeps MOE 0 and so CV 0 / High reliability.
    res = page.results.set_index(["indicator", "group"])
    assert res.loc[("population", indicators.ALL), "moe"] == 0
    assert res.loc[("population", indicators.ALL), "reliability"] == "High"
    # Race iterations present in the fixture are charted; the others are reported missing.
    assert "Median household income by race and ethnicity" in text
    assert "Unemployment rate by race/ethnicity (C23002B\u2013I)" in text
    assert 'alt="Dot chart: Median household income by race and ethnicity' in page_html
    # Tracts: Providence has 4 tracts; two of them at 37% and 44% poverty.
    assert "has 4 census tracts" in text
    assert "of people whose poverty status is known live in the 1 of 3 tracts" in text
    assert 'alt="Map of 4 census tracts in' in page_html
    # Local file checked against the county's tracts.
    assert "'44003020100'" in text and "row 3: 'x'" in text
    assert "Housing survey" in text and "planned" in text
    assert "Codebook" in text and "controlled" in text
    # One state, one release in the store: no comparison and no change over time, said so.
    assert "No state or national comparison" in text and "census/national.yaml" in text
    assert "for only one ACS release" in text
    # Every tract's values are listed (a table, as the fixture map is drawn too).
    assert "ACS values of every tract" in text and "All 4 tracts" in text
    numbers = pd.read_csv(fixture_store / "artifacts" / "numbers.csv")
    assert {"acs_indicators", "tract_distribution", "data_inventory"} <= set(numbers["table"])


def test_missing_store_explains_how_to_fetch(tmp_path):
    page = step5.Step5Page(
        "44007",
        data_dir=str(tmp_path / "none"),
        store_dir=tmp_path / "empty",
        census_data_dir=str(tmp_path),
    )
    text = _text(_render(page))
    assert "No ACS data for this jurisdiction in the local store" in text
    assert "mobility-nb census fetch --state 44 --level county,tract" in text
    assert "CENSUS_API_KEY" in text


def test_city_page_has_no_tract_section(fixture_store):
    page = step5.Step5Page(
        "4459000",
        data_dir=str(fixture_store / "none"),
        store_dir=fixture_store / "store",
        census_data_dir=str(fixture_store),
    )
    text = _text(_render(page))
    assert page.place.level == "place"
    assert "Tract detail is shown for counties only" in text


def test_bad_local_file_parameter_fails_at_the_top(tmp_path):
    from mobility_nb.errors import ParamsError

    with pytest.raises(ParamsError, match="unknown setting"):
        step5.Step5Page(
            "44007",
            data_dir=str(tmp_path / "none"),
            store_dir=tmp_path,
            local_files=[{"path": "x.csv", "colour": "red"}],
        )
