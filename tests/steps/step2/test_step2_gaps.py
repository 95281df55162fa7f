"""Gaps between subgroups: direction, evidence, one vintage per gap, mixed files and ranking.

A gap is reliable only when a z-test on the two groups' 95% bounds gives |z| > 1.96
(SE = (upper - lower) / 3.92, the half facing the other group when asymmetric) and
neither group is Weak or unflagged. Gaps without published bounds are kept but untested.
The overall value comes from the subgroup file's own "All" row, never the main file.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mobility_nb.data.metrics import load_metrics, load_subgroup_totals, load_subgroups
from mobility_nb.steps.step2.gaps import (
    FEW,
    LEARNING_CAVEAT,
    NO_FLAG,
    RANGE_ONLY,
    TESTED,
    UNTESTED,
    WEAK_END,
    WITHIN_MOE,
    ZERO,
    gap_table,
    subgroup_detail,
)

NAN = float("nan")
GEO = "4260000"


def sub_rows(rows) -> pd.DataFrame:
    """(metric, subgroup_type, subgroup, year, value, lower, upper, quality) -> tidy rows."""
    cols = ["metric", "subgroup_type", "subgroup", "year", "value", "lower", "upper", "quality"]
    frame = pd.DataFrame(rows, columns=cols)
    frame.insert(0, "geoid", GEO)
    return frame


def overall_rows(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["metric", "year", "value"])
    frame.insert(0, "geoid", GEO)
    return frame


def totals_rows(sub_type: str, rows) -> pd.DataFrame:
    """The subgroup file's own "All" rows: (metric, year, value)."""
    frame = overall_rows(rows)
    frame["subgroup_type"] = sub_type
    return frame


@pytest.fixture
def phl(mm_fixture_dir) -> pd.DataFrame:
    gaps = gap_table(
        load_subgroups("place", mm_fixture_dir),
        load_metrics("place", mm_fixture_dir),
        GEO,
        "place",
        load_subgroup_totals("place", mm_fixture_dir),
    )
    return gaps


def find(gaps: pd.DataFrame, metric: str, sub_type: str) -> pd.Series:
    hit = gaps[(gaps["metric"] == metric) & (gaps["subgroup_type"] == sub_type)]
    assert len(hit) == 1, f"{len(hit)} gap rows for {metric} by {sub_type}"
    return hit.iloc[0]


def test_best_and_worst_respect_direction(phl):
    debt = find(phl, "share_debt_coll", "race-share")  # lower is better
    assert (debt["best_group"], debt["best_value"]) == ("White neighborhoods", 0.10)
    assert (debt["worst_group"], debt["worst_value"]) == ("Neighborhoods of color", 0.30)
    assert (debt["highest_group"], debt["lowest_group"]) == (
        "Neighborhoods of color",
        "White neighborhoods",
    )
    air = find(phl, "index_air_hazard", "race-share")  # higher is cleaner
    assert (air["best_group"], air["worst_group"]) == (
        "White neighborhoods",
        "Neighborhoods of color",
    )
    assert air["gap"] == 30 and air["groups"] == 3


def test_latest_year_with_values_is_used(phl):
    emp = find(phl, "share_employed", "race-ethnicity")
    assert emp["year"] == 2022  # 2021 also exists
    assert (emp["best_group"], emp["best_value"]) == ("White, Non-Hispanic", 0.66)
    assert (emp["worst_group"], emp["worst_value"]) == ("Hispanic", 0.50)
    assert emp["gap"] == pytest.approx(0.16)


def test_weak_group_makes_a_gap_unreliable(phl):
    inc = find(phl, "pctl_income_50", "race-ethnicity")  # Hispanic (lowest) is Weak
    assert inc["worst_group"] == "Hispanic"
    assert inc["weak_groups"] == "Hispanic"
    assert not inc["reliable"] and inc["evidence"] == WEAK_END
    # A Weak group that is neither highest nor lowest is listed but does not block the gap;
    # the older file publishes no bounds for employment, so the gap is untested (it was
    # called reliable before, on the flags alone).
    emp = find(phl, "share_employed", "race-ethnicity")
    assert emp["weak_groups"] == "Other Races and Ethnicities"
    assert emp["evidence"] == UNTESTED and not emp["reliable"]


