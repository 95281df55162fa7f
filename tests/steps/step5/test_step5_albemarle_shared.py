"""Albemarle County's Step 5 page from the shipped files, checked number by number.

The store is filled the way the demo fills it (``census import`` of the national plan,
then of Albemarle's), the page is built by the real notebook, and every value the page's
CSV holds for the county, its groups and its tracts is recomputed here from the Equity
Center's files (and CDC's SVI file), read with the csv module and the Census Bureau's MOE
formulas written out again - never through the importers or the indicator code.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from support.fakecensus import census_data_dir
from support.pagetext import visible_text
from support.paths import REPO

pytestmark = pytest.mark.shared

ALB = "51003"
YEAR = "2022"  # ACS 2018-2022: the example parameters' acs_year
DATA = Path("acs") / "albemarle" / "data"
HHINC = {  # Equity Center label -> the page's group (race of the householder)
    "All Households": "All",
    "Black": "Black or African American alone",
    "American Indian and Alaska Native": "American Indian and Alaska Native alone",
    "Asian": "Asian alone",
    "NHPI": "Native Hawaiian and Other Pacific Islander alone",
    "Other": "Some other race alone",
    "Multiracial": "Two or more races",
    "White, Not Hispanic or Latino": "White alone, not Hispanic or Latino",
    "Hispanic or Latino": "Hispanic or Latino",
}
TENURE = {
    "Black": "Black or African American alone",
    "American Indian/Native Alaskan": "American Indian and Alaska Native alone",
    "Asian": "Asian alone",
    "Native Hawaiian/Pacific Islander": "Native Hawaiian and Other Pacific Islander alone",
    "Other": "Some other race alone",
    "Multiracial": "Two or more races",
    "White, Not Hispanic or Latino": "White alone, not Hispanic or Latino",
    "Hispanic or Latino": "Hispanic or Latino",
}
INSURANCE = {
    "All": "All",
    "Black or African American alone": "Black or African American alone",
    "American Indian and Alaska Native alone": "American Indian and Alaska Native alone",
    "Asian alone": "Asian alone",
    "Native Hawaiian and Other Pacific Islander alone": (
        "Native Hawaiian and Other Pacific Islander alone"
    ),
    "Some other race alone": "Some other race alone",
    "Two or more races": "Two or more races",
    "White non Hispanic": "White alone, not Hispanic or Latino",
    "Hispanic or Latino": "Hispanic or Latino",
}
EDUCATION = {
    "Black": "Black or African American alone",
    "Amer_Indian": "American Indian and Alaska Native alone",
    "Asian": "Asian alone",
    "NHPI": "Native Hawaiian and Other Pacific Islander alone",
    "Other": "Some other race alone",
    "Multi": "Two or more races",
    "White_non_hisp": "White alone, not Hispanic or Latino",
    "Hispanic": "Hispanic or Latino",
}
EARNINGS = {
    "Black": "Black or African American alone",
    "Asian": "Asian alone",
    "Mutiracial": "Two or more races",
    "White, Not Hispanic or Latino": "White alone, not Hispanic or Latino",
    "Hispanic or Latino": "Hispanic or Latino",
}
ETHNICITY = (
    {"Hispanic or Latino": "Hispanic or Latino"}
    | {
        f"Not Hispanic or Latino: {race} alone": f"{race} alone, not Hispanic or Latino"
        for race in (
            "White",
            "Black or African American",
            "American Indian and Alaska Native",
            "Asian",
            "Native Hawaiian and Other Pacific Islander",
            "Some other race",
        )
    }
    | {"Not Hispanic or Latino: Two or more races": "Two or more races, not Hispanic or Latino"}
)


# --- the source files, read independently -------------------------------------------------


def _rows(name: str, year: str | None = YEAR) -> list[dict[str, str]]:
    with (census_data_dir() / DATA / name).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if year is None or r.get("year") == year]


def _num(text: str) -> float:
    return math.nan if text in ("", "NA") else float(text)


def _share(num: float, m_num: float, den: float, m_den: float) -> tuple[float, float]:
    """Percent and its MOE: the Census Bureau's proportion formula, ratio when negative."""
    p = num / den
    radicand = m_num**2 - p**2 * m_den**2
    if radicand < 0:
        radicand = m_num**2 + p**2 * m_den**2
    return 100 * p, 100 * math.sqrt(radicand) / den


def _sum(*moes: float) -> float:
    return math.sqrt(sum(m * m for m in moes))


