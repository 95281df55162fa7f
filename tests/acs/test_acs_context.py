"""State and national context: one vintage per comparison, ranks and medians under the
sound-claims rules (fixture numbers of our own)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mobility_nb.acs import context, lookup, store
from mobility_nb.claims.uncertainty import HIGHER, LOWER, NO_BOUNDS, WEAK, WITHIN

TEN = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0]


def _compare(estimate, moe, reliability, values):
    return context.compare_with_set(
        estimate, moe, reliability, values, scope="nation", set_label="the test set"
    )


def test_rank_median_and_verdict_beyond_the_interval():
    c = _compare(70.0, 5.0, "High", TEN)
    assert (c.n, c.below, c.ties) == (10, 6, 1)
    assert c.percentile == pytest.approx(65.0)  # (6 + 0.5) / 10
    assert c.median == 55.0 and c.versus == HIGHER and c.ranked and c.note == ""
    low = _compare(20.0, 5.0, "High", TEN)
    assert low.versus == LOWER and low.percentile == pytest.approx(15.0)


def test_median_inside_the_interval_is_no_difference_but_still_ranked():
    c = _compare(60.0, 6.0, "Medium", TEN)  # 54..66 holds the median 55
    assert c.versus == WITHIN and c.percentile == pytest.approx(55.0)


def test_unreliable_or_unjudgeable_estimates_are_not_ranked():
    weak = _compare(70.0, 40.0, "Low", TEN)
    assert not weak.ranked and weak.versus == WEAK and "low reliability" in weak.note
    no_moe = _compare(70.0, math.nan, "Unknown", TEN)
    assert not no_moe.ranked and no_moe.versus == NO_BOUNDS and "no margin of error" in no_moe.note
    assert no_moe.median == 55.0  # the median is still a fact about the set


def test_small_sets_get_neither_median_nor_rank():
    c = _compare(30.0, 1.0, "High", TEN[:9])
    assert c.n == 9 and math.isnan(c.median) and not c.ranked and "fewer than 10" in c.note


def test_ties_share_a_rank_and_a_tie_at_an_end_reports_the_tie():
    values = [0.0] * 6 + [1.0, 2.0, 3.0, 4.0]
    tied = _compare(0.0, 0.1, "High", values)
    assert tied.extreme == "lowest" and not tied.ranked and "tied with 5 other" in tied.note
    middle = _compare(2.0, 0.1, "High", [*values, 2.0])  # two counties at 2.0
    assert (middle.below, middle.ties) == (7, 2) and middle.percentile == pytest.approx(
        (7 + 1) / 11 * 100
    )


def test_missing_values_are_not_in_the_set():
    c = _compare(70.0, 5.0, "High", [*TEN, math.nan, math.nan])
    assert c.n == 10


# --- from a store ------------------------------------------------------------------------


def _write(directory, year, state, values, moe=None, variable="B19013_001"):
    """One county file: value i for county <state>00i (MOE ``moe`` or none)."""
    rows = pd.DataFrame(
        {
            "geoid": [f"{state}{n:03d}" for n in range(1, len(values) + 1)],
            "name": [f"County {n}" for n in range(1, len(values) + 1)],
            "variable": variable,
            "estimate": values,
            "moe": moe if moe is not None else np.nan,
            "estimate_flag": None,
            "moe_flag": None if moe is not None else "moe_not_in_source",
        }
    )
    store.write_slice(
        directory, store.StoreKey("acs5", year, "county", state), rows, {"source": "t"}
    )


@pytest.fixture()
def national(tmp_path):
    """2018 with MOEs (12 counties in 51, 5 in 24); 2019 newer but without MOEs, other values."""
    _write(tmp_path, 2018, "51", [40000.0 + 1000 * n for n in range(12)], moe=500.0)
    _write(tmp_path, 2018, "24", [60000.0, 61000.0, 62000.0, 63000.0, 64000.0], moe=500.0)
    _write(tmp_path, 2019, "51", [90000.0 + n for n in range(12)])
    _write(tmp_path, 2019, "24", [95000.0] * 5)
    # broadband only in 2019, estimates only
    for state, n in (("51", 12), ("24", 5)):
        for variable, values in (("B28002_001", [1000.0] * n), ("B28002_004", [800.0] * n)):
            rows = pd.DataFrame(
                {
                    "geoid": [f"{state}{k:03d}" for k in range(1, n + 1)],
                    "name": "",
                    "variable": variable,
                    "estimate": values,
                    "moe": np.nan,
                    "estimate_flag": None,
                    "moe_flag": None,
                }
            )
            store.write_slice(
                tmp_path, store.StoreKey("acs5", 2019, "county", state), rows, {"source": "t"}
            )
    return tmp_path


def test_each_indicator_uses_the_newest_vintage_it_can_be_judged_in(national):
    found = {
        c.indicator: c for c in context.county_context(national, "51005", state_name="Virginia")
    }
    income = found["median_household_income"]
    assert income.year == 2018 and income.vintage == "ACS 2014\u20132018 5-year"
    assert income.estimate == 44000.0 and income.moe == 500.0
    # Only 2018 values in the comparison, never 2019's (which would all lie above 90,000).
    assert income.state.n == 12 and income.state.median == 45500.0
    assert income.nation.n == 17 and income.nation.median == 48000.0
    assert income.state.percentile == pytest.approx((4 + 0.5) / 12 * 100)
    assert income.state.versus == LOWER and income.nation.versus == LOWER
    # Broadband exists only without MOEs: shown, neither ranked nor tested.
    broadband = found["broadband"]
    assert broadband.year == 2019 and not broadband.nation.ranked
    assert broadband.nation.versus == NO_BOUNDS
    table = context.context_table(found.values())
    assert set(table["set"]) == {"state", "nation"} and (table["vintage"] != "").all()


def test_a_small_state_is_compared_nationally_only(national):
    income = next(
        c
        for c in context.county_context(national, "24003", state_name="Maryland")
        if c.indicator == "median_household_income"
    )
    assert income.state.n == 5 and not income.state.ranked and math.isnan(income.state.median)
    assert income.nation.ranked and income.nation.n == 17


def test_no_national_files_no_context(tmp_path):
    _write(tmp_path, 2018, "51", [1.0] * 12, moe=0.5)  # one state only: no national set
    assert context.national_vintages(tmp_path) == []
    assert context.county_context(tmp_path, "51001") == []


def test_county_table_is_reread_when_a_file_changes(national):
    first = lookup.county_indicators(national, 2018, ["median_household_income"])
    assert len(first) == 17
    _write(national, 2018, "24", [1.0, 2.0], moe=0.1)  # the file is replaced
    again = lookup.county_indicators(national, 2018, ["median_household_income"])
    assert len(again) == 14 and again["estimate"].min() == 1.0


def test_phrases_state_the_set_and_the_rule():
    c = context.IndicatorContext(
        indicator="poverty_rate",
        label="People below the poverty level",
        unit="percent",
        direction="lower",
        year=2018,
        vintage="ACS 2014\u20132018 5-year",
        estimate=20.0,
        moe=1.0,
        cv=3.0,
        reliability="High",
        variables="S1701_C03_001",
        set_variables="S1701_C03_001 (10 counties)",
        state=_compare(20.0, 1.0, "High", TEN),
        nation=_compare(20.0, 1.0, "High", TEN),
    )
    assert context.rank_phrase(c, c.nation) == (
        "ranks above 15% of the test set (lower is better: better than 85%)"
    )
    assert context.versus_phrase(c.nation, "all US counties").startswith(
        "below the median of all US counties"
    )
