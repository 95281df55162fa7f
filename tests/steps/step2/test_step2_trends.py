"""Change over time, judged against the published 95% bounds."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mobility_nb.data.metrics import load_metrics
from mobility_nb.steps.step2.trends import (
    NO_CHANGE,
    REAL_DOWN,
    REAL_UP,
    UNTESTED,
    WITHIN,
    judge_change,
    series,
    trend_table,
    verdict,
)

NAN = float("nan")


def point(value, lower=NAN, upper=NAN) -> pd.Series:
    return pd.Series({"value": value, "lower": lower, "upper": upper})


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (point(10, 9, 11), point(10.5, 9.5, 11.5), WITHIN),  # intervals overlap
        (point(10, 9, 11), point(12, 11, 13), WITHIN),  # touching is not beyond
        (point(10, 9, 11), point(13, 12, 14), REAL_UP),
        (point(10, 9, 11), point(7, 6, 8), REAL_DOWN),
        (point(10, 9, 11), point(13), UNTESTED),  # latest year has no bounds
        (point(10), point(13, 12, 14), UNTESTED),  # first year has no bounds
        (point(10, 9, 11), point(10, 9.5, 10.5), NO_CHANGE),
        (point(10), point(10), NO_CHANGE),
    ],
)
def test_judge_change(first, last, expected):
    assert judge_change(first, last) == expected


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
    inc = cook.loc["pctl_income_50"]  # 68,000 [66-70k] -> 75,000 [74-76k]
    assert (inc["first_year"], inc["latest_year"], inc["years"]) == (2021, 2023, 2)
    assert (inc["first_value"], inc["latest_value"], inc["change"]) == (68000, 75000, 7000)
    assert inc["pct_change"] == pytest.approx(7000 / 68000 * 100)
    assert (inc["judgement"], inc["verdict"]) == (REAL_UP, "improved")
    # Debt rose beyond its bounds (.18 [.17-.19] -> .20 [.195-.205]); lower is better.
    assert (cook.loc["share_debt_coll", "judgement"], cook.loc["share_debt_coll", "verdict"]) == (
        REAL_UP,
        "worsened",
    )
    # Injury deaths fell beyond the bounds (80 [75-85] -> 30 [25-35]); lower is better.
    assert cook.loc["rate_injury_death", "judgement"] == REAL_DOWN
    assert cook.loc["rate_injury_death", "verdict"] == "improved"
    # Employment .58 [.57-.59] -> .60 [.59-.61]: the bounds touch, so not distinguishable.
    assert cook.loc["share_employed", "judgement"] == WITHIN
    assert cook.loc["share_employed", "verdict"] == ""
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