def expected_county() -> dict[tuple[str, str], tuple[float, float]]:
    """(indicator, group) -> (estimate, MOE; NaN when the file has none) for 51003."""
    out: dict[tuple[str, str], tuple[float, float]] = {}
    for r in _rows("alb_med_hhinc_county_2022.csv"):
        if r["group"] in HHINC and _num(r["estimate"]) == _num(r["estimate"]):
            out[("median_household_income", HHINC[r["group"]])] = (
                _num(r["estimate"]),
                _num(r["moe"]),
            )
    for r in _rows("alb_med_earnings_county_2022.csv"):
        if r["group"] == "All":
            out[("median_earnings", "All")] = (_num(r["estimate"]), _num(r["moe"]))
    for r in _rows("alb_med_earnings_race_county_2022.csv"):
        if r["sex"] == "All" and r["race"] in EARNINGS:
            out[("median_earnings", EARNINGS[r["race"]])] = (_num(r["estimate"]), _num(r["moe"]))
    for r in _rows("alb_gross_rent_county_2012_2023.csv"):
        out[("median_gross_rent", "All")] = (_num(r["estimate"]), _num(r["moe"]))
    for r in _rows("alb_health_insured_county_race_2017_2023.csv"):
        if r["group"] in INSURANCE:
            out[("uninsured_rate", INSURANCE[r["group"]])] = _share(
                _num(r["estimate_uninsured"]),
                _num(r["moe_uninsured"]),
                _num(r["total_est"]),
                _num(r["total_moe"]),
            )
    tenure = {r["label"]: r for r in _rows("alb_tenure_county_2022.csv")}
    own, rent = tenure["Owner occupied"], tenure["Renter occupied"]
    out[("homeownership_rate", "All")] = _share(
        _num(own["estimate"]),
        _num(own["moe"]),
        _num(own["estimate"]) + _num(rent["estimate"]),
        _sum(_num(own["moe"]), _num(rent["moe"])),
    )
    by_group: dict[str, dict[str, dict[str, str]]] = {}
    for r in _rows("alb_tenure_race_county_2012_2022.csv"):
        by_group.setdefault(r["group"], {})[r["label"]] = r
    for label, group in TENURE.items():
        o, t = by_group[label]["Owner occupied"], by_group[label]["Renter occupied"]
        if _num(o["estimate"]) + _num(t["estimate"]) > 0:
            out[("homeownership_rate", group)] = _share(
                _num(o["estimate"]),
                _num(o["moe"]),
                _num(o["estimate"]) + _num(t["estimate"]),
                _sum(_num(o["moe"]), _num(t["moe"])),
            )
    burden = {r["level"]: r for r in _rows("alb_rent_burden_county_2022.csv")}
    b, s, n = burden["Burdened"], burden["Severely Burdened"], burden["Not burdened"]
    num = _num(b["estimate"]) + _num(s["estimate"])
    out[("rent_burden", "All")] = _share(
        num,
        _sum(_num(b["moe"]), _num(s["moe"])),
        num + _num(n["estimate"]),
        _sum(_num(b["moe"]), _num(s["moe"]), _num(n["moe"])),
    )
    for r in _rows("alb_edu_attain_county_2018_2023.csv"):
        if r["label"] == "Bachelor's degree or higher":
            out[("bachelors_or_higher", "All")] = (
                100 * _num(r["estimate"]) / _num(r["pop_25_over"]),
                math.nan,
            )
    for r in _rows("alb_edu_attain_race_county_2022.csv"):
        if r["race"] in EDUCATION and r["edu_level"] == "bachelors_up":
            out[("bachelors_or_higher", EDUCATION[r["race"]])] = (
                100 * _num(r["estimate"]) / _num(r["group_total"]),
                math.nan,
            )
    ethnicity = _rows("alb_ethn_race_2012_2023.csv")
    total = _num(ethnicity[0]["total_pop"])
    out[("population", "All")] = (total, 0.0)  # controlled total (blank MOE in the file)
    for r in ethnicity:
        if r["label"] in ETHNICITY:
            moe = 0.0 if r["moe"] == "NA" else _num(r["moe"])  # Hispanic total: controlled
            out[("race_ethnicity_share", ETHNICITY[r["label"]])] = _share(
                _num(r["estimate"]), moe, total, 0.0
            )
    with (census_data_dir() / "acs/national/cdc-svi/SVI_2022_US_county.csv").open(
        encoding="utf-8", newline=""
    ) as fh:
        svi = next(r for r in csv.DictReader(fh) if r["FIPS"].zfill(5) == ALB)
    out[("unemployment_rate", "All")] = (_num(svi["EP_UNEMP"]), _num(svi["MP_UNEMP"]))
    return out


