"""The indicator registry drives computation, MOE method and codebook (fixture numbers)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from support.fakecensus import FIXTURE_YEAR, TEST_KEY, fixture_api

from mobility_nb.acs import client as acs_client
from mobility_nb.acs import fetch, indicators, moe, store
from mobility_nb.acs.client import CensusClient
from mobility_nb.testing.census_replay import ReplayAdapter


@pytest.fixture(scope="module")
def tract_wide(tmp_path_factory):
    directory = tmp_path_factory.mktemp("store")
    session = acs_client.build_session(use_cache=False, adapter=ReplayAdapter(fixture_api()))
    client = CensusClient(key=TEST_KEY, session=session)
    fetch.fetch_state(
        "44",
        FIXTURE_YEAR,
        [
            "B01003_001",
            "B03002_001",
            "B03002_003",
            "B03002_004",
            "B03002_012",
            "B19013_001",
            "B19013B_001",
            "B17001_001",
            "B17001_002",
            "B17001B_001",
            "B17001B_002",
            "B25003_001",
            "B25003_002",
        ],
        levels=("tract",),
        client=client,
        store_dir=directory,
        progress=False,
    )
    return store.read_slice(directory, store.StoreKey("acs5", FIXTURE_YEAR, "tract", "44")).wide()


def _row(frame, geoid, group=indicators.ALL):
    return frame[(frame["geoid"] == geoid) & (frame["group"] == group)].iloc[0]


def test_poverty_rate_proportion_and_moe(tract_wide):
    res = indicators.compute(indicators.get("poverty_rate"), tract_wide)
    r = _row(res, "44007010100")
    # Fixture: 1,450 +/- 280 below poverty of 3,900 +/- 300.
    assert r["estimate"] == pytest.approx(100 * 1450 / 3900)
    expected = 100 * math.sqrt(280**2 - (1450 / 3900) ** 2 * 300**2) / 3900
    assert r["moe"] == pytest.approx(expected)
    assert r["cv"] == pytest.approx(100 * expected / 1.645 / r["estimate"])
    assert r["reliability"] == "High" and r["method"] == "proportion"  # CV 10.8%
    assert r["variables"] == "B17001_002, B17001_001"


def test_race_iteration_groups_present_or_marked_missing(tract_wide):
    res = indicators.compute(indicators.get("poverty_rate"), tract_wide)
    black = _row(res, "44007010100", "Black or African American alone")
    assert black["estimate"] == pytest.approx(100 * 420 / 880)
    asian = _row(res, "44007010100", "Asian alone")
    assert asian["status"] == indicators.NOT_IN_STORE and np.isnan(asian["estimate"])
    assert asian["variables"] == "B17001D_002, B17001D_001"


def test_zero_universe_and_sentinels_are_not_numbers(tract_wide):
    res = indicators.compute(indicators.get("poverty_rate"), tract_wide)
    empty = _row(res, "44007010400")
    assert empty["status"] == "nobody in the universe" and np.isnan(empty["estimate"])
    income = indicators.compute(indicators.get("median_household_income"), tract_wide)
    suppressed = _row(income, "44007010200", "Black or African American alone")
    assert suppressed["status"] == "no estimate"
    assert "not_computed" in suppressed["flags"]
    top = _row(income, "44007010300")
    assert top["estimate"] == 250001 and "top_coded" in top["flags"]
    assert top["reliability"] == moe.UNKNOWN  # MOE -333333333: cannot judge


def test_ratio_fallback_is_reported(tract_wide):
    # Fixture tract 44003020100: 1,950 +/- 60 owners of 2,000 +/- 100 occupied units.
    # Radicand 60^2 - 0.975^2 x 100^2 < 0, so the handbook's ratio formula is used.
    assert moe.uses_ratio_fallback(1950, 2000, 60, 100)
    res = indicators.compute(indicators.get("homeownership_rate"), tract_wide)
    r = _row(res, "44003020100")
    assert r["method"] == "ratio (fallback)"
    assert r["moe"] == pytest.approx(100 * moe.moe_ratio(1950, 2000, 60, 100))
    assert _row(res, "44007010100")["method"] == "proportion"


def test_sum_of_tracts_uses_the_zero_rule_and_skips_medians(tract_wide):
    county_tracts = tract_wide[tract_wide.index.str.startswith("44007")]
    row, skipped = indicators.sum_geographies(county_tracts, "44007", "Providence")
    assert row.loc["44007", "B03002_001_E"] == 4000 + 2500 + 3200 + 0
    assert row.loc["44007", "B03002_001_M"] == pytest.approx(
        math.sqrt(310**2 + 220**2 + 400**2 + 17**2)
    )
    assert "B19013_001_E" not in row.columns  # medians cannot be added up
    assert skipped["B03002_001"] == 0


def test_needed_variables_and_table_filter():
    every = indicators.needed_variables()
    assert "B19013I_001" in every and "C27001B_010" in every and "B25091_023" in every
    only = indicators.needed_variables(["B19013"])
    assert only == sorted(["B19013_001"] + [f"B19013{r}_001" for r in "BCDEFGHI"])
    assert indicators.needed_variables(["C23002"]) == sorted(
        v for v in every if v.startswith("C23002")
    )


def test_codebook_lists_every_indicator_with_its_method():
    book = indicators.codebook()
    assert list(book["Indicator"]) == [i.label for i in indicators.REGISTRY]
    rent = book[book["Indicator"].str.startswith("Renter")].iloc[0]
    assert rent["Denominator"] == "B25070_001 - B25070_011"
    income = book[book["Indicator"] == "Median household income"].iloc[0]
    assert "B19013B\u2013B19013I" in income["Groups"] and "medians" in income["MOE method"]
    for ind in indicators.REGISTRY:
        assert ind.kind in ("count", "proportion", "median") and ind.universe
