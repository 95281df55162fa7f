"""Baselines, trend feasibility and progress statuses, judged against confidence bounds."""

from __future__ import annotations

import sys
from types import SimpleNamespace

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
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    STATUSES,
    TOO_EARLY,
    WORSE,
    change_test,
    judge,
    path_value,
    standard_error,
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


B = Observation(2018, 0.74, 0.72, 0.76)  # SE = 0.02 / 1.96 = 0.010204


def test_standard_error_and_z_by_hand():
    assert standard_error(B, 0.80) == pytest.approx(0.02 / 1.96)
    # Asymmetric bounds: the half-width on the side of the comparison
    skew = Observation(2023, 0.50, 0.46, 0.60)
    assert standard_error(skew, 0.70) == pytest.approx(0.10 / 1.96)
    assert standard_error(skew, 0.30) == pytest.approx(0.04 / 1.96)
    # 0.74 [0.72, 0.76] -> 0.77 [0.76, 0.78]: z = 0.03 / sqrt(0.02^2 + 0.01^2) x 1.96 = 2.63
    change = change_test(B, Observation(2023, 0.77, 0.76, 0.78))
    assert change.z == pytest.approx(0.03 * 1.96 / (0.02**2 + 0.01**2) ** 0.5)
    assert change.z == pytest.approx(2.6297, abs=1e-4) and change.detectable
    # Without bounds nothing is tested: the values are taken as given
    plain = change_test(Observation(2018, 48.0), Observation(2021, 50.0))
    assert (plain.z, plain.tested, plain.detectable) == (None, False, True)


def test_overlapping_intervals_can_still_differ():
    # The example: 82.4% -> 90.3% with 95% half-widths of 4.16 points each.
    # The intervals [78.24, 86.56] and [86.14, 94.46] overlap, yet
    # z = 7.9 / (sqrt(2) x 4.16 / 1.96) = 2.632 > 1.96: a real change (here the wrong way).
    base = Observation(2018, 0.824, 0.824 - 0.0416, 0.824 + 0.0416)
    now = Observation(2023, 0.903, 0.903 - 0.0416, 0.903 + 0.0416)
    assert now.lower < base.upper  # overlap
    p = judge(base, now, 0.70, 2030, -1, "{:.1%}".format)
    assert p.status == WORSE
    assert p.z == pytest.approx(0.079 / (2**0.5 * 0.0416 / 1.96))
    assert p.detail == (
        "90.3% in 2023, worse than 82.4% in 2018: larger than the margins of error (z = 2.63)"
    )


# Target 0.86 by 2030 from the 2018 baseline: the path expects 0.74 + 0.12 x 5/12 = 0.79
# in 2023.
@pytest.mark.parametrize(
    ("current", "target", "direction", "status"),
    [
        # at or beyond the target
        (Observation(2023, 0.80, 0.78, 0.82), 0.79, 1, MET),
        # the whole interval [0.80, 0.84] is at or above the path value 0.79
        (Observation(2023, 0.82, 0.80, 0.84), 0.86, 1, ON_TRACK),
        # the interval [0.78, 0.82] straddles 0.79: the data cannot say
        (Observation(2023, 0.80, 0.78, 0.82), 0.86, 1, TOO_EARLY),
        # a real rise (z = 2.63) but the whole interval [0.76, 0.78] is below 0.79
        (Observation(2023, 0.77, 0.76, 0.78), 0.86, 1, OFF_TRACK),
        # a real fall when higher is better: z = -0.06 / (sqrt(2) x 0.02 / 1.96) = -4.16
        (Observation(2023, 0.68, 0.66, 0.70), 0.86, 1, WORSE),
        # the same fall is progress when lower is better: path 0.74 - 0.14 x 5/12 = 0.6817,
        # interval [0.66, 0.70] straddles it
        (Observation(2023, 0.68, 0.66, 0.70), 0.60, -1, TOO_EARLY),
        # ... and with a narrower interval [0.665, 0.675] below the path: on track
        (Observation(2023, 0.67, 0.665, 0.675), 0.60, -1, ON_TRACK),
        # a fall inside the margin of error (z = -0.69) is not "worse"; the interval
        # [0.71, 0.75] lies entirely below the path 0.79: off track
        (Observation(2023, 0.73, 0.71, 0.75), 0.86, 1, OFF_TRACK),
        # no value newer than the baseline
        (Observation(2018, 0.74, 0.72, 0.76), 0.86, 1, TOO_EARLY),
        # ... unless the baseline already meets the target
        (Observation(2018, 0.74, 0.72, 0.76), 0.70, 1, MET),
        # Urban rates the latest value Weak: no verdict, even for a large fall
        (Observation(2023, 0.50, 0.45, 0.55, "Weak"), 0.86, 1, TOO_EARLY),
    ],
)
def test_status(current, target, direction, status):
    assert judge(B, current, target, 2030, direction).status == status


