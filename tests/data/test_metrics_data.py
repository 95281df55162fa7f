"""The tidy Mobility Metrics table built from Urban's wide files (fixture folder)."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pandas as pd
import pytest

from mobility_nb.data import metrics as metrics_data
from mobility_nb.data.metrics import (
    TIDY_COLUMNS,
    UnknownLevelError,
    load_metrics,
    load_subgroup_totals,
    load_subgroups,
    load_wide,
    parse_ratio_text,
)
from mobility_nb.errors import DataDirectoryError, DataFileError

COUNTY = "11_mobility-metrics_county_longitudinal.csv"
PLACE = "61_mobility-metrics_place_longitudinal.csv"
RACE_06 = "06_mobility-metrics_place_race-ethnicity_longitudinal.csv"
RACE_62 = "62_mobility-metrics_place_race-ethnicity_longitudinal.csv"


def one(df: pd.DataFrame, **where) -> pd.Series:
    """The single row matching ``where`` (column == value for each item)."""
    mask = np.ones(len(df), dtype=bool)
    for col, value in where.items():
        mask &= (df[col].astype(object) == value).to_numpy()
    hits = df[mask]
    assert len(hits) == 1, f"{len(hits)} rows match {where}"
    return hits.iloc[0]


# --- ids, NA, ratios -------------------------------------------------------------------------


def test_fips_stay_text_with_leading_zeros(mm_fixture_dir):
    wide = load_wide("county", mm_fixture_dir)
    assert wide["state"].iloc[0] == "01" and wide["county"].iloc[0] == "001"
    assert {"01001", "01003", "17031", "48301"} <= set(wide["geoid"])
    tidy = load_metrics("county", mm_fixture_dir)
    assert "01001" in set(tidy["geoid"].astype(str))
    assert set(tidy["state"].astype(str)) == {"01", "17", "42", "48"}
    places = load_metrics("place", mm_fixture_dir)
    assert "0107000" in set(places["geoid"].astype(str))
    assert all(len(g) == 7 for g in places["geoid"].astype(str))


def test_tidy_layout(mm_fixture_dir):
    tidy = load_metrics("county", mm_fixture_dir)
    assert tuple(tidy.columns) == TIDY_COLUMNS
    assert set(tidy["level"].astype(str)) == {"county"}
    assert tidy["year"].dtype.kind == "i"
    row = one(tidy, geoid="17031", metric="pctl_income_50", year=2023)
    assert (row["value"], row["lower"], row["upper"]) == (75000.0, 74000.0, 76000.0)
    assert row["quality"] == "Strong" and row["name"] == "Cook County"
    assert (row["subgroup_type"], row["subgroup"]) == ("all", "All")


def test_na_becomes_nan_and_flag_without_value_is_kept(mm_fixture_dir):
    wide = load_wide("county", mm_fixture_dir)
    loving = wide[(wide["geoid"] == "48301") & (wide["year"] == 2023)].iloc[0]
    assert math.isnan(loving["pctl_income_50"])
    tidy = load_metrics("county", mm_fixture_dir)
    own = tidy[tidy["geoid"] == "48301"]
    # No value and no flag: no row. A Weak flag without a value is kept (Urban does this).
    assert own[own["metric"] == "pctl_income_50"].empty
    debt = one(own, metric="share_debt_coll", year=2023)
    assert math.isnan(debt["value"]) and debt["quality"] == "Weak"
    # Bounds that are NA upstream stay NaN; turnout has no bound columns at all.
    turnout = one(own, metric="share_election_turnout", year=2023)
    assert turnout["value"] == 0.80
    assert math.isnan(turnout["lower"]) and math.isnan(turnout["upper"])


def test_debt_bounds_follow_column_names_not_order(mm_fixture_dir):
    # Urban's file orders share_debt_coll as value, _ub, _lb: bounds must not swap.
    row = one(
        load_metrics("county", mm_fixture_dir), geoid="17031", metric="share_debt_coll", year=2023
    )
    assert (row["lower"], row["upper"]) == (0.195, 0.205)


def test_ratio_text_becomes_a_over_b(mm_fixture_dir):
    wide = load_wide("county", mm_fixture_dir)
    cook = wide[(wide["geoid"] == "17031") & (wide["year"] == 2023)].iloc[0]
    assert cook["ratio_black_nh_house_value_households"] == "0.150:0.250"  # as published
    tidy = load_metrics("county", mm_fixture_dir)
    row = one(tidy, geoid="17031", metric="ratio_black_nh_house_value_households", year=2023)
    assert row["value"] == pytest.approx(0.6)
    assert row["quality"] == "Strong"
    autauga = one(tidy, geoid="01001", metric="ratio_black_nh_house_value_households", year=2023)
    assert autauga["value"] == pytest.approx(0.5) and autauga["quality"] == "Marginal"


def test_parse_ratio_text_cases():
    got = parse_ratio_text(pd.Series(["0.190:0.272", None, "", "bad", "1:0", "0.5:0.25"]))
    assert got[0] == pytest.approx(0.190 / 0.272)
    assert np.isnan(got[1:5]).all()
    assert got[5] == 2.0


# --- flags ------------------------------------------------------------------------------------


def test_numeric_flags_become_words(mm_fixture_dir):
    subs = load_subgroups("place", mm_fixture_dir)
    emp = subs[
        (subs["geoid"] == "4260000") & (subs["metric"] == "share_employed") & (subs["year"] == 2022)
    ]
    flags = dict(zip(emp["subgroup"].astype(str), emp["quality"].astype(str), strict=True))
    assert flags == {
        "Black, Non-Hispanic": "Strong",  # 1
        "Hispanic": "Marginal",  # 2
        "Other Races and Ethnicities": "Weak",  # 3
        "White, Non-Hispanic": "Strong",
    }
    assert set(subs["quality"].dropna().astype(str)) <= {"Strong", "Marginal", "Weak"}


def test_older_flag_names_are_used(mm_fixture_dir):
    subs = load_subgroups("place", mm_fixture_dir)
    phl = subs[(subs["geoid"] == "4260000") & (subs["year"] == 2022)]
    # pctl_20_quality / pctl_50_quality grade the income percentiles; the Hispanic row's
    # pctl_50_quality is 3 while the combined pctl_income_quality says 2: the specific flag wins.
    assert one(phl, metric="pctl_income_50", subgroup="Hispanic")["quality"] == "Weak"
    assert one(phl, metric="pctl_income_20", subgroup="Hispanic")["quality"] == "Marginal"
    # homeless_quality grades both homelessness columns.
    assert one(phl, metric="count_homeless", subgroup="Hispanic")["quality"] == "Weak"
    assert one(phl, metric="share_homeless", subgroup="Black, Non-Hispanic")["quality"] == (
        "Marginal"
    )
    row = one(phl, metric="count_homeless", subgroup="White, Non-Hispanic")
    assert (row["value"], row["lower"], row["upper"]) == (1000.0, 950.0, 1050.0)


# --- subgroups --------------------------------------------------------------------------------


def test_place_main_file_leftover_subgroup_columns_are_overall(mm_fixture_dir):
    wide = load_wide("place", mm_fixture_dir)
    assert set(wide["subgroup_type"].dropna()) == {"tenure"}  # 2021 rows; 2023 rows empty
    tidy = load_metrics("place", mm_fixture_dir)
    assert set(tidy["subgroup_type"].astype(str)) == {"all"}
    assert set(tidy["subgroup"].astype(str)) == {"All"}
    # 6 places x 2 years x 7 metrics, minus the 6 empty 2023 reading-growth values.
    assert len(tidy) == 6 * 2 * 7 - 6
    assert "subgroup_type" not in set(tidy["metric"].astype(str))


def test_subgroup_types_and_overrides(mm_fixture_dir):
    county = load_subgroups("county", mm_fixture_dir)
    types = set(county["subgroup_type"].astype(str))
    # 02 labels its groups "race-ethnicity", but its Black group includes Hispanic residents.
    assert types == {"gender", "race"}
    assert "all" not in types and "All" not in set(county["subgroup"].astype(str))
    place = load_subgroups("place", mm_fixture_dir)
    by_type = place.groupby("subgroup_type", observed=True)["subgroup"].agg(
        lambda s: set(s.astype(str))
    )
    # 63 labels neighbourhood types "race-ethnicity"; they are tract groups.
    assert by_type["race-share"] == {
        "Neighborhoods of color",
        "White neighborhoods",
        "Mixed neighborhoods",
    }
    assert "Hispanic" in by_type["race-ethnicity"]
    assert "Neighborhoods of color" not in by_type["race-ethnicity"]
    # Every group in the file is kept, even one with no values (High-Poverty rows are
    # empty): comparisons must be able to say which groups are missing.
    assert by_type["income"] == {
        "Economically Disadvantaged",
        "Not Economically Disadvantaged",
        "Less than $50,000",
        "$50,000 or More",
        "High-Poverty",
        "Not High-Poverty",
    }
    income = place[place["subgroup_type"] == "income"]
    assert (
        income[income["subgroup"].isin(["High-Poverty", "Not High-Poverty"])]["value"].isna().all()
    )
    totals = load_subgroup_totals("place", mm_fixture_dir)
    assert set(totals["subgroup"].astype(str)) == {"All"}
    assert {"race-share", "income", "race-ethnicity"} <= set(totals["subgroup_type"].astype(str))
    assert [p.rsplit("/", 1)[-1][:2] for p in place.attrs["sources"]] == ["06", "63", "64"]


def test_62_replaces_06_when_both_exist(tmp_path, mm_fixture_dir):
    data = tmp_path / "data"
    shutil.copytree(mm_fixture_dir, data)
    (data / "newer").mkdir()
    (data / "newer" / RACE_62).write_text(
        "year,state,place,state_name,place_name,subgroup,subgroup_type,share_employed,"
        "share_employed_lb,share_employed_ub,share_employed_quality\n"
        "2023,42,60000,Pennsylvania,Philadelphia city,All,all,0.58,0.57,0.59,Strong\n"
        "2023,42,60000,Pennsylvania,Philadelphia city,Hispanic,race-ethnicity,0.51,0.49,0.53,"
        "Marginal\n",
        encoding="utf-8",
    )
    subs = load_subgroups("place", data)
    names = [p.rsplit("/", 1)[-1] for p in subs.attrs["sources"]]
    assert RACE_62 in names and RACE_06 not in names
    race = subs[subs["subgroup_type"] == "race-ethnicity"]
    assert len(race) == 1
    row = race.iloc[0]
    assert (row["year"], row["value"], row["quality"]) == (2023, 0.51, "Marginal")


def test_no_subgroup_files_gives_an_empty_table(tmp_path, mm_fixture_dir):
    shutil.copy(mm_fixture_dir / COUNTY, tmp_path / COUNTY)
    subs = load_subgroups("county", tmp_path)
    assert subs.empty and tuple(subs.columns) == TIDY_COLUMNS
    assert subs.attrs["sources"] == []


# --- errors -----------------------------------------------------------------------------------


def test_missing_data_directory_is_one_clear_paragraph(tmp_path):
    missing = tmp_path / "not-here"
    with pytest.raises(DataDirectoryError) as info:
        load_metrics("county", missing)
    message = str(info.value)
    assert str(missing) in message and "does not exist" in message
    assert "--data-dir" in message and "\n" not in message


def test_missing_env_directory_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("MOBILITY_NB_DATA", str(tmp_path / "gone"))
    with pytest.raises(DataDirectoryError) as info:
        load_metrics("county")
    assert "$MOBILITY_NB_DATA" in str(info.value) and "gone" in str(info.value)


def test_missing_file_names_the_file_folder_and_fix(tmp_path):
    with pytest.raises(DataDirectoryError) as info:
        load_metrics("place", tmp_path)
    message = str(info.value)
    assert PLACE in message and str(tmp_path) in message
    assert "--data-dir" in message and "MOBILITY_NB_DATA" in message and "download" in message
    assert "\n" not in message


def test_corrupt_file_is_a_data_file_error(tmp_path, mm_fixture_dir):
    lines = (mm_fixture_dir / COUNTY).read_text().splitlines(keepends=True)
    (tmp_path / COUNTY).write_text("".join(lines[:5]) + lines[5][:30])
    with pytest.raises(DataFileError) as info:
        load_metrics("county", tmp_path)
    assert info.value.line == 6 and COUNTY in str(info.value)


def test_unknown_level():
    with pytest.raises(UnknownLevelError) as info:
        load_metrics("city")
    assert "'county'" in str(info.value) and "'place'" in str(info.value)


# --- cache ------------------------------------------------------------------------------------


def test_cache_returns_the_same_object(mm_fixture_dir):
    first = load_metrics("county", mm_fixture_dir)
    assert load_metrics("county", str(mm_fixture_dir)) is first
    assert load_wide("county", mm_fixture_dir) is load_wide("county", mm_fixture_dir)
    assert load_subgroups("place", mm_fixture_dir) is load_subgroups("place", mm_fixture_dir)
    metrics_data.clear_cache()
    again = load_metrics("county", mm_fixture_dir)
    assert again is not first
    pd.testing.assert_frame_equal(again, first)


def test_cache_is_per_level_and_folder(tmp_path, mm_fixture_dir):
    shutil.copytree(mm_fixture_dir, tmp_path / "copy")
    a = load_metrics("county", mm_fixture_dir)
    b = load_metrics("county", tmp_path / "copy")
    assert a is not b
    assert load_metrics("place", mm_fixture_dir) is not a


def test_shallowest_then_alphabetical_copy_wins(tmp_path, mm_fixture_dir):
    # The shared folder holds assembled/61_… (use) and an older upstream/61_… (do not).
    for sub, name in (("upstream", "Old Philadelphia city"), ("assembled", "Philadelphia city")):
        (tmp_path / sub).mkdir()
        text = (mm_fixture_dir / PLACE).read_text().replace("Philadelphia city", name)
        (tmp_path / sub / PLACE).write_text(text)
    wide = load_wide("place", tmp_path)
    assert wide.attrs["source"] == str(tmp_path / "assembled" / PLACE)
    assert "Old Philadelphia city" not in set(wide["place_name"])


def test_rows_for_finds_a_places_rows_like_a_filter(mm_fixture_dir):
    tidy = metrics_data.load_metrics("county", mm_fixture_dir)
    wide = metrics_data.load_wide("county", mm_fixture_dir)
    for frame in (tidy, wide):  # categorical and plain-text geoid columns
        for geoid in ("17031", "42101"):
            expected = frame[frame["geoid"] == geoid]
            assert len(expected) > 0
            pd.testing.assert_frame_equal(metrics_data.rows_for(frame, geoid), expected)
        none = metrics_data.rows_for(frame, "99999")
        assert none.empty and list(none.columns) == list(frame.columns)
    some = metrics_data.rows_for(wide, "17031", ["year", "geoid"])
    assert list(some.columns) == ["year", "geoid"] and set(some["geoid"]) == {"17031"}
