"""Computed targets, each checked against a hand calculation written out here.

Fixture (tests/fixtures/plan/metrics_county_tidy.csv, our own numbers): Alpha County
(42001, Pennsylvania) has share_employed 0.70/0.72/0.74 in 2014/2016/2018, 0.78 in 2021
and 0.80 in 2023. In 2018 the other Pennsylvania counties have 0.70, 0.76, 0.80, 0.82 and
three Illinois counties 0.60, 0.66, 0.90.
"""

from __future__ import annotations

import pandas as pd
import pytest
from support.plan import ALPHA, FIXTURES, fixture_sources

from mobility_nb.plan import assess_plan, load_plan
from mobility_nb.plan import targets as tg


def one(target: dict, metric: str = "share_employed", peers=None, **extra):
    indicator = {
        "name": "x",
        "source": {"kind": "mobility_metric", "metric": metric},
        "responsible": "r",
        "target": target,
        **extra,
    }
    body = {"baseline_year": 2018, "actions": [{"name": "a", "indicators": [indicator]}]}
    if peers:
        body["peers"] = peers
    result = assess_plan(load_plan(body, base_dir=FIXTURES), ALPHA, fixture_sources())
    return result.results[0]


def test_reach_state_median_by_hand():
    # Pennsylvania values in 2018, Alpha included: 0.70, 0.74, 0.76, 0.80, 0.82 -> median 0.76
    r = one({"year": 2030, "rule": "reach_state_median"})
    assert r.baseline is not None and r.baseline.year == 2018
    assert r.target.value == pytest.approx(0.76)
    assert r.target.explanation == (
        "Median of the 5 Pennsylvania counties with a value in 2018 (this jurisdiction "
        "included): 76.0%. Target: reach it by 2030."
    )


def test_reach_peer_top_quartile_state_default_by_hand():
    # Peers = the other PA counties: 0.70, 0.76, 0.80, 0.82. 75th percentile, linear:
    # position 0.75 x (4 - 1) = 2.25 -> 0.80 + 0.25 x (0.82 - 0.80) = 0.805
    r = one({"year": 2030, "rule": "reach_peer_top_quartile"})
    assert r.target.value == pytest.approx(0.805)
    assert (
        "Top quartile of 4 peers in 2018 (the other Pennsylvania counties)" in r.target.explanation
    )


def test_reach_peer_top_quartile_named_peers_by_hand():
    # Peers 17001, 17003, 17005, 42003 -> sorted 0.60, 0.66, 0.70, 0.90; position 2.25
    # -> 0.70 + 0.25 x (0.90 - 0.70) = 0.75. The focal county in the list is dropped, and
    # a peer without data is named.
    r = one(
        {"year": 2030, "rule": "reach_peer_top_quartile"},
        peers=["17001", "17003", "17005", "42003", "42001", "36061"],
    )
    assert r.target.value == pytest.approx(0.75)
    assert "Top quartile of 4 peers in 2018 (named in the plan)" in r.target.explanation
    assert "Peers without a value in 2018: 36061." in r.target.explanation


def test_peer_quartile_uses_25th_percentile_when_lower_is_better():
    # rate_injury_death (lower is better); peers 30, 36, 52, 60; 25th percentile:
    # position 0.25 x 3 = 0.75 -> 30 + 0.75 x (36 - 30) = 34.5
    r = one({"year": 2030, "rule": "reach_peer_top_quartile"}, metric="rate_injury_death")
    assert r.direction == -1
    assert r.target.value == pytest.approx(34.5)
    assert "25th percentile" in r.target.explanation


def test_close_gap_to_national_median_by_hand():
    # All 8 counties in 2018: 0.60 0.66 0.70 0.74 0.76 0.80 0.82 0.90 -> median
    # (0.74 + 0.76) / 2 = 0.75. Close 40%: 0.74 + 0.4 x (0.75 - 0.74) = 0.744
    r = one(
        {
            "year": 2030,
            "rule": "close_gap_to_benchmark",
            "percent": 40,
            "benchmark": "national_median",
        }
    )
    assert r.target.value == pytest.approx(0.744)
    assert "the national median of the 8 counties with data in 2018 (75.0%)" in r.target.explanation


