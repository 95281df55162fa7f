"""Published subject-table values and other alternatives fill indicator rows per geography.

Frames are built in the store's wide layout with invented numbers; every expectation is
worked out by hand in the comment beside it (ACS handbook formulas, 90% MOEs, z = 1.645).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mobility_nb.acs import indicators as ind

BLACK = ind.RACE_ITERATIONS["B"]
HISPANIC = ind.RACE_ITERATIONS["I"]
APPROX = {"abs": 1e-3}


def wide(rows: dict[str, dict[str, tuple[float, float, str]]]) -> pd.DataFrame:
    """{geoid: {variable: (estimate, moe, source)}} -> the store's wide frame."""
    records = {}
    for geoid, cells in rows.items():
        rec: dict[str, object] = {"name": f"Place {geoid}"}
        for var, (est, moe, source) in cells.items():
            rec.update(
                {
                    f"{var}_E": est,
                    f"{var}_M": moe,
                    f"{var}_Ef": None,
                    f"{var}_Mf": None,
                    f"{var}_S": source,
                }
            )
        records[geoid] = rec
    frame = pd.DataFrame.from_dict(records, orient="index")
    frame.index.name = "geoid"
    return frame


def row(result: pd.DataFrame, geoid: str, group: str = ind.ALL) -> pd.Series:
    return result[(result["geoid"] == geoid) & (result["group"] == group)].iloc[0]


def test_published_s1701_percentage_is_used_as_published():
    frame = wide({"44007": {"S1701_C03_014": (24.0, 2.1, "metro file")}})
    r = row(ind.compute(ind.get("poverty_rate"), frame), "44007", BLACK)
    assert r.estimate == 24.0 and r.moe == 2.1
    # CV = 100 x (2.1 / 1.645) / 24.0 = 5.319%
    assert r.cv == pytest.approx(5.319149, **APPROX) and r.reliability == "High"
    assert r.value_kind == "published value" and r.source == "metro file"
    assert r.variables == "S1701_C03_014" and r.method == "published"


def test_each_geography_takes_the_first_alternative_it_has():
    frame = wide(
        {
            # Detailed table present: B17001B first. p = 1140/2360 = 48.305%;
            # MOE = sqrt(280^2 - 0.483051^2 x 300^2) / 2360 = 239.58 / 2360 = 10.152 points.
            "44003": {
                "B17001B_002": (1140, 280, "api"),
                "B17001B_001": (2360, 300, "api"),
                "S1701_C03_014": (47.0, 9.0, "metro"),
            },
            # Only the subject table: its published percentage.
            "44007": {
                "B17001B_002": (np.nan, np.nan, ""),
                "B17001B_001": (np.nan, np.nan, ""),
                "S1701_C03_014": (24.0, 2.1, "metro"),
            },
        }
    )
    result = ind.compute(ind.get("poverty_rate"), frame, [BLACK])
    detailed, subject = row(result, "44003", BLACK), row(result, "44007", BLACK)
    assert detailed.estimate == pytest.approx(48.305085, **APPROX)
    assert detailed.moe == pytest.approx(10.151783, **APPROX)
    assert detailed.value_kind == "computed from ACS variables" and detailed.source == "api"
    assert (subject.estimate, subject.moe, subject.source) == (24.0, 2.1, "metro")


def test_s1501_counts_by_race_use_the_proportion_formula():
    # Black adults 25+: 1735 +/- 190 of 6679 +/- 214 -> p = 25.977%;
    # MOE = sqrt(190^2 - 0.259769^2 x 214^2) / 6679 = 181.69 / 6679 = 2.7203 points.
    frame = wide({"51003": {"S1501_C01_036": (1735, 190, "x"), "S1501_C01_034": (6679, 214, "x")}})
    r = row(ind.compute(ind.get("bachelors_or_higher"), frame), "51003", BLACK)
    assert r.estimate == pytest.approx(25.976943, **APPROX)
    assert r.moe == pytest.approx(2.720252, **APPROX) and r.method == "proportion"


def test_published_percentages_of_one_universe_are_added_with_the_sum_formula():
    # 27.4 +/- 1.0 (bachelor's) + 26.1 +/- 1.1 (graduate) = 53.5, MOE sqrt(1.0 + 1.21) = 1.4866
    frame = wide({"51003": {"S1501_C02_012": (27.4, 1.0, "m"), "S1501_C02_013": (26.1, 1.1, "m")}})
    r = row(ind.compute(ind.get("bachelors_or_higher"), frame), "51003")
    assert r.estimate == pytest.approx(53.5) and r.moe == pytest.approx(1.486607, **APPROX)
    assert r.method == "sum of published values" and r.value_kind == "published value"


def test_s2701_counts_by_race_for_the_uninsured_rate():
    # Hispanic: 1900 +/- 470 uninsured of 6500 +/- 90 -> 29.231%;
    # MOE = sqrt(470^2 - 0.292308^2 x 90^2) / 6500 = 469.26 / 6500 = 7.2194 points.
    frame = wide({"51003": {"S2701_C04_023": (1900, 470, "e"), "S2701_C01_023": (6500, 90, "e")}})
    r = row(ind.compute(ind.get("uninsured_rate"), frame), "51003", HISPANIC)
    assert r.estimate == pytest.approx(29.230769, **APPROX)
    assert r.moe == pytest.approx(7.219433, **APPROX)