def test_a_halved_gap_ahead_of_the_path_is_never_off_track():
    # Issue 9: a disability gap of 20 points [14, 26] in 2018, target: close 75% of it
    # (5 points) by 2030. By 2023 the gap is halved to 10 points. The path expects
    # 20 - 15 x 5/12 = 13.75 points in 2023.
    base = Observation(2018, 0.20, 0.14, 0.26)
    assert path_value(base, 0.05, 2030, 2023) == pytest.approx(0.1375)
    wide = judge(base, Observation(2023, 0.10, 0.04, 0.16), 0.05, 2030, -1, "{:.3f}".format)
    assert wide.status == TOO_EARLY  # [0.04, 0.16] includes 0.1375
    assert "which lies inside the 95% interval (0.040 to 0.160)" in wide.detail
    narrow = judge(base, Observation(2023, 0.10, 0.07, 0.13), 0.05, 2030, -1)
    assert narrow.status == ON_TRACK  # [0.07, 0.13] is entirely below 0.1375
    plain = judge(Observation(2018, 0.20), Observation(2023, 0.10), 0.05, 2030, -1)
    assert plain.status == ON_TRACK and plain.on_bounds is False  # judged as given


def test_off_track_only_when_the_whole_interval_misses_the_path():
    p = judge(B, Observation(2023, 0.77, 0.76, 0.78), 0.86, 2030, 1, "{:.2f}".format)
    assert p.status == OFF_TRACK and p.detectable is True
    assert p.detail == (
        "changed from 0.74 in 2018 to 0.77 in 2023 (z = 2.63); the straight "
        "path to the target expects 0.79 by 2023, and the whole 95% interval "
        "(0.76 to 0.78) falls short of it"
    )


def test_without_ci_values_are_judged_as_given():
    base, cur = Observation(2018, 48.0), Observation(2021, 50.0)
    p = judge(base, cur, 34.5, 2030, -1)
    assert p.status == WORSE and p.on_bounds is False
    assert "(no published confidence interval: judged on the values as given)" in p.detail
    # 100 -> 160 with a target of 400 by 2030: the path expects 100 + 300 x 5/12 = 225
    p = judge(Observation(2018, 100.0), Observation(2023, 160.0), 400, 2030, 1)
    assert p.status == OFF_TRACK and p.path_value == pytest.approx(225.0)