def test_ranges_and_missing_bounds_are_not_tested(phl):
    # Reading growth bounds are a range from other assumptions, not a margin of error.
    learn = find(phl, "rate_learning", "income")  # .80 [.70-.90] vs .95 [.85-1.05]
    assert learn["evidence"] == RANGE_ONLY and not learn["reliable"]
    assert learn["caveat"] == LEARNING_CAVEAT
    digital = find(phl, "share_digital_access", "income")  # no bounds published
    assert digital["evidence"] == UNTESTED and not digital["reliable"]


def test_missing_flag_makes_a_gap_unreliable():
    subs = sub_rows(
        [
            ("share_employed", "gender", "Male", 2021, 0.70, 0.68, 0.72, "Strong"),
            ("share_employed", "gender", "Female", 2021, 0.60, 0.58, 0.62, None),
        ]
    )
    gaps = gap_table(subs, overall_rows([("share_employed", 2021, 0.65)]), GEO, "place")
    assert not gaps.iloc[0]["reliable"] and gaps.iloc[0]["evidence"] == NO_FLAG


def test_z_test_decides_reliability():
    subs = sub_rows(
        [
            ("share_employed", "gender", "Male", 2021, 0.70, 0.68, 0.72, "Strong"),
            ("share_employed", "gender", "Female", 2021, 0.60, 0.58, 0.62, "Marginal"),
        ]
    )
    totals = totals_rows("gender", [("share_employed", 2021, 0.65)])
    row = gap_table(subs, overall_rows([]), GEO, "place", totals).iloc[0]
    # z = .10 / sqrt(2 * (.04 / 3.92)²) = 6.93
    assert row["z"] == pytest.approx(6.930, abs=1e-3)
    assert row["reliable"] and row["evidence"] == TESTED and row["overall"] == 0.65
    assert row["relative_gap"] == pytest.approx(0.10 / 0.65)


def test_overlapping_intervals_can_still_be_a_real_gap():
    # [.66, .74] and [.58, .66] touch; z = .08 / sqrt(2 * (.08 / 3.92)²) = 2.77.
    subs = sub_rows(
        [
            ("share_employed", "gender", "Male", 2021, 0.70, 0.66, 0.74, "Strong"),
            ("share_employed", "gender", "Female", 2021, 0.62, 0.58, 0.66, "Strong"),
            ("share_hs_degree", "gender", "Male", 2021, 0.70, 0.60, 0.80, "Strong"),
            ("share_hs_degree", "gender", "Female", 2021, 0.65, 0.55, 0.75, "Strong"),
        ]
    )
    gaps = gap_table(subs, overall_rows([]), GEO, "place").set_index("metric")
    assert gaps.loc["share_employed", "evidence"] == TESTED
    # .05 / sqrt(2 * (.20 / 3.92)²) = 0.69
    assert gaps.loc["share_hs_degree", "evidence"] == WITHIN_MOE


def test_main_file_value_is_never_mixed_in():
    # Only the main file has a 2021 value: the gap is sized against the groups' average
    # and says so, instead of borrowing a number from another release.
    subs = sub_rows(
        [
            ("share_employed", "gender", "Male", 2021, 0.70, NAN, NAN, "Strong"),
            ("share_employed", "gender", "Female", 2021, 0.60, NAN, NAN, "Strong"),
        ]
    )
    row = gap_table(subs, overall_rows([("share_employed", 2021, 0.50)]), GEO, "place").iloc[0]
    assert row["relative_to"] == "average of the groups" and pd.isna(row["overall"])
    assert row["relative_gap"] == pytest.approx(0.10 / 0.65)