def test_s2301_published_rates_fill_unemployment_and_employment_by_race():
    frame = wide(
        {
            "51003": {
                "S2301_C04_013": (6.1, 2.0, "m"),
                "S2301_C03_013": (55.2, 3.3, "m"),
                "S2301_C04_001": (3.9, 0.5, "m"),
            }
        }
    )
    unemp = ind.compute(ind.get("unemployment_rate"), frame)
    assert row(unemp, "51003", BLACK).estimate == 6.1 and row(unemp, "51003").moe == 0.5
    emp = row(ind.compute(ind.get("employment_rate"), frame), "51003", BLACK)
    assert (emp.estimate, emp.moe) == (55.2, 3.3)


def test_an_alternative_with_an_moe_beats_an_earlier_one_without():
    # S1501_C02_015 comes with no MOE here; the counts 46262 +/- 1172 of 76936 +/- 300 do:
    # p = 60.130%; MOE = sqrt(1172^2 - 0.601305^2 x 300^2) / 76936 = 1158.0 / 76936 = 1.5052.
    frame = wide(
        {
            "51003": {
                "S1501_C02_015": (60.1, np.nan, "a"),
                "S1501_C01_015": (46262, 1172, "b"),
                "S1501_C01_006": (76936, 300, "b"),
            }
        }
    )
    r = row(ind.compute(ind.get("bachelors_or_higher"), frame), "51003")
    assert r.variables == "S1501_C01_015, S1501_C01_006" and r.source == "b"
    p = 46262 / 76936
    assert r.moe == pytest.approx(100 * math.sqrt(1172**2 - p**2 * 300**2) / 76936, **APPROX)
    assert r.moe == pytest.approx(1.50519, abs=1e-4)
    only = wide({"51003": {"S1501_C02_015": (60.1, np.nan, "a")}})
    r = row(ind.compute(ind.get("bachelors_or_higher"), only), "51003")
    assert r.estimate == 60.1 and math.isnan(r.moe) and r.reliability == "Unknown"


def test_rent_burden_from_bins_a_source_summed():
    # Burdened (30-49%) 250 +/- 50.5, severely (50%+) 120 +/- 40, not burdened 300 +/- 60.
    # numerator 370, MOE sqrt(50.5^2 + 40^2) = 64.422; denominator 670,
    # MOE sqrt(60^2 + 50.5^2 + 40^2) = 88.036; p = 55.224%;
    # MOE = sqrt(64.422^2 - 0.552239^2 x 88.036^2) / 670 = 42.269 / 670 = 6.3088 points.
    frame = wide(
        {
            "51003010100": {
                ind.B25070_BURDENED: (250, 50.5, "centre"),
                "B25070_010": (120, 40, "centre"),
                ind.B25070_NOT_BURDENED: (300, 60, "centre"),
            }
        }
    )
    r = row(ind.compute(ind.get("rent_burden"), frame), "51003010100")
    assert r.estimate == pytest.approx(55.223881, **APPROX)
    assert r.moe == pytest.approx(6.308816, **APPROX)
    assert r.value_kind == "computed from published values"


def test_homeownership_from_owners_and_renters_when_the_total_has_no_moe():
    # 1800 +/- 280 owners, 2000 +/- 250 renters; total 3800 given without an MOE.
    # denominator MOE sqrt(280^2 + 250^2) = 375.37; p = 47.368%;
    # MOE = sqrt(280^2 - 0.473684^2 x 375.37^2) / 3800 = 216.30 / 3800 = 5.6921 points.
    frame = wide(
        {
            "51003": {
                "B25003B_002": (1800, 280, "c"),
                "B25003B_003": (2000, 250, "c"),
                "B25003B_001": (3800, np.nan, "c"),
            }
        }
    )
    r = row(ind.compute(ind.get("homeownership_rate"), frame), "51003", BLACK)
    assert r.estimate == pytest.approx(47.368421, **APPROX)
    assert r.moe == pytest.approx(5.692083, **APPROX)
    assert r.variables == "B25003B_002, B25003B_003"


def test_published_values_are_never_summed_over_tracts():
    frame = wide(
        {
            "51003010100": {
                "S1701_C03_001": (10.0, 2.0, "m"),
                "B17001_002": (50, 20, "m"),
                "SVI:E_POV": (60, 10, "svi"),
            },
            "51003010200": {
                "S1701_C03_001": (20.0, 3.0, "m"),
                "B17001_002": (70, 25, "m"),
                "SVI:E_POV": (80, 12, "svi"),
            },
        }
    )
    summed, _ = ind.sum_geographies(frame, "51003", "Albemarle County")
    assert summed.loc["51003", "B17001_002_E"] == 120
    assert summed.loc["51003", "B17001_002_S"] == "m"
    assert "S1701_C03_001_E" not in summed.columns and "SVI:E_POV_E" not in summed.columns


def test_codebook_lists_the_subject_tables_each_indicator_accepts():
    book = ind.codebook().set_index("Indicator")
    poverty = book.loc["People below the poverty level"]
    assert "S1701_C03_001 (published)" in poverty["Also accepted"]
    assert "S1701 race/ethnicity lines" in poverty["Groups"]
    assert "keep the MOE published with them" in poverty["MOE method"]
    assert poverty["Numerator (estimate)"] == "B17001_002; or B17021_002"
    assert book.loc["Median household income", "Also accepted"] == "-"


def test_groups_missing_everywhere_still_say_not_in_the_store():
    frame = wide({"51003": {"S1701_C03_014": (24.0, 2.1, "m")}})
    result = ind.compute(ind.get("poverty_rate"), frame)
    assert row(result, "51003", HISPANIC).status == ind.NOT_IN_STORE
    assert row(result, "51003", HISPANIC).variables == "B17001I_002, B17001I_001"