def expected_tracts() -> dict[tuple[str, str], tuple[float, float]]:
    """(indicator, tract GEOID) -> (estimate, MOE) for every tract value the files hold."""
    out: dict[tuple[str, str], tuple[float, float]] = {}
    for r in _rows("alb_med_hhinc_tract_2022.csv"):
        if r["group"] == "All Households" and r["estimate"] != "NA":
            out[("median_household_income", r["GEOID"])] = (_num(r["estimate"]), _num(r["moe"]))
    for r in _rows("alb_med_earnings_tract_2022.csv"):
        if r["group"] == "All" and r["estimate"] != "NA":
            out[("median_earnings", r["GEOID"])] = (_num(r["estimate"]), _num(r["moe"]))
    for r in _rows("alb_gross_rent_tract_2022.csv"):
        if r["estimate"] != "NA":
            out[("median_gross_rent", r["GEOID"])] = (_num(r["estimate"]), _num(r["moe"]))
    for r in _rows("alb_health_insured_tract_2022.csv"):
        out[("uninsured_rate", r["GEOID"])] = _share(
            _num(r["estimate_uninsured"]),
            _num(r["moe_uninsured"]),
            _num(r["summary_est"]),
            _num(r["summary_moe"]),
        )
    tenure: dict[str, dict[str, dict[str, str]]] = {}
    for r in _rows("alb_tenure_tract_2022.csv"):
        tenure.setdefault(r["GEOID"], {})[r["label"]] = r
    for geoid, parts in tenure.items():
        o, t = parts["Owner occupied"], parts["Renter occupied"]
        out[("homeownership_rate", geoid)] = _share(
            _num(o["estimate"]),
            _num(o["moe"]),
            _num(o["estimate"]) + _num(t["estimate"]),
            _sum(_num(o["moe"]), _num(t["moe"])),
        )
    burden: dict[str, dict[str, dict[str, str]]] = {}
    for r in _rows("alb_rent_burden_tract_2022.csv"):
        burden.setdefault(r["GEOID"], {})[r["level"]] = r
    for geoid, parts in burden.items():
        b, s, n = parts["Burdened"], parts["Severely Burdened"], parts["Not burdened"]
        num = _num(b["estimate"]) + _num(s["estimate"])
        out[("rent_burden", geoid)] = _share(
            num,
            _sum(_num(b["moe"]), _num(s["moe"])),
            num + _num(n["estimate"]),
            _sum(_num(b["moe"]), _num(s["moe"]), _num(n["moe"])),
        )
    for r in _rows("alb_edu_attain_tract_2022.csv"):
        if r["label"] == "Bachelor's degree or higher" and _num(r["pop_25_over"]) > 0:
            out[("bachelors_or_higher", r["GEOID"])] = (
                100 * _num(r["estimate"]) / _num(r["pop_25_over"]),
                math.nan,
            )
    return out


# --- the page -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page(tmp_path_factory, shared_mm_dir):
    """The store filled as the demo fills it, then the page from the real notebook."""
    from mobility_nb.acs import importers
    from mobility_nb.params import load_params_file
    from mobility_nb.run.one_page import run_page

    root = census_data_dir()
    store_dir = tmp_path_factory.mktemp("alb-page-store")
    for plan in ("national.yaml", "albemarle.yaml"):  # the county's own files last
        batch = importers.ImportBatch()
        importers.read_plan(REPO / "params" / "census" / plan, batch, root)
        importers.commit(batch, store_dir, command="test")
    params = load_params_file(REPO / "params" / "step5_albemarle.yaml")
    params.update(store_dir=str(store_dir), census_data_dir=str(root))
    out = tmp_path_factory.mktemp("alb-page")
    files = run_page("step5", params, out, "albemarle", data_dir=str(shared_mm_dir))
    with files.csv.open(encoding="utf-8", newline="") as fh:
        numbers = list(csv.DictReader(fh))
    return files.html.read_text(encoding="utf-8"), numbers


def _text(page_html: str) -> str:
    return visible_text(page_html)


def _table(numbers: list[dict[str, str]], name: str) -> list[dict[str, str]]:
    return [r for r in numbers if r["table"] == name]