def test_equal_groups_and_counts_are_not_gaps():
    subs = sub_rows(
        [
            ("share_employed", "gender", "Male", 2021, 0.70, NAN, NAN, "Strong"),
            ("share_employed", "gender", "Female", 2021, 0.70, NAN, NAN, "Strong"),
            ("count_homeless", "gender", "Male", 2021, 40, NAN, NAN, "Strong"),
            ("count_homeless", "gender", "Female", 2021, 10, NAN, NAN, "Strong"),
        ]
    )
    assert gap_table(subs, overall_rows([]), GEO, "place").empty


def test_few_events_and_unreported_zeros_are_not_reliable():
    # Arrests per 100,000 young people; 60,000 residents, about 10% aged 10-17, half
    # female: 3,000 girls. 500 per 100,000 -> 15 arrests (< 20); 0 may be a non-report.
    subs = sub_rows(
        [
            ("rate_juv_arrest", "gender", "Male", 2023, 2000.0, NAN, NAN, "Strong"),
            ("rate_juv_arrest", "gender", "Female", 2023, 500.0, NAN, NAN, "Strong"),
        ]
    )
    row = gap_table(subs, overall_rows([]), GEO, "place", population=60_000).iloc[0]
    assert row["events"] == pytest.approx(15.0) and row["evidence"] == FEW
    subs.loc[1, "value"] = 0.0
    row = gap_table(subs, overall_rows([]), GEO, "place", population=60_000).iloc[0]
    assert row["evidence"] == ZERO and not row["reliable"]


def test_industries_are_not_residents():
    subs = sub_rows(
        [
            ("ratio_living_wage", "industry", "Goods Producing", 2022, 0.9, NAN, NAN, "Strong"),
            ("ratio_living_wage", "industry", "Leisure and Other", 2022, 0.4, NAN, NAN, "Strong"),
        ]
    )
    row = gap_table(subs, overall_rows([]), GEO, "county").iloc[0]
    assert not row["residents"]


def test_mixed_income_type_is_split_into_its_pairs():
    subs = sub_rows(
        [
            (
                "rate_learning",
                "income",
                "Economically Disadvantaged",
                2023,
                0.80,
                NAN,
                NAN,
                "Strong",
            ),
            (
                "rate_learning",
                "income",
                "Not Economically Disadvantaged",
                2023,
                1.00,
                NAN,
                NAN,
                "Strong",
            ),
            ("rate_learning", "income", "High-Poverty", 2023, 0.70, NAN, NAN, "Strong"),
            ("rate_learning", "income", "Not High-Poverty", 2023, 0.95, NAN, NAN, "Strong"),
        ]
    )
    gaps = gap_table(subs, overall_rows([("rate_learning", 2023, 0.9)]), GEO, "place")
    pairs = {(r["best_group"], r["worst_group"]) for _, r in gaps.iterrows()}
    # Two comparisons, never "Not Economically Disadvantaged vs High-Poverty".
    assert pairs == {
        ("Not Economically Disadvantaged", "Economically Disadvantaged"),
        ("Not High-Poverty", "High-Poverty"),
    }
    assert sorted(gaps["gap"].round(6)) == [0.2, 0.25]


def test_age_pairs_are_split_too():
    subs = sub_rows(
        [
            ("rate_juv_arrest", "age", "Age 10 to 14", 2023, 500, NAN, NAN, "Strong"),
            ("rate_juv_arrest", "age", "Age 15 to 17", 2023, 3000, NAN, NAN, "Strong"),
            (
                "ratio_white_nh_house_value_households",
                "age",
                "Under Age 45",
                2023,
                0.8,
                NAN,
                NAN,
                "Strong",
            ),
            (
                "ratio_white_nh_house_value_households",
                "age",
                "Age 45 and Over",
                2023,
                1.2,
                NAN,
                NAN,
                "Strong",
            ),
        ]
    )
    gaps = gap_table(subs, overall_rows([]), GEO, "place")
    assert len(gaps) == 2
    assert set(gaps["groups"]) == {2}


