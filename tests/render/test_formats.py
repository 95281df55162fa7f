"""The one formatter: units, precision, the minus sign, the missing mark, labels, escaping."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mobility_nb.data.catalog import get_metric
from mobility_nb.render import formats as f

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f.number(-1.5, 1), f"{MINUS}1.5"),
        (f.number(-0.04, 1), "0.0"),  # never "−0.0"
        (f.number(-0.04, 1, signed=True), "0.0"),
        (f.number(0.04, 1, signed=True), "0.0"),
        (f.number(1234567), "1,234,567"),
        (f.percent(0.1449), "14.5%"),
        (f.percent(-0.0004), "0.0%"),
        (f.percent_value(14.49), "14.5%"),
        (f.points(-0.012, signed=True), f"{MINUS}1.2 percentage points"),
        (f.points(0.012, signed=True, short=True), "+1.2 pp"),
        (f.points(2.5, scale=1), "2.5 percentage points"),
        (f.dollars(30586.4), "$30,586"),
        (f.dollars(-1200), f"{MINUS}$1,200"),
        (f.dollars(1200, signed=True), "+$1,200"),
        (f.rate(1871.66), "1,872"),
        (f.rate(34.5), "35"),  # half up, as people round (Python's round gives 34)
        (f.number(-2.25, 1), f"{MINUS}2.3"),
        (f.rate(1871.66, unit=True), "1,872 per 100,000"),
        (f.year_span(2018, 2023), "2018\u20132023"),
        (f.year_span(2023.0, 2023), "2023"),
        (f.long_date("2026-12-01T09:23:00+00:00"), "December 1, 2026"),
    ],
)
def test_numbers(text, expected):
    assert text == expected


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, "NA", "", float("inf")])
def test_one_missing_mark(missing):
    assert f.number(missing) == f.MISSING
    assert f.percent(missing) == f.MISSING
    assert f.dollars(missing) == f.MISSING
    assert f.metric_value(get_metric("share_employed"), missing) == f.MISSING


def test_metric_values_and_changes_carry_units():
    share, money = get_metric("share_employed"), get_metric("pctl_income_50")
    crime = get_metric("rate_crime_violent")
    assert f.metric_value(share, 0.824) == "82.4%"
    assert f.metric_change(share, -0.063) == f"{MINUS}6.3 percentage points"
    assert f.metric_change(share, -0.0004) == "0.0 percentage points"
    assert f.metric_change(money, 1200) == "+$1,200"
    assert f.metric_value(crime, 1871.66) == "1,872"
    assert f.metric_unit(crime) == "per 100,000 people"
    assert f.metric_unit(share) == ""
    assert f.metric_gap(share, -0.123) == "12.3 percentage points"


def test_labels_replace_variable_names():
    assert f.label("share_employed") == "Adults 25-54 who have a job"
    assert f.label("filing_rate_per_100") == "Filing rate per 100"
    assert f.label("acs_median_income") == "ACS median income"
    assert f.label("Already words") == "Already words"


def test_html_text_escapes_and_isolates_dollar_signs():
    out = f.html_text("<b>$50,000 or More</b> & $75,000")
    assert "<b>" not in out and "&lt;b&gt;" in out and "&amp;" in out
    # no two $ signs in one run of text: MathJax cannot pair them into a formula
    assert out.count("<span>$</span>") == 2
    assert "$" not in out.replace("<span>$</span>", "")


def test_acs_values_in_their_units():
    assert f.acs_estimate(250001.0, "dollars") == "$250,000 or more"  # top-coded median
    assert f.acs_estimate(41250.0, "dollars") == "$41,250"
    assert f.acs_moe(2.345, "percent") == "\u00b12.3 points"
    assert f.acs_moe(-1234.0, "dollars") == "\u00b1$1,234"
    assert f.acs_estimate(float("nan"), "percent") == f.MISSING
    assert f.local_number(11831.0) == "11,831" and f.local_number(17.7) == "17.7"
    assert f.local_number(0.086) == "0.086"
    assert f.group_label("Black or African American alone") == "Black alone"
    assert f.group_label("White alone, not Hispanic or Latino") == ("White alone (non-Hispanic)")