def _close(got: str, want: float) -> bool:
    if math.isnan(want):
        return got == ""
    return got != "" and math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-9)


def test_county_values_with_moes_match_the_files(page):
    _, numbers = page
    shown = _table(numbers, "acs_indicators") + _table(numbers, "acs_by_race_ethnicity")
    expected = expected_county()
    seen: set[tuple[str, str]] = set()
    for r in shown:
        key = (r["indicator"], r["group"])
        if r["estimate"] == "":
            assert key not in expected, f"{key}: the files hold a value the page lacks"
            continue
        assert key in expected, f"{key} = {r['estimate']} has no source value"
        want_est, want_moe = expected[key]
        assert _close(r["estimate"], want_est), (key, r["estimate"], want_est)
        assert _close(r["moe"], want_moe), (key, r["moe"], want_moe)
        seen.add(key)
    assert set(expected) <= seen  # every source value is on the page
    with_moe = {k for k, (_, m) in expected.items() if not math.isnan(m)}
    indicators = {i for i, _ in with_moe}
    by_race = {i for i, g in with_moe if g not in ("All",) and i != "race_ethnicity_share"}
    assert len(indicators) >= 8, sorted(indicators)
    assert len(by_race) >= 4, sorted(by_race)


def test_every_tract_the_files_cover_is_on_the_page(page):
    _, numbers = page
    rows = {(r["indicator"], r["geoid"]): r for r in _table(numbers, "tract_values")}
    expected = expected_tracts()
    tracts = {g for _, g in expected}
    assert len(tracts) == 29
    for key, (want_est, want_moe) in expected.items():
        assert key in rows, f"{key} is not on the page"
        assert _close(rows[key]["estimate"], want_est), (key, rows[key]["estimate"], want_est)
        assert _close(rows[key]["moe"], want_moe), (key, rows[key]["moe"], want_moe)
    shown = {k for k, r in rows.items() if r["estimate"] != ""}
    assert shown == set(expected)  # nothing on the page that the files do not hold


def test_page_shows_them_and_says_where_the_map_is_missing(page):
    page_html, numbers = page
    text = _text(page_html)
    assert "Median household income $97,708 \u00b1$3,686 2.3% High" in text
    for label in ("Median earnings of workers", "Median gross rent", "Homeownership rate"):
        assert f"{label} not in the local store" not in text
    assert "none is shipped for Virginia" in text and "tract table" in text
    assert "Tract 109.04 (Carr's Hill-McCormick Road (UVA))" in text
    # The local files are in the inventory, read in place from the census data folder.
    inventory = _table(numbers, "data_inventory")
    loaded = {r["Source"]: r["Status"] for r in inventory}
    for name in ("Chronic absenteeism", "Short-term suspensions", "ALICE households"):
        hit = [s for s in loaded if s.startswith(name)]
        assert hit and loaded[hit[0]].startswith("loaded: used"), (name, loaded)
    assert "2023\u201324" in text  # school years as written


def test_state_and_national_context_matches_the_national_files(page):
    """Median household income, ACS 2014-2018: Albemarle among Virginia's and all counties,
    recomputed from the metro-datasets file (mid-rank percentile, median of those with data)."""
    _, numbers = page
    with (
        census_data_dir() / "acs/national/metro-datasets/co_acs_raw_acs5_2018.DERIVED_from_rda.csv"
    ).open(encoding="utf-8", newline="") as fh:
        values = {
            r["stco_code"].zfill(5): float(r["B19013_001E"])
            for r in csv.DictReader(fh)
            if r["B19013_001E"] not in ("", "NA")
        }
    own = values[ALB]
    rows = {
        r["set"]: r
        for r in _table(numbers, "acs_context")
        if r["indicator"] == "median_household_income"
    }
    for scope, pool in (
        ("state", [v for g, v in values.items() if g.startswith("51")]),
        ("nation", list(values.values())),
    ):
        r = rows[scope]
        assert r["vintage"] == "ACS 2014\u20132018 5-year" and int(r["n"]) == len(pool)
        ordered = sorted(pool)
        mid = len(ordered) // 2
        median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
        assert math.isclose(float(r["median"]), median)
        below = sum(v < own for v in pool)
        ties = sum(v == own for v in pool)
        assert math.isclose(float(r["percentile"]), 100 * (below + ties / 2) / len(pool))
        assert r["versus_median"] == "higher"