def test_no_data_and_no_verdict_reasons():
    assert judge(None, B, 1, 2030, 1).status == NO_DATA
    assert judge(None, B, 1, 2030, 1).detail == "no baseline value for this place yet"
    assert judge(B, Observation(2023, 0.8, 0.78, 0.82), None, None, 1).status == TOO_EARLY
    assert judge(B, Observation(2023, 0.8, 0.78, 0.82), None, None, 1).detail == (
        "no target value to judge against"
    )
    assert judge(B, B, 0.86, 2030, 1).detail == "no value newer than the 2018 baseline yet"
    assert judge(B, Observation(2023, 0.8, 0.78, 0.82), 0.86, 2030, 0).status == TOO_EARLY
    weak = judge(Observation(2018, 0.74, 0.70, 0.78, "Weak"), Observation(2023, 0.9), 0.86, 2030, 1)
    assert weak.detail == (
        "no verdict: Urban rates the 2018 value Weak (a community should not act on it)"
    )
    assert STATUSES == (MET, ON_TRACK, OFF_TRACK, TOO_EARLY, WORSE, NO_DATA)


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
    # Gap 0.10 -> 0.06, bounds +-sqrt(0.02^2 + 0.02^2) = 0.0283; target 0.05 by 2030, the
    # path expects 0.10 - 0.05 x 5/12 = 0.0792 in 2023, inside [0.0317, 0.0883]
    gap = by_name["Employment gap, women vs men"]
    assert gap.current.value == pytest.approx(0.06)
    assert gap.current.upper - gap.current.value == pytest.approx(0.02 * 2**0.5)
    assert gap.progress.path_value == pytest.approx(0.10 - 0.05 * 5 / 12)
    assert gap.status == TOO_EARLY
    # Local counts 100 (2018) -> 160 (2023); target 400 by 2030: path at 2023 is
    # 100 + 300 x 5/12 = 225 > 160 -> off track. Other geographies' rows are ignored.
    jobs = by_name["Job placements"]
    assert list(jobs.history["value"]) == [100, 130, 160]
    assert jobs.status == OFF_TRACK
    # Injury deaths (lower is better) 48 -> 47 but path 48 + (34.5 - 48) x 5/12 = 42.375
    injury = by_name["Injury deaths"]
    assert injury.feasibility.verdict == OUT_OF_REACH  # 40, 44, 48: rising 2 a year
    assert injury.status == OFF_TRACK
    # Survey 41 [37, 45] -> 46 [42, 50]; target 41 + 0.5 x (60 - 41) = 50.5; the path
    # expects 41 + 9.5 x 5/12 = 44.96 in 2023, inside [42, 50]; z = 5 / (sqrt(2) x 4/1.96)
    survey = by_name["Survey share"]
    assert survey.target.value == pytest.approx(41 + 0.5 * (60 - 41))
    assert survey.progress.z == pytest.approx(5 / (2**0.5 * 4 / 1.96))
    assert survey.status == TOO_EARLY
    assert by_name["Not collected yet"].status == NO_DATA
    counts = dict(zip(*status_counts(result).to_dict("list").values(), strict=True))
    assert counts == {MET: 1, ON_TRACK: 0, OFF_TRACK: 2, TOO_EARLY: 2, WORSE: 0, NO_DATA: 1}


def test_current_year_moves_the_judgement_back():
    plan = load_plan(FIXTURES / "plan_valid.yaml")
    result = assess_plan(plan, ALPHA, fixture_sources(), current_year=2021)
    injury = next(r for r in result.results if r.indicator.name == "Injury deaths")
    assert injury.current.year == 2021
    assert injury.status == WORSE  # 48 -> 50, lower is better
    gap = next(r for r in result.results if r.indicator.name.startswith("Employment gap"))
    assert gap.status == TOO_EARLY  # no subgroup values between 2018 and 2021
    assert gap.progress.detail == "no value newer than the 2018 baseline yet"


def _local_plan(tmp_path, rows, target, direction="higher", unit="count", **extra):
    data = tmp_path / "mine.csv"
    data.write_text(
        "geography,year,value,lower,upper,subgroup\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    return load_plan(
        {
            "baseline_year": 2018,
            "actions": [
                {
                    "name": "a",
                    "indicators": [
                        {
                            "name": "Local",
                            "source": {"kind": "local", "file": str(data)},
                            "unit": unit,
                            "direction": direction,
                            "target": target,
                            "responsible": "r",
                            **extra,
                        }
                    ],
                }
            ],
        }
    )


def test_on_track_and_out_of_reach_are_explained_together(tmp_path):
    # 12, 11, 10 before the baseline (trend -0.5 a year: out of reach, the wrong way);
    # target 20 by 2028; 18 in 2023 is past the path's 10 + 10 x 5/10 = 15 -> on track.
    plan = _local_plan(
        tmp_path,
        [
            "42001,2014,12,,,All",
            "42001,2016,11,,,All",
            "42001,2018,10,,,All",
            "42001,2023,18,,,All",
        ],
        {"year": 2028, "value": 20},
    )
    r = assess_plan(plan, ALPHA, fixture_sources()).results[0]
    assert r.status == ON_TRACK and r.feasibility.out_of_reach
    assert r.progress.detail.endswith(
        "Both hold: at the trend before the baseline the target looked out of reach (needs "
        "+1.0 a year; the 2014-2018 trend is \u22120.5 a year (the wrong way)), but since the "
        "baseline the value has moved faster than that trend and is ahead of the path."
    )


def test_every_on_track_or_met_row_that_looked_out_of_reach_says_why():
    plan = load_plan(FIXTURES / "plan_valid.yaml")
    for r in assess_plan(plan, ALPHA, fixture_sources()).results:
        if r.status in (ON_TRACK, MET) and r.feasibility and r.feasibility.out_of_reach:
            assert "Both hold:" in r.progress.detail