def test_close_gap_to_number_and_state_median_by_hand():
    # 0.74 + 0.5 x (0.90 - 0.74) = 0.82
    r = one({"year": 2030, "rule": "close_gap_to_benchmark", "percent": 50, "benchmark": 0.9})
    assert r.target.value == pytest.approx(0.82)
    assert r.target.explanation == (
        "Close 50% of the gap between the baseline (74.0% in 2018) and the benchmark "
        "(90.0%, read from 0.9): 74.0% + 0.5 x (90.0% - 74.0%) = 82.0% by 2030."
    )
    # State median 0.76: 0.74 + 0.25 x (0.76 - 0.74) = 0.745
    r = one(
        {"year": 2030, "rule": "close_gap_to_benchmark", "percent": 25, "benchmark": "state_median"}
    )
    assert r.target.value == pytest.approx(0.745)


def test_close_subgroup_gap_by_hand():
    # 2018: Male 0.80, Female 0.70 -> gap 0.10; close 50% -> 0.5 x 0.10 = 0.05
    r = one(
        {
            "year": 2030,
            "rule": "close_subgroup_gap",
            "percent": 50,
            "subgroup_type": "gender",
            "group": "Female",
            "reference": "Male",
        }
    )
    assert r.tracked == "Gap: Male vs Female"
    assert r.direction == -1
    assert r.baseline.value == pytest.approx(0.10)
    assert r.target.value == pytest.approx(0.05)
    assert r.target.explanation == (
        "In 2018 Male was at 80.0% and Female at 70.0%: a gap of 10.0 percentage points. "
        "Closing 50% of it leaves (1 - 0.5) x 10.0 percentage points = 5.0 percentage points "
        "by 2030. Progress is measured on the gap."
    )
    # The gap series: 2014 0.13, 2018 0.10, 2023 0.06
    assert list(r.history["year"]) == [2014, 2018, 2023]
    assert list(r.history["value"].round(6)) == [0.13, 0.10, 0.06]


def test_unknown_subgroup_is_an_indicator_note_with_a_suggestion():
    r = one(
        {
            "year": 2030,
            "rule": "close_subgroup_gap",
            "percent": 50,
            "subgroup_type": "gender",
            "group": "Femal",
            "reference": "Male",
        }
    )
    assert r.baseline is None
    assert r.status == "no data"
    assert (
        "subgroup 'Femal' not found (did you mean 'Female'?); gender subgroups in the "
        "data: Female, Male"
    ) in r.notes


def test_absolute_target_and_too_few_state_values():
    r = one({"year": 2030, "value": 0.9})
    assert r.target.value == 0.9
    assert r.target.explanation == "Set in the plan: 90.0% (read from 0.9) by 2030."
    cross = pd.DataFrame(
        {"geoid": ["1", "2"], "name": ["a", "b"], "state": ["42", "42"], "value": [1.0, 2.0]}
    )
    computed = tg.reach_state_median(cross, "42", "Pennsylvania counties", 2018, 2030, str)
    assert computed.value is None
    assert "only 2 Pennsylvania counties have a value in 2018" in computed.explanation


def test_pure_rule_functions_by_hand():
    fmt = "{:.2f}".format
    assert tg.close_gap_to_benchmark(10, 2020, 30, "x", 25, 2030, fmt).value == 15.0
    assert tg.close_subgroup_gap("g", 40, "r", 10, 2020, 20, 2030, fmt, fmt).value == 24.0
    cross = pd.DataFrame(
        {
            "geoid": list("abcde"),
            "name": list("abcde"),
            "state": "42",
            "value": [1.0, 2.0, 3.0, 4.0, 100.0],
        }
    )
    # Peers b, c, d, e (a is the focal one): 2, 3, 4, 100; 75th pct position 2.25
    # -> 4 + 0.25 x 96 = 28
    top = tg.reach_peer_top_quartile(cross, list("abcde"), "a", 1, 2020, 2030, fmt)
    assert top.value == pytest.approx(28.0)
