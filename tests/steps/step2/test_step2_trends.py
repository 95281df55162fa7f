"""Change over time: a z-test on standard errors from the published 95% bounds.

SE = (upper - lower) / 3.92 (the half-width facing the other year, / 1.96, when the bounds
are asymmetric); z = (latest - first) / sqrt(SE1² + SE2²); real when |z| > 1.96. Dollar
values are compared in the latest year's dollars (CPI-U annual averages: 2021 270.970,
2023 304.702).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mobility_nb.data.metrics import load_metrics
from mobility_nb.steps.step2.trends import (
    BREAK_TEXT,
    NO_CHANGE,
    RANGE_TEXT,
    REAL_DOWN,
    REAL_UP,
    UNTESTED,
    WEAK_TEXT,
    WITHIN,
    judge_change,
    series,
    trend_table,
    verdict,
)

NAN = float("nan")


def point(value, lower=NAN, upper=NAN, quality=None) -> pd.Series:
    return pd.Series({"value": value, "lower": lower, "upper": upper, "quality": quality})


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (point(10, 9, 11), point(10.5, 9.5, 11.5), WITHIN),  # z = 0.5 / 0.7215 = 0.69
        # Touching intervals: the old overlap rule said "not distinguishable", but
        # z = 2 / sqrt(2 * (2 / 3.92)²) = 2.77, a real change.
        (point(10, 9, 11), point(12, 11, 13), REAL_UP),
        # Overlapping intervals can still differ: z = 1.5 / 0.7215 = 2.08.
        (point(10, 9, 11), point(11.5, 10.5, 12.5), REAL_UP),
        (point(10, 9, 11), point(13, 12, 14), REAL_UP),
        (point(10, 9, 11), point(7, 6, 8), REAL_DOWN),
        (point(10, 9, 11), point(13), UNTESTED),  # latest year has no bounds
        (point(10), point(13, 12, 14), UNTESTED),  # first year has no bounds
        (point(10, 9, 11), point(10, 9.5, 10.5), NO_CHANGE),
        (point(10), point(10), NO_CHANGE),
        (point(10, 9, 11, "Weak"), point(13, 12, 14), WEAK_TEXT),  # no verdict on Weak data
        (point(10, 9, 11), point(13, 12, 14, "Weak"), WEAK_TEXT),
    ],
)
def test_judge_change(first, last, expected):
    assert judge_change(first, last) == expected


def test_ranges_are_never_tested():
    assert judge_change(point(10, 9, 11), point(13, 12, 14), bounds="range") == RANGE_TEXT
    assert judge_change(point(10, 9, 11), point(13, 12, 14), bounds="none") == UNTESTED


def test_asymmetric_bounds_use_the_facing_half():
    # First 10 [9.9, 12] (lower half 0.1, upper half 2); latest 11 [10.9, 11.1].
    # Rising: SE1 = 2 / 1.96, SE2 = 0.1 / 1.96 -> z = 1 / 1.0216 = 0.98 (within).
    # The symmetric SE would give SE1 = 2.1 / 3.92 and z = 1.85, still within; the upper
    # half (the side facing the rise) is what matters.
    assert judge_change(point(10, 9.9, 12), point(11, 10.9, 11.1)) == WITHIN
    # Falling to 9: SE1 = 0.1 / 1.96, SE2 = 0.1 / 1.96 -> z = -1 / 0.0722 = -13.9.
    assert judge_change(point(10, 9.9, 12), point(9, 8.9, 9.1)) == REAL_DOWN


@pytest.mark.parametrize(
    ("judgement", "change", "direction", "expected"),
    [
        (REAL_UP, 2.0, "higher", "improved"),
        (REAL_UP, 2.0, "lower", "worsened"),
        (REAL_DOWN, -2.0, "lower", "improved"),
        (REAL_DOWN, -2.0, "higher", "worsened"),
        (REAL_UP, 2.0, "parity", ""),
        (REAL_DOWN, -2.0, "none", ""),
        (WITHIN, 2.0, "higher", ""),
        (UNTESTED, 2.0, "higher", ""),
        (NO_CHANGE, 0.0, "higher", ""),
    ],
)
def test_verdict_respects_direction(judgement, change, direction, expected):
    assert verdict(judgement, change, direction) == expected


@pytest.fixture
def cook(mm_fixture_dir):
    return trend_table(load_metrics("county", mm_fixture_dir), "17031", "county").set_index(
        "metric"
    )


def test_cook_trends_by_hand(cook):
    # Only metrics with two or more years of values appear.
    assert set(cook.index) == {
        "pctl_income_50",
        "share_debt_coll",
        "rate_injury_death",
        "share_employed",
        "share_election_turnout",
    }
    inc = cook.loc["pctl_income_50"]  # 68,000 [66-70k] in 2021 -> 75,000 [74-76k] in 2023
    assert (inc["first_year"], inc["latest_year"], inc["years"]) == (2021, 2023, 2)
    assert (inc["first_value"], inc["latest_value"]) == (68000, 75000)
    # In 2023 dollars 68,000 is 68,000 * 304.702 / 270.970 = 76,465.8 [74,216.6-78,715.0]:
    # the nominal "improvement" of $7,000 is a fall of $1,465.8 in constant dollars.
    factor = 304.702 / 270.970
    assert inc["first_value_real"] == pytest.approx(68000 * factor)
    assert inc["change"] == pytest.approx(75000 - 68000 * factor)
    assert inc["dollars_of"] == 2023
    # Falling: SE1 = (76,465.8 - 74,216.6) / 1.96 = 1,147.6, SE2 = (76,000 - 75,000) / 1.96
    # = 510.2, z = -1,465.8 / 1,255.9 = -1.17: within the margin of error, no verdict.
    assert inc["z"] == pytest.approx(-1.167, abs=1e-3)
    assert (inc["judgement"], inc["verdict"]) == (WITHIN, "")
    # Debt rose (.18 [.17-.19] -> .20 [.195-.205], z = 3.51); lower is better.
    assert (cook.loc["share_debt_coll", "judgement"], cook.loc["share_debt_coll", "verdict"]) == (
        REAL_UP,
        "worsened",
    )
    # Injury deaths fell (80 [75-85] -> 30 [25-35], z = -13.9); lower is better.
    assert cook.loc["rate_injury_death", "judgement"] == REAL_DOWN
    assert cook.loc["rate_injury_death", "verdict"] == "improved"
    # Employment .58 [.57-.59] -> .60 [.59-.61]: the bounds touch (the old overlap rule
    # called it not distinguishable) but z = .02 / sqrt(2 * (.02 / 3.92)²) = 2.77: real.
    assert cook.loc["share_employed", "z"] == pytest.approx(2.772, abs=1e-3)
    assert cook.loc["share_employed", "judgement"] == REAL_UP
    assert cook.loc["share_employed", "verdict"] == "improved"
    # Turnout has no published bounds.
    assert cook.loc["share_election_turnout", "judgement"] == UNTESTED
    assert cook.loc["share_election_turnout", "change"] == pytest.approx(0.05)


def test_flags_of_both_years_are_reported(cook):
    assert cook.loc["pctl_income_50", "first_quality"] == "Strong"
    assert cook.loc["pctl_income_50", "latest_quality"] == "Strong"


def test_unchanged_value_and_single_year(mm_fixture_dir):
    tidy = load_metrics("county", mm_fixture_dir)
    will = trend_table(tidy, "17197", "county").set_index("metric")
    assert will.loc["share_employed", "judgement"] == NO_CHANGE  # .65 in both years
    assert will.loc["share_employed", "change"] == 0
    assert will.loc["pctl_income_50", "first_quality"] == "Marginal"
    loving = trend_table(tidy, "48301", "county")
    assert list(loving["metric"]) == ["share_election_turnout"]


def test_series_has_every_year_in_order(mm_fixture_dir):
    s = series(load_metrics("county", mm_fixture_dir), "17031")
    inc = s[s["metric"] == "pctl_income_50"]
    assert inc["year"].tolist() == [2021, 2023]
    assert inc["value"].tolist() == [68000, 75000]
    assert s["value"].notna().all()
    lbw = s[s["metric"] == "share_low_birth_weight"]
    assert lbw["year"].tolist() == [2022] and math.isclose(lbw["value"].iloc[0], 0.05)


def county_series(metric: str, rows) -> pd.DataFrame:
    """(year, value, lower, upper, quality) -> tidy rows of one made-up county."""
    return pd.DataFrame(
        [
            {
                "geoid": "20001",
                "level": "county",
                "name": "Allen County",
                "state": "20",
                "year": y,
                "metric": metric,
                "value": v,
                "lower": lo,
                "upper": hi,
                "quality": q,
                "subgroup_type": "all",
                "subgroup": "All",
            }
            for y, v, lo, hi, q in rows
        ]
    )


def test_a_jump_at_the_2022_survey_area_change_is_not_reported_as_change():
    # Marginal (under 75% of the sample from the county): .60 -> .75 across 2021/2022 is a
    # jump (z = .15 / sqrt(2 * (.02 / 3.92)²) = 20.8) that coincides with the new PUMAs.
    tidy = county_series(
        "share_employed",
        [
            (2021, 0.60, 0.59, 0.61, "Marginal"),
            (2022, 0.75, 0.74, 0.76, "Marginal"),
            (2023, 0.78, 0.77, 0.79, "Marginal"),
        ],
    )
    row = trend_table(tidy, "20001", "county").set_index("metric").loc["share_employed"]
    # So the change is measured from 2022: .75 -> .78, z = .03 / 0.007215 = 4.16.
    assert (row["first_year"], row["latest_year"]) == (2022, 2023)
    assert row["judgement"] == REAL_UP and row["z"] == pytest.approx(4.158, abs=1e-3)
    assert row["break_note"].startswith("compared from 2022")
    # With no year after 2022, there is nothing to compare.
    short = trend_table(tidy[tidy["year"] < 2023], "20001", "county").iloc[0]
    assert short["judgement"] == BREAK_TEXT and short["verdict"] == ""
    # A Strong county's own sample: the same jump is a change.
    strong = tidy.assign(quality="Strong")
    row = trend_table(strong, "20001", "county").iloc[0]
    assert (row["first_year"], row["judgement"], row["break_note"]) == (2021, REAL_UP, "")
