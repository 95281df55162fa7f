"""The offline replay serves the real extracts in API shape, and the store ends up equal to
the extracts (values, MOEs, blanks) after the full census-package fetch path."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from support.fakecensus import census_data_dir

from mobility_nb.acs import indicators, store
from mobility_nb.testing import census_replay as replay

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    root = census_data_dir()
    directory = tmp_path_factory.mktemp("store")
    reports = replay.populate_store_from_extracts(root, directory)
    return root, directory, reports


def _wide(directory, year, level, state, prefix=""):
    return store.read_slice(
        directory, store.StoreKey("acs5", year, level, state), geoid_prefix=prefix
    )


def test_reports_cover_the_three_demo_regions(filled):
    _, _, reports = filled
    by_state = {r.state: r for r in reports}
    assert set(by_state) == {"36", "42", "17"}
    assert by_state["42"].year == 2017 and by_state["17"].year == 2020
    assert all(r.ok for r in reports)
    assert "offline replay" in by_state["17"].source_label


def test_philadelphia_median_income_matches_the_s1901_export(filled):
    root, directory, _ = filled
    s1901 = pd.read_csv(root / replay.PHILA_S1901, dtype=str, keep_default_na=False)
    sl = _wide(directory, 2017, "tract", "42", "42101")
    wide = sl.wide()
    assert len(wide) == 384
    for _, row in s1901.iterrows():
        got_e = wide.loc[row["GEO.id2"], "B19013_001_E"]
        got_m = wide.loc[row["GEO.id2"], "B19013_001_M"]
        if row["HC01_EST_VC13"] == "":
            assert np.isnan(got_e) and wide.loc[row["GEO.id2"], "B19013_001_Ef"] == "missing"
        else:
            assert got_e == float(row["HC01_EST_VC13"]) and got_m == float(row["HC01_MOE_VC13"])
    assert wide.loc["42101000100", "name"] == "Census Tract 1, Philadelphia County, Pennsylvania"
    assert sl.meta["source"] == "replay" and "S1901" in sl.meta["source_label"]
    assert "HC01_EST_VC13" in sl.meta["variable_notes"]["B19013_001"]


def test_hispanic_share_moes_reproduce_dvrpc_published_percent_moes(filled):
    """DVRPC published EM_PctEst / EM_PctMOE (tidycensus moe_prop of B03002_012 over
    B03002_001). Our indicator, computed from the replayed store, must agree for every
    tract of the 5 Pennsylvania counties."""
    root, directory, _ = filled
    dvrpc = pd.read_csv(root / replay.PHILA_DVRPC, dtype=str)
    dvrpc = dvrpc[dvrpc["STATEFP10"] == "42"].set_index("GEOID10")
    wide = _wide(directory, 2017, "tract", "42").wide()
    res = indicators.compute(
        indicators.get("race_ethnicity_share"), wide, groups=["Hispanic or Latino"]
    ).set_index("geoid")
    res = res.loc[dvrpc.index]
    pct = dvrpc["EM_PctEst"].astype(float)
    pct_moe = dvrpc["EM_PctMOE"].astype(float)
    ours_moe = np.round(res["moe"], 1).where(lambda m: m != 0, 0.1)  # DVRPC floors 0 at 0.1
    assert (np.abs(np.round(res["estimate"], 1) - pct) <= 0.051).mean() > 0.999
    assert (np.abs(ours_moe - pct_moe) <= 0.051).all()


def test_nyc_poverty_rate_uses_b17021_and_matches_nycgeo(filled):
    root, directory, _ = filled
    nyc = pd.read_csv(root / replay.NYC_TRACTS, dtype={"geoid": str}).set_index("geoid")
    wide = _wide(directory, 2017, "tract", "36").wide()
    res = indicators.compute(indicators.get("poverty_rate"), wide, groups=[indicators.ALL])
    res = res.set_index("geoid")
    assert set(res["variables"]) == {"B17021_002, B17021_001"}  # the documented alternate
    both = nyc["pop_inpov_pct_moe"].notna() & res["moe"].reindex(nyc.index).notna()
    assert both.sum() > 2000
    ours = np.round(res.loc[both[both].index, "moe"], 1)
    diff = np.abs(ours - nyc.loc[both, "pop_inpov_pct_moe"])
    assert diff.max() < 0.051


def test_nyc_county_totals_without_moe_stay_unknown(filled):
    _, directory, _ = filled
    wide = _wide(directory, 2017, "county", "36").wide()
    assert wide.loc["36061", "B19013_001_E"] == 79781 and wide.loc["36061", "B19013_001_M"] == 1158
    # The borough file has no pop_total MOE: served as null, never invented.
    assert np.isnan(wide.loc["36061", "B01001_001_M"])
    assert wide.loc["36061", "B01001_001_Mf"] == "missing"


def test_cook_tracts_match_the_geojson(filled):
    root, directory, _ = filled
    features = json.loads((root / replay.COOK_GEOJSON).read_text())["features"]
    props = pd.DataFrame([f["properties"] for f in features]).set_index("GEOID")
    wide = _wide(directory, 2020, "tract", "17", "17031").wide()
    assert len(wide) == len(props) == 1332
    est = wide["B19013_001_E"].reindex(props.index)
    assert est.isna().sum() == props["estimate"].isna().sum() == 9
    assert np.allclose(est.dropna(), props["estimate"].dropna())
    assert wide.loc["17031824702", "B19013_001_M"] == 8908


def test_replay_api_speaks_the_census_dialect(filled):
    root, _, _ = filled
    api = replay.ReplayAPI(replay.load_extracts(root), replay.load_variable_metadata(root))
    ok = api.handle(
        "GET",
        "https://api.census.gov/data/2020/acs/acs5?get=NAME,B19013_001E,"
        "GEO_ID&for=tract:824702&in=state:17%20county:031&key=k",
    )
    header, row = json.loads(ok.body)
    assert header == ["NAME", "B19013_001E", "GEO_ID", "state", "county", "tract"]
    assert row == [
        "Census Tract 8247.02, Cook County, Illinois",
        "52345",
        "1400000US17031824702",
        "17",
        "031",
        "824702",
    ]
    assert (
        api.handle(
            "GET",
            "https://api.census.gov/data/2020/acs/acs5?get=B25070_001E&for=tract:*&in=state:17",
        ).status
        == 400
    )
    assert (
        api.handle(
            "GET", "https://api.census.gov/data/2020/acs/acs5?get=NAME&for=county:*&in=state:17"
        ).status
        == 204
    )
    doc = json.loads(
        api.handle(
            "GET", "https://api.census.gov/data/2020/acs/acs5/variables/B19013_001M.json"
        ).body
    )
    assert doc["predicateType"] == "int" and doc["label"].startswith("Margin of Error!!")
    assert (
        api.handle("GET", "https://api.census.gov/data/2020/acs/acs5/variables/state.json").status
        == 404
    )
