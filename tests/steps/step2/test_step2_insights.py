"""Drafted Step 2.3 insights: thresholds, Weak data set aside, reliable gaps only."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from mobility_nb.data import catalog
from mobility_nb.data.metrics import load_metrics, load_subgroups
from mobility_nb.steps.step2.gaps import gap_table
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


def table(rows) -> pd.DataFrame:
    """(metric, national_better, quality) -> a standing-like table."""
    out = []
    for metric, better, quality in rows:
        m = catalog.get_metric(metric)
        out.append(
            {
                "metric": metric,
                "label": m.label,
                "year": 2023,
                "value": 0.5,
                "quality": quality,
                "national_better": better,
                "state_median": 0.4,
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
    assert "was 50.0% in 2023, better than 81% of US counties" in sentence
    assert "the state median is 40.0%" in sentence
    assert "(data quality: Marginal)" in sentence and "Use with caution" in sentence


def test_fixture_cook_county(mm_fixture_dir):
    tidy = load_metrics("county", mm_fixture_dir)
    t = standing(tidy, "17031", "county")
    gaps = gap_table(load_subgroups("county", mm_fixture_dir), tidy, "17031", "county")
    ins = draft(t, gaps, "county")
    # Injury deaths: lowest of six (better than 91.7%), Strong.
    assert len(ins.strengths) == 1 and "Deaths from injury" in ins.strengths[0]
    assert "better than 92% of US counties" in ins.strengths[0]
    # Turnout: better than 21.4% (1.5 of 7 counties).
    assert len(ins.concerns) == 1 and "21%" in ins.concerns[0]
    # Low birth weight would be a strength (91.7%) but is Weak.
    assert len(ins.set_aside) == 1 and "low birth weight" in ins.set_aside[0].lower()
    assert all("birth weight" not in s for s in ins.strengths)
    assert "75%" in ins.rule and "25%" in ins.rule and "Weak" in ins.rule


def test_only_reliable_gaps_become_insights(mm_fixture_dir):
    tidy = load_metrics("place", mm_fixture_dir)
    gaps = gap_table(load_subgroups("place", mm_fixture_dir), tidy, "4260000", "place")
    ins = draft(standing(tidy, "4260000", "place"), gaps, "place")
    reliable = gaps[gaps["reliable"]].head(3)
    assert len(ins.gaps) == 3
    for line, (_, g) in zip(ins.gaps, reliable.iterrows(), strict=True):
        assert line.startswith(f"Gap: {catalog.get_metric(g['metric']).label} ({g['year']})")
        assert g["best_group"] in line and g["worst_group"] in line
    # The Weak-bottomed income gap and the overlapping reading gap are not drafted.
    text = " ".join(ins.gaps)
    assert "Middle household income" not in text and "Reading growth" not in text


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
    assert "nan" not in sentence and "(data quality: no flag)" in sentence
