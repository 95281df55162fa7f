"""Targets are typed in the units the page shows; implausible ones name the field."""

from __future__ import annotations

import pytest
from support.plan import ALPHA, FIXTURES, fixture_sources

from mobility_nb.data.catalog import get_metric
from mobility_nb.plan import PlanError, assess_plan, load_plan
from mobility_nb.plan.units import TypedValueError, read_typed, units_for

SHARE = units_for("", get_metric("share_employed"))
PER_100 = units_for("", get_metric("share_affordable_80_ami"))  # stored per household
DOLLARS = units_for("", get_metric("pctl_income_20"))
PERCENT = units_for("percent")  # local and ACS percentages, stored 0-100
COUNT = units_for("count")


@pytest.mark.parametrize(
    ("typed", "stored", "confirmation"),
    [
        (0.60, 0.60, "60.0% (read from 0.6)"),
        (60, 0.60, "60.0% (read from 60)"),
        ("60%", 0.60, "60.0%"),
        ("60 %", 0.60, "60.0%"),
        ("0.5%", 0.005, "0.5%"),  # a percentage under one needs its % sign
        (0, 0.0, "0.0% (read from 0)"),
        ("100%", 1.0, "100.0%"),
    ],
)
def test_shares_are_read_as_percent_or_fraction(typed, stored, confirmation):
    read = read_typed(typed, SHARE)
    assert read.stored == pytest.approx(stored)
    assert read.confirmation() == confirmation


def test_percent_indicators_store_0_to_100():
    assert read_typed(0.6, PERCENT).stored == pytest.approx(60.0)
    assert read_typed("60%", PERCENT).stored == pytest.approx(60.0)
    assert read_typed(60, PERCENT).stored == pytest.approx(60.0)


def test_per_100_metrics_are_typed_per_100():
    read = read_typed(75, PER_100)
    assert read.stored == pytest.approx(0.75)  # the file stores homes per household
    assert read.confirmation() == "75 (typed per 100)"
    assert read_typed("1.5 per 100", PER_100).stored == pytest.approx(0.015)


def test_dollars_and_counts():
    assert read_typed("$45,000", DOLLARS).stored == 45000
    assert read_typed(45000, DOLLARS).confirmation() == "$45,000"
    assert read_typed("1,200", COUNT).stored == 1200
    assert read_typed(-3, units_for("")).stored == -3  # a plain number may be negative


@pytest.mark.parametrize(
    ("typed", "units", "message"),
    [
        (1, SHARE, "1 could mean 100% or 1%; type 100% or 1% (with the % sign)"),
        (
            "150%",
            SHARE,
            "150% is over 100%, which a share cannot be; type a percentage, e.g. 60% "
            "(60 and 0.60 are read the same way)",
        ),
        (6200, SHARE, "6200 (read as 6200%) is over 100%"),
        (-0.1, SHARE, "-0.1 is negative, but a share cannot be"),
        (
            7500,
            PER_100,
            "7500 per 100 is not plausible (more than 10 for every one); targets for "
            "this measure are typed per 100, e.g. 75 for 75 per 100",
        ),
        (
            0.75,
            PER_100,
            "0.75 per 100 is below any place in the data; targets for this measure "
            "are typed per 100 (the data file's 0.75 per one would be 75 per 100): "
            "type 75",
        ),
        ("75%", PER_100, "'75%' has a % sign, but this indicator is not a share"),
        (-5, COUNT, "-5 is negative, but a count cannot be; type a whole number, e.g. 400"),
        ("$40", COUNT, "'$40' has a $ sign, but this indicator is not in dollars"),
        ("lots", COUNT, "'lots' is not a number"),
        (True, COUNT, "must be a number, not True"),
    ],
)
def test_implausible_values_say_what_to_type(typed, units, message):
    with pytest.raises(TypedValueError) as info:
        read_typed(typed, units)
    assert str(info.value).startswith(message)


def _plan(metric: str, target: dict) -> dict:
    return {
        "baseline_year": 2018,
        "actions": [
            {
                "name": "a",
                "indicators": [
                    {
                        "name": "x",
                        "source": {"kind": "mobility_metric", "metric": metric},
                        "responsible": "r",
                        "target": target,
                    }
                ],
            }
        ],
    }


def test_the_plan_names_the_field_of_every_implausible_target():
    plan = _plan("share_affordable_80_ami", {"year": 2030, "value": 7500})
    plan["actions"][0]["indicators"].append(
        {
            "name": "y",
            "source": {"kind": "local"},
            "unit": "count",
            "responsible": "r",
            "target": {"year": 2030, "value": -40},
        }
    )
    with pytest.raises(PlanError) as info:
        load_plan(plan)
    assert info.value.problems == [
        "actions[0].indicators[0].target.value: 7500 per 100 is not plausible (more than 10 "
        "for every one); targets for this measure are typed per 100, e.g. 75 for 75 per 100",
        "actions[0].indicators[1].target.value: -40 is negative, but a count cannot be; type "
        "a whole number, e.g. 400",
    ]


def test_benchmarks_are_typed_in_the_same_units():
    plan = load_plan(
        _plan(
            "share_employed",
            {"year": 2030, "rule": "close_gap_to_benchmark", "percent": "50%", "benchmark": "90%"},
        )
    )
    target = plan.actions[0].indicators[0].target
    assert (target.benchmark, target.percent) == (pytest.approx(0.9), 50.0)


def test_the_page_confirms_how_a_target_was_read():
    r = assess_plan(
        load_plan(_plan("share_employed", {"year": 2030, "value": 0.82}), base_dir=FIXTURES),
        ALPHA,
        fixture_sources(),
    ).results[0]
    assert r.target.value == pytest.approx(0.82)
    assert r.target.explanation == "Set in the plan: 82.0% (read from 0.82) by 2030."
    r = assess_plan(
        load_plan(_plan("share_affordable_80_ami", {"year": 2030, "value": 75})),
        ALPHA,
        fixture_sources(),
    ).results[0]
    assert r.target.value == pytest.approx(0.75)
    assert r.target.explanation == "Set in the plan: 75 (typed per 100) by 2030."


@pytest.mark.parametrize(("typed", "percent"), [(50, 50.0), ("50%", 50.0), (0.5, 50.0), (25, 25.0)])
def test_the_share_of_a_gap_to_close_reads_like_a_target(typed, percent):
    plan = load_plan(
        _plan(
            "share_employed",
            {
                "year": 2030,
                "rule": "close_gap_to_benchmark",
                "percent": typed,
                "benchmark": "state_median",
            },
        )
    )
    assert plan.actions[0].indicators[0].target.percent == pytest.approx(percent)


def test_an_ambiguous_share_of_a_gap_is_refused():
    with pytest.raises(PlanError) as info:
        load_plan(
            _plan(
                "share_employed",
                {
                    "year": 2030,
                    "rule": "close_gap_to_benchmark",
                    "percent": 1,
                    "benchmark": "state_median",
                },
            )
        )
    assert info.value.problems == [
        "actions[0].indicators[0].target.percent: 1 could mean 100% or 1%; type 100% or 1% "
        "(with the % sign) of the gap"
    ]
