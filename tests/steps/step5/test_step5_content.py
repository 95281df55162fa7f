"""Step 5 content pieces: which vintage a page shows, the empty-store warning, the tract
table and the race/ethnicity mix over time (fixture numbers of our own)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mobility_nb.acs import store
from mobility_nb.steps.step5 import acs_view, mix, tract_table


def _write(directory, year, level, state, geoids, variable, values, moes):
    rows = pd.DataFrame(
        {
            "geoid": geoids,
            "name": [f"Place {g}" for g in geoids],
            "variable": variable,
            "estimate": values,
            "moe": moes,
            "estimate_flag": None,
            "moe_flag": None,
        }
    )
    store.write_slice(directory, store.StoreKey("acs5", year, level, state), rows, {"source": "t"})


def test_default_vintage_is_the_newest_with_the_county_tracts(tmp_path):
    tracts = ["51003010100", "51003010200"]
    _write(tmp_path, 2020, "tract", "51", tracts, "B19013_001", [50000.0, 60000.0], [5e3, 6e3])
    _write(tmp_path, 2022, "county", "51", ["51003", "51005"], "B19013_001", [1.0, 2.0], [0.1] * 2)
    held = {2022: ["county"], 2020: ["tract"]}
    assert acs_view.choose_year(held, "county") == 2020
    assert acs_view.choose_year(held, "county", 2022) == 2022
    assert acs_view.choose_year({2022: ["place"]}, "place") == 2022
    view = acs_view.load_acs("51003", "county", "Albemarle County", tmp_path)
    assert view.year == 2020 and view.place_origin == "sum of tracts"
    assert view.tract_geoids == tracts and view.other_vintages() == [2022]
    chosen = acs_view.load_acs("51003", "county", "Albemarle County", tmp_path, 2022)
    assert chosen.place_origin == "published" and chosen.tract_geoids == []
    assert [f.key.level for f in chosen.used_files] == ["county"]


def test_the_empty_store_warning_names_the_command(tmp_path):
    _write(tmp_path, 2022, "county", "51", ["51005"], "B19013_001", [1.0], [0.1])
    text = acs_view.missing_acs_message("51003", "county", "51", tmp_path)
    assert "holds no ACS data for 51003" in text
    assert "mobility-nb census fetch --state 51 --level county,tract" in text
    assert "census import" in text
    _write(tmp_path, 2022, "county", "51", ["51003"], "B19013_001", [1.0], [0.1])
    assert acs_view.missing_acs_message("51003", "county", "51", tmp_path) == ""
    assert "ACS 2014\u20132018" in acs_view.missing_acs_message(
        "51003", "county", "51", tmp_path, 2018
    )


def test_source_labels_name_each_source_once_with_its_files():
    labels = [f"Equity Center (CC BY 4.0) ({n}.csv)" for n in "abcde"] + ["offline replay"]
    assert acs_view.group_sources(labels) == [
        "Equity Center (CC BY 4.0) (a.csv, b.csv, c.csv and 2 more)",
        "offline replay",
    ]


def test_tract_numbers_and_labels():
    assert tract_table.tract_number("51003010201") == "102.01"
    assert tract_table.tract_number("51003010100") == "101"
    assert tract_table.tract_label("51003010100", "Free Union, Albemarle County") == (
        "Tract 101 (Free Union)"
    )
    assert tract_table.tract_label("51003010100", "Census Tract 101, Albemarle") == "Tract 101"


def _results(n: int) -> pd.DataFrame:
    geoids = [f"51003{k:04d}00" for k in range(1, n + 1)]
    rows = []
    for k, g in enumerate(geoids):
        rows.append(
            {
                "geoid": g,
                "name": f"Hood {k}",
                "indicator": "median_household_income",
                "label": "Median household income",
                "group": "All",
                "unit": "dollars",
                "estimate": 1000.0 * (k + 1),
                "moe": 900.0 * (k + 1) if k == 0 else 100.0,
                "cv": np.nan,
                "reliability": "Low" if k == 0 else "High",
                "variables": "B19013_001",
            }
        )
        rows.append({**rows[-1], "indicator": "broadband", "estimate": np.nan, "moe": np.nan})
    return pd.DataFrame(rows)


def test_tract_table_lists_every_tract_with_moe_and_marks_low_reliability():
    values = tract_table.tract_values(_results(5), ["median_household_income", "broadband"])
    assert set(values["indicator"]) == {"median_household_income"}  # broadband: no values
    table, note = tract_table.tract_table(values, "median_household_income")
    assert note.startswith("All 5 tracts") and len(table) == 5
    assert table.iloc[0].tolist() == ["Tract 5 (Hood 4)", "$5,000 \u00b1$100"]
    assert table.iloc[-1, 1].endswith(tract_table.LOW_MARK)  # the low-reliability tract


def test_many_tracts_list_the_ends_only():
    values = tract_table.tract_values(_results(80), ["median_household_income"])
    table, note = tract_table.tract_table(values, "median_household_income")
    assert len(table) == 2 * tract_table.ENDS and "CSV file lists every tract" in note
    assert tract_table.tract_chart(values, "median_household_income", np.nan, "t") is None


def _series() -> pd.DataFrame:
    rows = []
    for year, share, moe in (
        (2012, 5.0, 0.3),
        (2015, 5.5, 0.3),
        (2017, 5.2, 0.3),
        (2022, 7.0, 0.4),
    ):
        rows.append({"year": year, "group": "Hispanic or Latino", "estimate": share, "moe": moe})
        rows.append({"year": year, "group": "Asian alone", "estimate": 4.0, "moe": 0.5})
    frame = pd.DataFrame(rows)
    frame["vintage"] = [store.vintage_label(y) for y in frame["year"]]
    return frame


def test_only_releases_that_share_no_year_are_tested():
    assert mix.comparable_pair([2019, 2020, 2022]) is None  # all overlap
    assert mix.comparable_pair([2012, 2017, 2022]) == (2012, 2022)
    change = mix.mix_change(_series(), 2012, 2022).set_index("group")
    assert change.loc["Hispanic or Latino", "significant_90"] == "yes"  # 2.0 pts vs SE ~0.3
    assert change.loc["Asian alone", "significant_90"] == "no"
    assert change.loc["Hispanic or Latino", "change_points"] == pytest.approx(2.0)
    text = mix.change_sentences(change.reset_index())
    assert text[0].startswith("Hispanic or Latino: 5.0% to 7.0% (+2.0 points), a change larger")


def test_mix_table_has_one_column_per_release():
    table = mix.mix_table(_series())
    assert list(table.columns) == [
        "Group",
        "2008\u20132012",
        "2011\u20132015",
        "2013\u20132017",
        "2018\u20132022",
    ]
    assert table.iloc[0, 1] == "5.0% \u00b10.3 points"
    fig_alt = mix.mix_chart(_series(), "Residents")
    assert fig_alt is not None and "Shaded bands show 90% margins of error" in fig_alt[1]
