"""Latest values, percentile ranks and medians, checked by hand on the fixture counties.

2023 fixture values (Loving County TX has none of these):
  median income   Autauga 65,000  Baldwin 70,000  Cook 75,000  DuPage 100,000  Will 95,000
                  Philadelphia 55,000
  debt (lower)    .30 .25 .20 .10 .15 .35
  employed        .55 .58 .60 .60 .65 .50   (Cook ties DuPage)
  injury (lower)  90 85 30 40 50 100
  turnout         .62 .66 .60 .72 .70 .58, Loving .80
Low birth weight (lower) exists only for 2022: .10 .09 .05 (Weak) .08 .11 .12.

No fixture state has ten counties, so in-state ranks and medians are omitted (the rule:
fewer than ten places say little); ``state_n`` still counts them. In-state ranks are
checked on a made-up state of twelve counties below.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mobility_nb.data import catalog
from mobility_nb.data.metrics import load_metrics
from mobility_nb.steps.step2.standing import better_than, missing_metrics, standing


@pytest.fixture
def cook(mm_fixture_dir):
    table = standing(load_metrics("county", mm_fixture_dir), "17031", "county")
    return table.set_index("metric")


def pct(below: int, ties: int, n: int) -> float:
    """Share of places below, ties (including the place itself) counting half."""
    return (below + 0.5 * ties) / n * 100


def test_better_than_uses_direction():
    assert better_than(30.0, "higher") == 30.0
    assert better_than(30.0, "lower") == 70.0
    assert math.isnan(better_than(30.0, "parity"))
    assert math.isnan(better_than(30.0, "none"))
    assert math.isnan(better_than(float("nan"), "higher"))
    assert better_than(30.0, "higher_better") == 30.0  # catalog comparison kinds too
    assert better_than(30.0, "lower_better") == 70.0
    assert math.isnan(better_than(30.0, "context"))


def test_one_row_per_catalog_metric(cook):
    assert list(cook.index) == [m.metric for m in catalog.metrics_for("county")]
    row = cook.loc["pctl_income_50"]
    assert row["label"] == catalog.get_metric("pctl_income_50").label
    assert (row["pillar"], row["unit"], row["direction"]) == ("Rewarding Work", "dollars", "higher")


def test_latest_value_bounds_flag_and_year(cook):
    row = cook.loc["pctl_income_50"]
    assert (row["year"], row["value"], row["lower"], row["upper"], row["quality"]) == (
        2023,
        75000.0,
        74000.0,
        76000.0,
        "Strong",
    )
    # Low birth weight is latest in 2022 (2023 is empty), Weak.
    lbw = cook.loc["share_low_birth_weight"]
    assert (lbw["year"], lbw["value"], lbw["quality"]) == (2022, 0.05, "Weak")


def test_percentile_higher_is_better_by_hand(cook):
    row = cook.loc["pctl_income_50"]
    assert row["national_pct"] == pytest.approx(pct(3, 1, 6))  # 55k, 65k, 70k below
    assert math.isnan(row["state_pct"])  # only 3 Illinois counties: no in-state rank
    assert row["national_better"] == row["national_pct"]
    assert (row["national_n"], row["state_n"]) == (6, 3)


def test_ties_count_half(cook):
    row = cook.loc["share_employed"]
    assert row["national_pct"] == pytest.approx(pct(3, 2, 6))  # 66.7
    assert row["national_ties"] == 2 and row["national_extreme"] is None  # a tie, not extreme


def test_lower_is_better_turns_percentile_around(cook):
    debt = cook.loc["share_debt_coll"]
    assert debt["national_pct"] == pytest.approx(pct(2, 1, 6))  # .10 and .15 are below
    assert debt["national_better"] == pytest.approx(100 - pct(2, 1, 6))
    injury = cook.loc["rate_injury_death"]
    assert injury["national_better"] == pytest.approx(100 - pct(0, 1, 6))  # lowest: best
    assert math.isnan(injury["state_better"])  # fewer than ten Illinois counties


def test_rank_is_within_the_metrics_latest_year(cook):
    lbw = cook.loc["share_low_birth_weight"]
    assert lbw["national_n"] == 6
    assert lbw["national_better"] == pytest.approx(100 - pct(0, 1, 6))
    assert lbw["national_median"] == pytest.approx(0.095)  # of .08 .09 .10 .11 .12 .05


def test_turnout_counts_every_county_with_a_value(cook):
    row = cook.loc["share_election_turnout"]
    assert row["national_n"] == 7  # Loving County has turnout
    assert row["national_pct"] == pytest.approx(pct(1, 1, 7))


def test_state_and_national_medians_by_hand(cook):
    row = cook.loc["pctl_income_50"]
    assert row["national_median"] == pytest.approx((70000 + 75000) / 2)
    assert math.isnan(row["state_median"])  # three Illinois counties: not shown
    emp = cook.loc["share_employed"]
    assert emp["national_median"] == pytest.approx((0.58 + 0.60) / 2)
    # Cook's 95% interval (74,000-76,000) lies above the national median of 72,500.
    assert row["vs_national"] == "higher"


def test_counts_are_shown_but_not_ranked(cook):
    row = cook.loc["count_homeless"]
    assert row["value"] == 4000 and row["unit"] == "count"
    assert math.isnan(row["national_pct"]) and math.isnan(row["state_pct"])
    assert math.isnan(row["national_better"]) and math.isnan(row["state_better"])
    assert row["national_median"] == pytest.approx((450 + 500) / 2)


def test_metrics_without_a_direction_have_no_better_than(cook):
    parity = cook.loc["ratio_black_nh_house_value_households"]
    assert parity["value"] == pytest.approx(0.6)
    assert math.isnan(parity["national_better"])
    assert math.isnan(cook.loc["share_desc_rep_black_nonhispanic", "national_better"])


def test_metrics_without_value_are_kept_and_listed(mm_fixture_dir, cook):
    assert math.isnan(cook.loc["share_in_preschool", "value"])
    assert cook.loc["share_in_preschool", "national_n"] == 0
    missing = missing_metrics(cook.reset_index())
    assert list(missing.columns) == ["pillar", "label", "metric", "quality"]
    assert len(missing) == len(catalog.metrics_for("county")) - 9  # 9 metrics have values
    assert "pctl_income_50" not in set(missing["metric"])
    loving = standing(load_metrics("county", mm_fixture_dir), "48301", "county")
    assert loving["value"].notna().sum() == 1
    miss = missing_metrics(loving).set_index("metric")
    assert "pctl_income_50" in miss.index
    # A flag without a value is reported with its flag and year.
    assert miss.loc["share_debt_coll", "quality"] == "Weak"
    assert loving.set_index("metric").loc["share_debt_coll", "year"] == 2023


def test_place_level_uses_place_metrics(mm_fixture_dir):
    table = standing(load_metrics("place", mm_fixture_dir), "4260000", "place")
    assert list(table["metric"]) == [m.metric for m in catalog.metrics_for("place")]
    row = table.set_index("metric").loc["pctl_income_50"]
    # 2023 city incomes: 42k, 71k, 85k, 130k, 57k (Philadelphia), 60k.
    assert row["national_pct"] == pytest.approx(pct(1, 1, 6))
    assert math.isnan(row["state_pct"]) and math.isnan(row["state_median"])  # 2 PA cities


def test_no_rank_for_context_count_crime_and_parity(cook):
    for metric, note in (
        ("count_homeless", "count"),
        ("ratio_black_nh_house_value_households", "parity"),
        ("share_desc_rep_black_nonhispanic", "population mix"),
    ):
        row = cook.loc[metric]
        assert math.isnan(row["national_better"]), metric
        assert note in row["rank_note"], metric


def synthetic(values: list[float], metric: str = "share_employed") -> pd.DataFrame:
    """Twelve made-up counties of one state (17) for one metric and year."""
    rows = [
        {
            "geoid": f"17{i:03d}",
            "level": "county",
            "name": f"C{i}",
            "state": "17",
            "year": 2023,
            "metric": metric,
            "value": v,
            "lower": float("nan"),
            "upper": float("nan"),
            "quality": "Strong",
            "subgroup_type": "all",
            "subgroup": "All",
        }
        for i, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_in_state_rank_with_ten_or_more_places():
    values = [0.50, 0.52, 0.54, 0.56, 0.58, 0.60, 0.60, 0.62, 0.64, 0.66, 0.68, 0.70]
    row = standing(synthetic(values), "17005", "county").set_index("metric").loc["share_employed"]
    # .60 of twelve: five below, two equal -> (5 + 1) / 12.
    assert row["state_n"] == 12 and row["state_pct"] == pytest.approx(pct(5, 2, 12))
    assert row["state_median"] == pytest.approx(0.60)


def test_tie_at_an_extreme_reports_the_tie_not_a_rank():
    values = [0.0] * 7 + [0.01, 0.02, 0.03, 0.04, 0.05]  # seven counties at 0% transit
    row = (
        standing(synthetic(values, "share_transit_commuter"), "17000", "county")
        .set_index("metric")
        .loc["share_transit_commuter"]
    )
    # The mid-rank would be (0 + 3.5) / 12 = 29%; a 0 shared by seven has no rank.
    assert math.isnan(row["national_better"])
    assert (row["national_extreme"], row["national_ties"], row["national_n"]) == ("lowest", 7, 12)
    assert "tied at the lowest" in row["rank_note"]


def test_zero_that_may_be_unreported_is_left_out_of_the_pool():
    values = [0.0, 900.0, 1200.0, 1500.0, 2000.0, 2500.0] + [3000.0] * 6
    table = synthetic(values, "ratio_population_pc_physician")
    zero = (
        standing(table, "17000", "county").set_index("metric").loc["ratio_population_pc_physician"]
    )
    assert zero["unreported_zero"] and math.isnan(zero["national_better"])
    assert "not reported" in zero["rank_note"]
    other = (
        standing(table, "17001", "county").set_index("metric").loc["ratio_population_pc_physician"]
    )
    # 900 is the lowest of the eleven others: (0 + 0.5) / 11 below -> better than 95.5%.
    assert other["national_n"] == 11
    assert other["national_better"] == pytest.approx(100 - pct(0, 1, 11))
