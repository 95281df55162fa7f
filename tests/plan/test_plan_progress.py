"""Baselines, trend feasibility and progress statuses, judged against confidence bounds."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from support.plan import ALPHA, FIXTURES, fixture_sources

from mobility_nb.plan import assess_plan, load_plan, status_counts
from mobility_nb.plan.baselines import (
    ALREADY_MET,
    NO_TREND,
    OUT_OF_REACH,
    WITHIN_REACH,
    Observation,
    feasibility,
    pick,
    trend,
)
from mobility_nb.plan.progress import (
    MET,
    NOT_ENOUGH_DATA,
    OFF_TRACK,
    ON_TRACK,
    WORSE,
    detectable_change,
    judge,
    path_value,
)

NAN = float("nan")


def history(*rows):
    return pd.DataFrame(rows, columns=["year", "value", "lower", "upper", "quality"])


H = history(
    (2014, 0.70, 0.68, 0.72, "Strong"),
    (2016, 0.72, 0.70, 0.74, "Strong"),
    (2018, 0.74, 0.72, 0.76, "Marginal"),
    (2021, None, None, None, None),
    (2023, 0.80, 0.78, 0.82, "Strong"),
)


def test_pick_takes_latest_value_in_or_before_the_cap():
    assert pick(H) == Observation(2023, 0.80, 0.78, 0.82, "Strong")
    assert pick(H, 2019) == Observation(2018, 0.74, 0.72, 0.76, "Marginal")
    assert pick(H, 2021).year == 2018  # 2021 has no value
    assert pick(H, 2010) is None


def test_trend_is_least_squares_up_to_the_baseline():
    # (2014, .70), (2016, .72), (2018, .74): slope exactly 0.01 a year
    t = trend(H, 2018)
    assert t.slope == pytest.approx(0.01)
    assert (t.n_years, t.first_year, t.last_year) == (3, 2014, 2018)
    # Least squares, not first-to-last: (0, 0), (1, 3), (2, 0) has slope 0
    assert trend(
        history((2000, 0, NAN, NAN, None), (2001, 3, NAN, NAN, None), (2002, 0, NAN, NAN, None)),
        2002,
    ).slope == pytest.approx(0.0)
    assert trend(H, 2015) is None  # one value only


def test_feasibility_flags_targets_out_of_reach_at_the_historical_pace():
    base = Observation(2018, 0.74)
    t = trend(H, 2018)  # +0.01 a year
    # Needs (0.86 - 0.74) / 12 = 0.01 a year: exactly the trend -> within reach
    assert feasibility(base, 0.86, 2030, 1, t).verdict == WITHIN_REACH
    # Needs (0.98 - 0.74) / 12 = 0.02 a year > 0.01 -> out of reach (too slow)
    f = feasibility(base, 0.98, 2030, 1, t)
    assert f.verdict == OUT_OF_REACH and f.out_of_reach
    assert f.required_per_year == pytest.approx(0.02)
    assert f.reason.endswith("(too slow)")
    # Lower is better but the trend rises -> out of reach, the wrong way
    f = feasibility(base, 0.60, 2030, -1, t)
    assert f.verdict == OUT_OF_REACH and f.reason.endswith("(the wrong way)")
    assert feasibility(base, 0.70, 2030, 1, t).verdict == ALREADY_MET
    assert feasibility(base, 0.80, 2030, 1, None).verdict == NO_TREND


B = Observation(2018, 0.74, 0.72, 0.76)


@pytest.mark.parametrize(
    ("current", "target", "direction", "status"),
    [
        # reached the target
        (Observation(2023, 0.80, 0.78, 0.82), 0.79, 1, MET),
        # detectable rise (0.78 > 0.76), path at 2023 = 0.74 + 0.06 x 5/12 = 0.765 <= upper
        (Observation(2023, 0.80, 0.78, 0.82), 0.86, 1, ON_TRACK),
        # detectable rise but path 0.74 + 0.36 x 5/12 = 0.89 > upper 0.82
        (Observation(2023, 0.80, 0.78, 0.82), 1.10, 1, OFF_TRACK),
        # intervals overlap (0.75 <= 0.76): no detectable change -> off track
        (Observation(2023, 0.77, 0.75, 0.79), 0.86, 1, OFF_TRACK),
        # detectable fall when higher is better -> worse
        (Observation(2023, 0.68, 0.66, 0.70), 0.86, 1, WORSE),
        # the same fall is progress when lower is better
        (Observation(2023, 0.68, 0.66, 0.70), 0.60, -1, ON_TRACK),
        # a fall inside the margin of error is not "worse"
        (Observation(2023, 0.73, 0.71, 0.75), 0.86, 1, OFF_TRACK),
        # no newer data than the baseline
        (Observation(2018, 0.74, 0.72, 0.76), 0.86, 1, NOT_ENOUGH_DATA),
    ],
)
def test_status(current, target, direction, status):
    assert judge(B, current, target, 2030, direction).status == status


def test_no_detectable_change_is_explained():
    p = judge(B, Observation(2023, 0.77, 0.75, 0.79), 0.86, 2030, 1, "{:.2f}".format)
    assert p.status == OFF_TRACK and p.detectable is False
    assert p.detail == (
        "no detectable change from 0.74 in 2018 to 0.77 in 2023: the confidence intervals overlap"
    )


def test_without_ci_point_values_are_compared():
    base, cur = Observation(2018, 48.0), Observation(2021, 50.0)
    assert detectable_change(base, cur) == (True, False)
    p = judge(base, cur, 34.5, 2030, -1)
    assert p.status == WORSE
    assert "(no confidence interval: point values compared)" in p.detail


def test_not_enough_data_reasons():
    assert judge(None, B, 1, 2030, 1).detail == "no baseline value"
    assert judge(B, B, None, None, 1).detail == "no target value"
    assert judge(B, None, 1, 2030, 1).detail == "no data newer than the baseline (2018) yet"


def test_path_value_is_capped_at_the_target_year():
    assert path_value(B, 0.86, 2030, 2024) == pytest.approx(0.74 + 0.12 * 6 / 12)
    assert path_value(B, 0.86, 2030, 2035) == pytest.approx(0.86)


def test_whole_plan_on_fixture_data():
    plan = load_plan(FIXTURES / "plan_valid.yaml")
    result = assess_plan(plan, ALPHA, fixture_sources())
    by_name = {r.indicator.name: r for r in result.results}
    emp = by_name["Employment rate"]
    # Baseline 2018 0.74 [0.72, 0.76]; state median target 0.76; 2023 0.80 -> met
    assert (emp.baseline.year, emp.baseline.value) == (2018, 0.74)
    assert (emp.baseline.lower, emp.baseline.upper) == (0.72, 0.76)
    assert emp.status == MET
    # Gap 0.10 -> 0.06; bounds +-sqrt(0.02^2 + 0.02^2) = 0.0283 overlap -> off track
    gap = by_name["Employment gap, women vs men"]
    assert gap.current.value == pytest.approx(0.06)
    assert gap.current.upper - gap.current.value == pytest.approx(0.02 * 2**0.5)
    assert gap.status == OFF_TRACK and "confidence intervals overlap" in gap.progress.detail
    # Local counts 100 (2018) -> 160 (2023); target 400 by 2030: path at 2023 is
    # 100 + 300 x 5/12 = 225 > 160 -> off track. Other geographies' rows are ignored.
    jobs = by_name["Job placements"]
    assert list(jobs.history["value"]) == [100, 130, 160]
    assert jobs.status == OFF_TRACK
    # Injury deaths (lower is better) 48 -> 47 but path 48 + (34.5 - 48) x 5/12 = 42.375
    injury = by_name["Injury deaths"]
    assert injury.feasibility.verdict == OUT_OF_REACH  # 40, 44, 48: rising 2 a year
    assert injury.status == OFF_TRACK
    survey = by_name["Survey share"]  # 41 [37, 45] -> 46 [42, 50]: overlap
    assert survey.target.value == pytest.approx(41 + 0.5 * (60 - 41))
    assert survey.status == OFF_TRACK
    counts = dict(zip(*status_counts(result).to_dict("list").values(), strict=True))
    assert counts == {MET: 1, ON_TRACK: 0, OFF_TRACK: 4, WORSE: 0, NOT_ENOUGH_DATA: 1}


def test_current_year_moves_the_judgement_back():
    plan = load_plan(FIXTURES / "plan_valid.yaml")
    result = assess_plan(plan, ALPHA, fixture_sources(), current_year=2021)
    injury = next(r for r in result.results if r.indicator.name == "Injury deaths")
    assert injury.current.year == 2021
    assert injury.status == WORSE  # 48 -> 50, lower is better
    gap = next(r for r in result.results if r.indicator.name.startswith("Employment gap"))
    assert gap.status == NOT_ENOUGH_DATA  # no subgroup values between 2018 and 2021


def test_data_gaps_and_quality_notes():
    plan = load_plan(FIXTURES / "plan_valid.yaml")
    result = assess_plan(plan, ALPHA, fixture_sources())
    gaps = {r.indicator.name: r.gaps for r in result.results}
    assert gaps["Not collected yet"][0] == (
        "no data source yet: the coalition has to start collecting it"
    )
    assert "no disaggregation planned (e.g. by race/ethnicity)" in gaps["Injury deaths"]
    assert gaps["Employment rate"] == ()  # gender breakdown exists in the fixture
    assert gaps["Job placements"] == ()  # the local file has subgroup rows
    assert gaps["Survey share"] == (
        "the local file has no subgroup rows, so no race/ethnicity breakdown",
    )
    weak = load_plan(
        {
            "actions": [
                {
                    "name": "a",
                    "indicators": [
                        {
                            "name": "Preschool",
                            "source": {"kind": "mobility_metric", "metric": "share_in_preschool"},
                            "responsible": "r",
                            "disaggregation": ["income"],
                        }
                    ],
                }
            ]
        }
    )
    r = assess_plan(weak, ALPHA, fixture_sources()).results[0]
    assert r.baseline.year == 2023  # no baseline year: the latest data
    assert r.gaps[0].startswith("the 2023 baseline is rated Weak")
    assert "no income breakdown of this measure in the data for this jurisdiction" in r.gaps


def test_missing_acs_store_is_a_data_gap_not_a_crash(monkeypatch):
    monkeypatch.setitem(sys.modules, "mobility_nb.acs", None)
    plan = load_plan(
        {
            "actions": [
                {
                    "name": "a",
                    "indicators": [
                        {
                            "name": "Rent burden",
                            "source": {"kind": "acs", "indicator": "rent_burden"},
                            "unit": "share",
                            "direction": "lower",
                            "target": {"year": 2030, "value": 0.2},
                            "responsible": "r",
                        }
                    ],
                }
            ]
        }
    )
    r = assess_plan(plan, ALPHA, fixture_sources()).results[0]
    assert r.status == NOT_ENOUGH_DATA
    assert r.gaps[0].startswith("ACS store not available: run `mobility-nb census fetch`")


def test_acs_provider_protocol_with_a_store():
    class Store:
        def history(self, indicator, geoid):
            assert (indicator, geoid) == ("rent_burden", "42001")
            return pd.DataFrame(
                {
                    "year": [2018, 2022],
                    "value": [0.30, 0.25],
                    "lower": [0.28, 0.23],
                    "upper": [0.32, 0.27],
                    "quality": [None, None],
                }
            )

    from mobility_nb.plan.sources import AcsSource

    sources = fixture_sources()
    sources.acs = AcsSource(store=Store())
    plan = load_plan(
        {
            "baseline_year": 2018,
            "actions": [
                {
                    "name": "a",
                    "indicators": [
                        {
                            "name": "Rent burden",
                            "source": {"kind": "acs", "indicator": "rent_burden"},
                            "unit": "share",
                            "direction": "lower",
                            "target": {"year": 2030, "value": 0.2},
                            "responsible": "r",
                        }
                    ],
                }
            ],
        }
    )
    r = assess_plan(plan, ALPHA, sources).results[0]
    # 0.30 [.28, .32] -> 0.25 [.23, .27]: detectable fall; path 0.30 - 0.1 x 4/12 = 0.2667;
    # lower bound 0.23 <= path -> on track
    assert r.status == ON_TRACK
    assert r.units.value(r.baseline.value) == "30.0%"