def test_a_disability_gap_from_local_data_with_bounds(tmp_path):
    # Without 0.30 [0.26, 0.34] vs With 0.10 [0.06, 0.14] in 2018: gap 0.20, half-width
    # sqrt(0.04^2 + 0.04^2) = 0.0566. In 2023 0.30 vs 0.20 (+-0.04): gap 0.10 (halved).
    # Close 75%: target 0.05 by 2030; path at 2023: 0.20 - 0.15 x 5/12 = 0.1375, inside
    # [0.0434, 0.1566] -> too early to tell, never off track.
    rows = [
        "42001,2018,0.30,0.26,0.34,Without a disability",
        "42001,2018,0.10,0.06,0.14,With a disability",
        "42001,2023,0.30,0.26,0.34,Without a disability",
        "42001,2023,0.20,0.16,0.24,With a disability",
    ]
    plan = _local_plan(
        tmp_path,
        rows,
        {
            "year": 2030,
            "rule": "close_subgroup_gap",
            "percent": 75,
            "subgroup_type": "disability",
            "group": "With a disability",
            "reference": "Without a disability",
        },
        unit="share",
    )
    r = assess_plan(plan, ALPHA, fixture_sources()).results[0]
    assert r.baseline.value == pytest.approx(0.20) and r.current.value == pytest.approx(0.10)
    assert r.target.value == pytest.approx(0.05)
    assert r.status == TOO_EARLY


def test_a_rule_that_sets_a_target_worse_than_the_baseline_says_so():
    # Epsilon County (42009) has 0.82 in 2018; the Pennsylvania median is 0.76
    epsilon = SimpleNamespace(geoid="42009", level="county", name="Epsilon County", state="42")
    plan = load_plan(
        {
            "baseline_year": 2018,
            "actions": [
                {
                    "name": "a",
                    "indicators": [
                        {
                            "name": "Employment",
                            "source": {"kind": "mobility_metric", "metric": "share_employed"},
                            "target": {"year": 2030, "rule": "reach_state_median"},
                            "responsible": "r",
                        }
                    ],
                }
            ],
        }
    )
    r = assess_plan(plan, epsilon, fixture_sources()).results[0]
    assert r.target.value == pytest.approx(0.76)
    warning = (
        "The state-median rule gives a target (76.0%) worse than the 2018 baseline "
        "(82.0%; below it, while higher is better): the place is already past it. "
        "Choose another rule or type a target beyond the baseline."
    )
    assert r.target.warning == warning
    assert r.target.text.endswith(warning)
    assert warning in r.notes


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
    assert r.status == NO_DATA
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
    # 0.30 [.28, .32] -> 0.25 [.23, .27]: z = -0.05 / (sqrt(2) x 0.02 / 1.96) = -3.46, a real
    # fall; the path expects 0.30 - 0.1 x 4/12 = 0.2667, inside [0.23, 0.27] -> too early
    assert r.status == TOO_EARLY
    assert r.progress.z == pytest.approx(-0.05 / (2**0.5 * 0.02 / 1.96))
    assert r.progress.detail.endswith(
        "The ACS 5-year periods ending 2018 and 2022 share survey years; the test ignores "
        "that overlap."
    )
    assert r.units.value(r.baseline.value) == "30.0%"


def test_a_typed_target_worse_than_the_baseline_says_so():
    # Alpha's 2018 baseline is 0.74; a typed 70% target lies below it while higher is better
    plan = load_plan(
        {
            "baseline_year": 2018,
            "actions": [
                {
                    "name": "a",
                    "indicators": [
                        {
                            "name": "Employment",
                            "source": {"kind": "mobility_metric", "metric": "share_employed"},
                            "target": {"year": 2030, "value": "70%"},
                            "responsible": "r",
                        }
                    ],
                }
            ],
        }
    )
    r = assess_plan(plan, ALPHA, fixture_sources()).results[0]
    assert r.target.warning == (
        "The target typed in the plan (70.0%) is worse than the 2018 baseline (74.0%; below it, "
        "while higher is better): the place is already past it. Type a target beyond the "
        "baseline."
    )
    assert r.status == MET  # true, and explained by the warning beside it