def test_gaps_are_ranked_by_size_relative_to_overall():
    # A 10-point gap in a 20% share outranks a $2,000 gap in a $60,000 income.
    subs = sub_rows(
        [
            ("pctl_income_50", "gender", "Male", 2023, 61000, NAN, NAN, "Strong"),
            ("pctl_income_50", "gender", "Female", 2023, 59000, NAN, NAN, "Strong"),
            ("share_hs_degree", "gender", "Male", 2023, 0.15, NAN, NAN, "Strong"),
            ("share_hs_degree", "gender", "Female", 2023, 0.25, NAN, NAN, "Strong"),
        ]
    )
    totals = totals_rows(
        "gender", [("pctl_income_50", 2023, 60000), ("share_hs_degree", 2023, 0.20)]
    )
    gaps = gap_table(subs, overall_rows([]), GEO, "place", totals)
    assert list(gaps["metric"]) == ["share_hs_degree", "pctl_income_50"]
    assert list(gaps["relative_gap"]) == pytest.approx([0.5, 2000 / 60000])


def test_fixture_gaps_are_sorted(phl):
    rel = phl["relative_gap"].tolist()
    assert rel == sorted(rel, reverse=True)
    assert len(phl) == 9  # the homeless count is no longer a gap (counts grow with groups)
    assert set(phl["release"]) == {"2025 release", "February 2024 file"}
    assert find(phl, "share_employed", "race-ethnicity")["source_file"].startswith("06_")


def test_single_group_unknown_metric_and_other_places_are_skipped():
    subs = sub_rows(
        [
            ("share_employed", "gender", "Male", 2021, 0.70, NAN, NAN, "Strong"),
            ("share_employed", "gender", "Female", 2021, NAN, NAN, NAN, "Weak"),
            ("not_a_metric", "gender", "Male", 2021, 1, NAN, NAN, "Strong"),
            ("not_a_metric", "gender", "Female", 2021, 2, NAN, NAN, "Strong"),
        ]
    )
    assert gap_table(subs, overall_rows([]), GEO, "place").empty
    assert gap_table(subs, overall_rows([]), "1714000", "place").empty


def test_subgroup_detail_lists_every_group(mm_fixture_dir):
    subs = load_subgroups("place", mm_fixture_dir)
    detail = subgroup_detail(subs, GEO, "share_employed", "race-ethnicity", 2022)
    assert list(detail.columns) == ["subgroup", "value", "lower", "upper", "quality"]
    assert len(detail) == 4
    assert detail.set_index("subgroup").loc["Other Races and Ethnicities", "quality"] == "Weak"


def test_overall_is_the_published_all_row(phl):
    # 64 file: rate_learning 2023 All = 0.85; the main file has rate_learning for 2021 only,
    # and the group mean (0.80 + 0.95) / 2 = 0.875 is not a published number.
    assert find(phl, "rate_learning", "income")["overall"] == pytest.approx(0.85)


def test_group_without_value_is_listed_as_missing(phl):
    # 06 file, Philadelphia 2022: "Other Races and Ethnicities" has NA homeless share and flag.
    homeless = find(phl, "share_homeless", "race-ethnicity")
    assert homeless["missing_groups"] == "Other Races and Ethnicities"


def test_group_with_flag_but_no_value_is_listed_as_missing():
    subs = sub_rows(
        [
            ("share_employed", "gender", "Male", 2021, 0.70, NAN, NAN, "Strong"),
            ("share_employed", "gender", "Female", 2021, 0.60, NAN, NAN, "Strong"),
            ("share_employed", "gender", "Nonbinary", 2021, NAN, NAN, NAN, "Weak"),
        ]
    )
    row = gap_table(subs, overall_rows([]), GEO, "place").iloc[0]
    assert row["missing_groups"] == "Nonbinary"
