"""Drafted Step 2.3 insights: thresholds, comparison sets, what is set aside, tested gaps."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from mobility_nb.data import catalog
from mobility_nb.data.metrics import load_metrics, load_subgroup_totals, load_subgroups
from mobility_nb.steps.step2.gaps import TESTED, gap_table
from mobility_nb.steps.step2.insights import CONCERN_AT, STRENGTH_AT, draft
from mobility_nb.steps.step2.standing import standing

NAN = float("nan")
METRICS = [
    "share_employed",
    "share_hs_degree",
    "share_debt_coll",
    "rate_learning",
    "pctl_income_50",
    "share_digital_access",
    "share_in_preschool",
    "share_homeless",
]


def table(rows, **extra) -> pd.DataFrame:
    """(metric, national_better, quality) -> a standing-like table (3,108 counties, no CI)."""
    out = []
    for metric, better, quality in rows:
        m = catalog.get_metric(metric)
        out.append(
            {
                "metric": metric,
                "label": m.label,
                "year": 2023,
                "value": 0.5,
                "lower": NAN,
                "upper": NAN,
                "quality": quality,
                "national_better": better,
                "national_n": 3108,
                "national_median": 0.45,
                "state_median": 0.4,
                "comparison": m.comparison,
                "vs_national": "no_bounds",
                "vs_state": "no_bounds",
                "artifact": "",
                "shared_names": "",
                "few_events": False,
                "events": NAN,
                "unreported_zero": False,
                **extra,
            }
        )
    return pd.DataFrame(out)


def labels(sentences) -> list[str]:
    found = []
    for s in sentences:
        found += [m for m in METRICS if catalog.get_metric(m).label + " was" in s]
    return found


def test_thresholds_are_inclusive():
    assert (STRENGTH_AT, CONCERN_AT) == (75.0, 25.0)
    ins = draft(
        table(
            [
                ("share_employed", 75.0, "Strong"),
                ("share_hs_degree", 74.9, "Strong"),
                ("share_debt_coll", 25.0, "Marginal"),
                ("rate_learning", 25.1, "Strong"),
                ("pctl_income_50", NAN, "Strong"),
            ]
        ),
        pd.DataFrame(),
        "county",
    )
    assert labels(ins.strengths) == ["share_employed"]
    assert labels(ins.concerns) == ["share_debt_coll"]
    assert ins.set_aside == ()


def test_strengths_and_concerns_are_ordered_and_capped_at_three():
    ins = draft(
        table(
            [
                ("share_employed", 80.0, "Strong"),
                ("share_hs_degree", 99.0, "Strong"),
                ("rate_learning", 90.0, "Marginal"),
                ("share_digital_access", 85.0, "Strong"),
                ("share_debt_coll", 5.0, "Strong"),
                ("share_in_preschool", 20.0, "Strong"),
            ]
        ),
        pd.DataFrame(),
        "place",
    )
    assert labels(ins.strengths) == ["share_hs_degree", "rate_learning", "share_digital_access"]
    assert labels(ins.concerns) == ["share_debt_coll", "share_in_preschool"]


def test_weak_metrics_are_never_used_but_listed():
    ins = draft(
        table(
            [
                ("share_employed", 95.0, "Weak"),
                ("share_debt_coll", 3.0, "Weak"),
                ("share_hs_degree", 50.0, "Weak"),  # not notable either way: not listed
                ("rate_learning", 80.0, None),  # no flag: usable
            ]
        ),
        pd.DataFrame(),
        "county",
    )
    assert labels(ins.strengths) == ["rate_learning"]
    assert ins.concerns == ()
    emp, debt = (catalog.get_metric(m).label for m in ("share_employed", "share_debt_coll"))
    assert ins.set_aside == (
        f"{emp} (2023) is flagged Weak, so it is not used here.",
        f"{debt} (2023) is flagged Weak, so it is not used here.",
    )


def test_sentence_has_value_rank_state_median_and_caveat():
    ins = draft(table([("share_employed", 81.4, "Marginal")]), pd.DataFrame(), "county")
    (sentence,) = ins.strengths
    assert sentence.startswith("Strength: Adults")
    # The comparison set is named, with its size.
    assert "was 50.0% in 2023, better than 81% of the 3,108 counties with data" in sentence
    # How sure: no bounds here, so the sentence says so instead of claiming more.
    assert "no margin of error" in sentence and "national median 45.0%" in sentence
    assert "The state median is 40.0%" in sentence
    assert "Data quality: Marginal" in sentence and "Use with caution" in sentence


def test_capped_shares_and_city_comparison_set():
    ins = draft(
        table(
            [("share_employed", 99.6, "Strong"), ("share_hs_degree", 0.4, "Strong")], national_n=104
        ),
        pd.DataFrame(),
        "place",
    )
    assert "better than more than 99% of the 104 of Urban's 486 large cities" in ins.strengths[0]
    assert "better than fewer than 1% of the 104 of Urban's 486" in ins.concerns[0]
    assert "100%" not in " ".join(ins.strengths + ins.concerns)


def test_median_inside_the_interval_is_no_strength():
    # A CI metric in the top quarter whose interval contains the national median.
    rows = table([("share_employed", 90.0, "Strong")], lower=0.40, upper=0.60, vs_national="within")
    ins = draft(rows, pd.DataFrame(), "county")
    assert ins.strengths == ()
    assert "national median lies within its 95% interval" in ins.set_aside[0]
    rows = table([("share_employed", 90.0, "Strong")], lower=0.47, upper=0.53, vs_national="higher")
    (sentence,) = draft(rows, pd.DataFrame(), "county").strengths
    assert "Its 95% interval (47.0% to 53.0%) lies entirely above the national median" in (sentence)


def test_shared_estimates_and_artifacts_are_set_aside():
    rows = pd.concat(
        [
            table(
                [("pctl_income_50", 90.0, "Strong")], shared_names="Bourbon County, Neosho County"
            ),
            table([("share_employed", 10.0, "Strong")], artifact="Not this county's own value."),
        ],
        ignore_index=True,
    )
    ins = draft(rows, pd.DataFrame(), "county", place="Allen County")
    assert ins.strengths == ins.concerns == ()
    assert "shared with Bourbon County, Neosho County" in ins.set_aside[0]
    assert "Not this county's own value." in ins.set_aside[1]
    assert any("not for Allen County alone" in x and "Bourbon County" in x for x in ins.limits)
    assert "Not this county's own value." in ins.limits


def test_fixture_cook_county(mm_fixture_dir):
    tidy = load_metrics("county", mm_fixture_dir)
    t = standing(tidy, "17031", "county")
    gaps = gap_table(load_subgroups("county", mm_fixture_dir), tidy, "17031", "county")
    ins = draft(t, gaps, "county")
    # Injury deaths: lowest of six (better than 91.7%), Strong; its interval (25-35) lies
    # below the national median of (50 + 85) / 2 = 67.5, shown whole (rates per 100,000).
    assert len(ins.strengths) == 1 and "Deaths from injury" in ins.strengths[0]
    assert "better than 92% of the 6 counties with data" in ins.strengths[0]
    assert "lies entirely below the national median of 68" in ins.strengths[0]
    # Turnout: better than 21.4% (1.5 of 7 counties).
    assert len(ins.concerns) == 1 and "21% of the 7 counties" in ins.concerns[0]
    # Low birth weight would be a strength (91.7%) but is Weak.
    assert len(ins.set_aside) == 1 and "low birth weight" in ins.set_aside[0].lower()
    assert all("birth weight" not in s for s in ins.strengths)
    assert "75%" in ins.rule and "25%" in ins.rule and "Weak" in ins.rule
    assert any("flagged Weak" in x for x in ins.limits)


def test_only_reliable_gaps_become_insights(mm_fixture_dir):
    tidy = load_metrics("place", mm_fixture_dir)
    gaps = gap_table(
        load_subgroups("place", mm_fixture_dir),
        tidy,
        "4260000",
        "place",
        load_subgroup_totals("place", mm_fixture_dir),
    )
    ins = draft(standing(tidy, "4260000", "place"), gaps, "place")
    # No fixture gap has bounds for both groups, so the drafts say they are not tested.
    assert not gaps["reliable"].any()
    assert len(ins.gaps) == 3
    for line in ins.gaps:
        assert line.startswith("Gap by ")
        assert "not tested" in line and "larger than the margin" not in line
        assert "release file" in line or "February 2024 file" in line  # the file's vintage
    # The Weak-bottomed income gap is not drafted.
    assert "Middle household income" not in " ".join(ins.gaps)


def test_gap_sentence_states_the_test():
    gaps = pd.DataFrame(
        [
            {
                "metric": "share_employed",
                "subgroup_type": "disability",
                "year": 2023,
                "best_group": "Without Disability",
                "best_value": 0.8,
                "worst_group": "With Disability",
                "worst_value": 0.45,
                "overall": 0.77,
                "z": 18.4,
                "evidence": TESTED,
                "reliable": True,
                "residents": True,
                "comparison": "higher_better",
                "release": "2025 release",
                "caveat": "",
            }
        ]
    )
    (line,) = draft(table([]), gaps, "place").gaps
    assert line == (
        "Gap by disability: Adults 25-54 who have a job (2023, 2025 release file) "
        "was 80.0% for Without Disability and 45.0% for With Disability; overall "
        "in that file 77.0%. The gap is larger than the margin of error (z = 18.4)."
    )


@pytest.mark.parametrize("level", ["county", "place"])
def test_no_data_gives_empty_draft(level):
    ins = draft(
        table([]).reindex(
            columns=[
                "metric",
                "label",
                "year",
                "value",
                "quality",
                "national_better",
                "state_median",
                "comparison",
            ]
        ),
        pd.DataFrame(),
        level,
    )
    assert ins.strengths == ins.concerns == ins.gaps == ins.set_aside == ()


def test_unflagged_strength_says_no_flag(tmp_path, mm_fixture_dir):
    data = tmp_path / "data"
    shutil.copytree(mm_fixture_dir, data)
    path = data / "11_mobility-metrics_county_longitudinal.csv"
    text = path.read_text()
    flagged = "30,25,35,Strong"  # Cook's 2023 injury deaths, value, bounds and flag
    assert text.count(flagged) == 1
    path.write_text(text.replace(flagged, "30,25,35,NA"))
    tidy = load_metrics("county", data)
    ins = draft(standing(tidy, "17031", "county"), pd.DataFrame(), "county")
    (sentence,) = ins.strengths
    assert "Deaths from injury" in sentence
    assert "nan" not in sentence and "Data quality: no flag." in sentence
