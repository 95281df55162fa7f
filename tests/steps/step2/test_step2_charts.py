"""Step 2 charts drawn from small hand-made tables: what a reader sees in the SVG."""

from __future__ import annotations

import base64
import re
import warnings

import numpy as np
import pandas as pd

from mobility_nb.data import catalog
from mobility_nb.render.figures import figure_html
from mobility_nb.steps.step2 import charts

WEALTH = [
    "ratio_black_nh_house_value_households",
    "ratio_hispanic_house_value_households",
    "ratio_other_nh_house_value_households",
    "ratio_white_nh_house_value_households",
]


def svg_texts(made) -> list[str]:
    fig, alt = made
    html = figure_html(fig, alt, tight=False)
    svg = base64.b64decode(re.search(r"base64,([^\"]+)\"", html).group(1)).decode()
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def anchors(made) -> dict[str, str]:
    fig, alt = made
    html = figure_html(fig, alt, tight=False)
    svg = base64.b64decode(re.search(r"base64,([^\"]+)\"", html).group(1)).decode()
    return dict(
        (text, anchor)
        for anchor, text in re.findall(r"text-anchor: (\w+)\"[^>]*>([^<]*)</text>", svg)
    )


def trend_inputs(metrics: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    years = [2014, 2016, 2018, 2021]
    series = pd.DataFrame(
        [
            {
                "metric": m,
                "year": y,
                "value": 0.8 + 0.05 * i + 0.01 * k,
                "lower": np.nan,
                "upper": np.nan,
                "quality": "Strong",
            }
            for k, m in enumerate(metrics)
            for i, y in enumerate(years)
        ]
    )
    table = pd.DataFrame(
        [
            {"metric": m, "label": catalog.get_metric(m).label, "years": len(years), "verdict": ""}
            for m in metrics
        ]
    )
    return series, table


def test_trend_panels_have_distinct_readable_titles():
    series, table = trend_inputs(WEALTH)
    made = charts.trend_charts(series, table, "Loving County")
    assert len(made) == 4  # one small chart per metric
    texts = [svg_texts(m) for m in made]
    # The four labels share a long prefix; each chart must still say which group it is.
    shown = [" ".join(t) for t in texts]  # two-line titles are two text elements
    for m in WEALTH:
        assert sum(catalog.get_metric(m).label in s for s in shown) == 1
    for t in texts:
        assert t.count("2014") == 1 and t.count("2021") == 1  # first and last year
        # no bounds were given, so no chart promises a shaded band
        assert not any("95%" in x for x in t)
    assert all("Shaded" not in alt for _, alt in made)


def test_trend_charts_mark_weak_years_and_bands_in_a_legend():
    series, table = trend_inputs(["share_employed"])
    series["lower"], series["upper"] = series["value"] - 0.02, series["value"] + 0.02
    series.loc[series["year"] == 2016, "quality"] = "Weak"
    fig, alt = charts.trend_charts(series, table, "Somewhere")[0]
    texts = svg_texts((fig, alt))
    assert "shaded: 95% bounds; diamond: Weak data" in texts
    assert "Shaded band" in alt and "flagged Weak" in alt


def test_a_single_trend_panel_and_a_flat_series_draw():
    series, table = trend_inputs(["share_employed"])
    series["value"] = 0.7  # no change at all: the value axis still gets a range and ticks
    texts = svg_texts(charts.trend_charts(series, table, "Somewhere")[0])
    assert any("%" in t for t in texts)


def gap_inputs(*rows: tuple[dict[str, float], float]) -> tuple[pd.DataFrame, dict]:
    """One gap row per (group values, overall value)."""
    gaps = pd.DataFrame(
        [
            {
                "metric": "share_employed",
                "subgroup_type": "disability",
                "year": 2021,
                "overall": overall,
                "best_value": max(groups.values()),
                "best_group": "b",
                "worst_value": min(groups.values()),
                "worst_group": "w",
            }
            for groups, overall in rows
        ]
    )
    details = {
        i: pd.DataFrame(
            {
                "subgroup": list(groups),
                "value": list(groups.values()),
                "lower": np.nan,
                "upper": np.nan,
                "quality": "Strong",
            }
        )
        for i, (groups, _) in enumerate(rows)
    }
    return gaps, details


def test_close_groups_are_named_outwards_and_far_groups_centred():
    made = charts.gap_chart(
        *gap_inputs(
            ({"Low income": 0.2, "High income": 0.9}, 0.5), ({"With": 0.60, "Without": 0.66}, 0.65)
        ),
        "X",
    )
    placed = anchors(made)
    # far apart: centred on their dots, or held inside the plot at its edges
    assert placed["Low income"] in ("middle", "start")
    assert placed["High income"] in ("middle", "end")
    # close together: hanging outwards from the dots
    assert placed["With"] == "end" and placed["Without"] == "start"


def test_groups_that_are_all_zero_draw_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        made = charts.gap_chart(*gap_inputs(({"Female": 0.0, "Male": 0.0}, 0.0)), "X")
        texts = svg_texts(made)
    assert "Female" not in texts  # nothing to place on a relative axis, and no 0/0 warning
    assert any("Adults 25-54 who have a job" in t for t in texts)  # the row is still named
