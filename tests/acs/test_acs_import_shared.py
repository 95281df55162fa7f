"""The real files in ../shared/data/census imported, then checked against the files
themselves, read independently with the csv module (never through the importers).

Albemarle County (51003): the University of Virginia Equity Center tables through
``params/census/albemarle.yaml``; national: the metro-datasets, SVI and API files.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from support.fakecensus import census_data_dir
from support.paths import REPO

from mobility_nb.acs import importers, lookup, store
from mobility_nb.acs import indicators as ind

pytestmark = pytest.mark.shared

ALB = "51003"
RACE = ind.RACE_ITERATIONS
# The Equity Center's group labels -> ACS race iteration (from living_standards_data.R).
HHINC_GROUPS = {
    "All Households": "",
    "White": "A",
    "Black": "B",
    "American Indian and Alaska Native": "C",
    "Asian": "D",
    "NHPI": "E",
    "Other": "F",
    "Multiracial": "G",
    "White, Not Hispanic or Latino": "H",
    "Hispanic or Latino": "I",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _num(text: str) -> float:
    return math.nan if text in ("", "NA") else float(text)


@pytest.fixture(scope="module")
def root() -> Path:
    return census_data_dir()


@pytest.fixture(scope="module")
def alb_store(root, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("alb-store")
    batch = importers.ImportBatch()
    importers.read_plan(REPO / "params" / "census" / "albemarle.yaml", batch, root)
    importers.commit(batch, directory, command="test")
    return directory


@pytest.fixture(scope="module")
def national_store(root, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("national-store")
    batch = importers.ImportBatch()
    national = root / "acs" / "national"
    importers.read_file(
        national / "metro-datasets" / "co_acs_raw_acs5_2018.DERIVED_from_rda.csv",
        batch,
        year=2018,
        geoid_column="stco_code",
        name_column="stco_name",
    )
    importers.read_file(national / "cdc-svi" / "SVI_2022_US_county.csv", batch)
    importers.read_file(national / "acs5-2019-api" / "acs5_2019_county_selected.json", batch)
    importers.commit(batch, directory, command="test")
    return directory


def _data(root: Path, name: str) -> list[dict[str, str]]:
    return _rows(root / "acs" / "albemarle" / "data" / name)


@pytest.mark.parametrize(
    "name",
    [
        "alb_med_hhinc_county_2022.csv",
        "alb_med_hhinc_county_2023.csv",
        "alb_med_hhinc_tract_2022.csv",
        "alb_med_hhinc_tract_2023.csv",
    ],
)
def test_median_household_income_by_race_for_county_and_every_tract(alb_store, root, name):
    rows = _data(root, name)
    level = "tract" if "tract" in name else "county"
    year = int(rows[0]["year"])
    wide = store.read_slice(alb_store, store.StoreKey("acs5", year, level, "51")).wide()
    checked = 0
    for r in rows:
        var = f"B19013{HHINC_GROUPS[r['group']]}_001"
        est, moe = wide.loc[r["GEOID"], f"{var}_E"], wide.loc[r["GEOID"], f"{var}_M"]
        if r["estimate"] == "NA":
            assert math.isnan(est)
            continue
        assert est == _num(r["estimate"])
        assert moe == _num(r["moe"]) or (math.isnan(moe) and r["moe"] == "NA")
        if est == 250001:  # printed as 250,000+ by the Census Bureau: kept and flagged
            assert wide.loc[r["GEOID"], f"{var}_Ef"] == "top_coded"
        checked += 1
    assert checked >= (8 if level == "county" else 29 * 2)
    if level == "tract":
        assert len({r["GEOID"] for r in rows}) == 29 == len(wide)


def test_uninsured_rate_by_race_matches_the_files_counts(alb_store, root):
    labels = {
        "All": ind.ALL,
        "Black or African American alone": RACE["B"],
        "Asian alone": RACE["D"],
        "Hispanic or Latino": RACE["I"],
        "White non Hispanic": RACE["H"],
        "Two or more races": RACE["G"],
    }
    result = lookup.indicator_values(alb_store, "uninsured_rate", ALB, 2022).set_index("group")
    for r in _data(root, "alb_health_insured_county_race_2022.csv"):
        if r["group"] not in labels:
            continue
        got = result.loc[labels[r["group"]]]
        share = 100 * float(r["estimate_uninsured"]) / float(r["total_est"])
        assert got.estimate == pytest.approx(share)
        assert round(got.estimate, 2) == float(r["percent_uninsured"])
        assert got.moe > 0 and got.reliability != "Unknown"
        assert "alb_health_insured_county_race_2017_2023.csv" in got.source


def test_bachelors_by_race_matches_the_files_percent_and_has_no_moe(alb_store, root):
    races = {
        "Black": RACE["B"],
        "Asian": RACE["D"],
        "Hispanic": RACE["I"],
        "White_non_hisp": RACE["H"],
        "Multi": RACE["G"],
    }
    result = lookup.indicator_values(alb_store, "bachelors_or_higher", ALB, 2023).set_index("group")
    for r in _data(root, "alb_edu_attain_race_county_2023.csv"):
        if r["edu_level"] != "bachelors_up" or r["race"] not in races:
            continue
        got = result.loc[races[r["race"]]]
        assert round(got.estimate, 2) == float(r["percent"])
        assert math.isnan(got.moe) and got.reliability == "Unknown"  # the script kept none
    overall = result.loc[ind.ALL]  # S1501_C01_015 / S1501_C01_006 (no MOE for the total)
    county = next(
        r
        for r in _data(root, "alb_edu_attain_county_2018_2023.csv")
        if r["year"] == "2023" and r["label"] == "Bachelor's degree or higher"
    )
    assert round(overall.estimate, 2) == float(county["percent"])


def test_homeownership_by_race_matches_the_tenure_file(alb_store, root):
    groups = {
        "Black": RACE["B"],
        "Asian": RACE["D"],
        "Hispanic or Latino": RACE["I"],
        "White, Not Hispanic or Latino": RACE["H"],
    }
    for year in (2013, 2023):
        result = lookup.indicator_values(alb_store, "homeownership_rate", ALB, year)
        result = result.set_index("group")
        for r in _data(root, "alb_tenure_race_county_2013_2023.csv"):
            if r["label"] != "Owner occupied" or r["group"] not in groups or int(r["year"]) != year:
                continue
            got = result.loc[groups[r["group"]]]
            assert round(got.estimate, 2) == float(r["percent"])
            assert got.moe > 0


def test_rent_burden_for_every_tract_from_the_published_bins(alb_store, root):
    rows = _data(root, "alb_rent_burden_tract_2022.csv")
    bins: dict[str, dict[str, float]] = {}
    for r in rows:
        bins.setdefault(r["GEOID"], {})[r["level"]] = float(r["estimate"])
    result = lookup.tract_indicators(alb_store, ALB, 2022, indicators=["rent_burden"])
    result = result.set_index("geoid")
    assert len(bins) == 29
    for geoid, b in bins.items():
        total = b["Not burdened"] + b["Burdened"] + b["Severely Burdened"]
        expected = 100 * (b["Burdened"] + b["Severely Burdened"]) / total if total else math.nan
        got = result.loc[geoid]
        if math.isnan(expected):
            assert got.status == "nobody in the universe"
        else:
            assert got.estimate == pytest.approx(expected)
            assert got.value_kind == "computed from published values"


def test_hispanic_share_over_time(alb_store, root):
    for r in _data(root, "alb_ethn_race_2012_2023.csv"):
        if r["label"] != "Hispanic or Latino":
            continue
        result = lookup.indicator_values(alb_store, "race_ethnicity_share", ALB, int(r["year"]))
        got = result.set_index("group").loc["Hispanic or Latino"]
        assert round(got.estimate, 2) == float(r["percent"])
        assert got.moe == 0  # controlled county totals, declared so in the plan


def test_enough_indicators_and_race_groups_fill_for_albemarle(alb_store):
    rows = lookup.place_indicators(alb_store, ALB, 2022)
    filled = rows[rows["status"] == "ok"]
    with_moe = filled[filled["moe"].notna()]
    assert with_moe["indicator"].nunique() >= 8
    by_race = filled[filled["group"].isin(RACE.values())]
    assert by_race["indicator"].nunique() >= 4
    assert set(filled["value_kind"]) <= set(ind.VALUE_KINDS.values())
    tracts = lookup.tract_indicators(alb_store, ALB, 2022)
    income = tracts[tracts["indicator"] == "median_household_income"]
    assert len(income) == 29 and (income["status"] == "ok").sum() >= 28


def test_metro_datasets_values_for_five_counties(national_store, root):
    path = (
        root / "acs" / "national" / "metro-datasets" / "co_acs_raw_acs5_2018.DERIVED_from_rda.csv"
    )
    wanted = {"51003", "17031", "42101", "06037", "48201"}
    rows = {r["stco_code"]: r for r in _rows(path) if r["stco_code"] in wanted}
    assert len(rows) == 5
    for geoid, r in rows.items():
        wide = lookup.place_wide(national_store, geoid, 2018)
        for var in ("B19013_001", "B19013B_001", "S1701_C03_014", "S2301_C04_001"):
            assert wide.loc[geoid, f"{var}_E"] == _num(r[f"{var}E"]), (geoid, var)
            moe = wide.loc[geoid, f"{var}_M"]
            assert (math.isnan(moe) and r[f"{var}M"] == "") or moe == _num(r[f"{var}M"])
    poverty = lookup.indicator_values(national_store, "poverty_rate", ALB, 2018)
    black = poverty.set_index("group").loc[RACE["B"]]
    assert (black.estimate, black.moe) == (
        _num(rows[ALB]["S1701_C03_014E"]),
        _num(rows[ALB]["S1701_C03_014M"]),
    )
    assert black.value_kind == "published value"


def test_svi_2022_values_with_unpadded_fips(national_store, root):
    rows = _rows(root / "acs" / "national" / "cdc-svi" / "SVI_2022_US_county.csv")
    first = rows[0]  # FIPS '1003' (Baldwin County, AL): the leading zero is missing
    geoid = first["FIPS"].zfill(5)
    got = lookup.indicator_values(national_store, "uninsured_rate", geoid, 2022)
    overall = got.set_index("group").loc[ind.ALL]
    assert (overall.estimate, overall.moe) == (_num(first["EP_UNINSUR"]), _num(first["MP_UNINSUR"]))
    assert "SVI_2022_US_county.csv" in overall.source
    counties = lookup.county_values(national_store, "unemployment_rate", 2022)
    assert len(counties) == len(rows)


def test_api_answer_2019_for_every_county(national_store, root):
    payload = json.loads(
        (root / "acs" / "national" / "acs5-2019-api" / "acs5_2019_county_selected.json").read_text()
    )
    header, data = payload[0], payload[1:]
    col = header.index("B19013_001E")
    values = lookup.county_values(national_store, "median_household_income", 2019)
    by_geoid = values.set_index("geoid")
    assert len(values) == len(data) == 3220
    for r in data[::97]:
        geoid = r[-2] + r[-1]
        assert by_geoid.loc[geoid, "estimate"] == float(r[col])
        assert math.isnan(by_geoid.loc[geoid, "moe"])  # the answer carries no MOEs
