"""Mid-rank percentiles with ties, comparison sets, capped display and small numbers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mobility_nb.claims import ranking
from mobility_nb.data import catalog


def words(column: pd.Series) -> list[str | None]:
    return [x if isinstance(x, str) else None for x in column]


def frame(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"metric": "m", "year": 2023, "value": values})


def test_rank_columns_by_hand():
    # 0, 0, 0, 1, 2, 2, 5: the three zeros tie at the lowest value.
    out = ranking.rank_columns(frame([0, 0, 0, 1, 2, 2, 5]), ["metric", "year"], "national")
    assert out["national_n"].tolist() == [7] * 7
    assert out["national_below"].tolist() == [0, 0, 0, 3, 4, 4, 6]
    assert out["national_ties"].tolist() == [3, 3, 3, 1, 2, 2, 1]
    assert out["national_median"].iloc[0] == 1
    assert words(out["national_extreme"]) == ["lowest"] * 3 + [None] * 4  # 5 is alone
    # Mid-rank of the 2s: (4 + 2 / 2) / 7 = 71.4%.
    assert ranking.midrank_percentile(4, 2, 7) == pytest.approx(500 / 7)


def test_a_shared_maximum_is_an_extreme_tie():
    out = ranking.rank_columns(frame([1, 3, 3]), ["metric", "year"], "p")
    assert words(out["p_extreme"]) == [None, "highest", "highest"]


def test_better_than_follows_the_comparison_kind():
    assert ranking.better_than(30.0, "higher_better") == 30.0
    assert ranking.better_than(30.0, "lower_better") == 70.0
    for kind in ("parity", "context", "count", "spread"):
        assert math.isnan(ranking.better_than(30.0, kind))


@pytest.mark.parametrize(
    ("share", "text"),
    [(99.52, "more than 99%"), (99.0, "99%"), (62.4, "62%"), (1.0, "1%"), (0.48, "fewer than 1%")],
)
def test_display_is_capped(share, text):
    # Rank 1 of 104 with no tie: (103 + 0.5) / 104 = 99.5% -> "more than 99%", never 100%.
    assert ranking.percent_text(share) == text


def test_comparison_sets_name_n():
    assert ranking.better_than_sentence(62.4, 3108, "county") == (
        "better than 62% of the 3,108 counties with data"
    )
    assert ranking.better_than_sentence(99.5, 104, "place") == (
        "better than more than 99% of the 104 of Urban's 486 large cities with data"
    )
    assert ranking.comparison_set(486, "place") == "all 486 of Urban's large cities"


def test_tie_sentence():
    assert ranking.tie_sentence(1360, "0.0%", "lowest", 3144, "county") == (
        "tied with 1,359 other counties at 0.0%, the lowest value of the 3,144 counties with data"
    )


def test_state_ranks_need_ten_places():
    assert not ranking.state_rank_allowed(9) and ranking.state_rank_allowed(10)


def test_events_behind_a_rate():
    arrests = catalog.get_metric("rate_juv_arrest")  # per 100,000 residents aged 10-17
    # 1,117.3 per 100,000 of a 12,000-resident county, ~10% aged 10-17: 13.4 arrests.
    events = ranking.estimated_events(arrests, 1117.3, 12000)
    assert events == pytest.approx(1117.3 / 100000 * 12000 * 0.10)
    assert ranking.few_events(events)
    # Half of them girls: 6.7.
    assert ranking.estimated_events(arrests, 1117.3, 12000, 0.5) == pytest.approx(events / 2)
    crime = catalog.get_metric("rate_crime_violent")
    assert ranking.estimated_events(crime, 400.0, 1_000_000) == pytest.approx(4000)
    assert not ranking.few_events(4000)
    doctors = catalog.get_metric("ratio_population_pc_physician")
    assert ranking.estimated_events(doctors, 2500, 50000) == pytest.approx(20)  # 20 doctors
    assert math.isnan(ranking.estimated_events(doctors, 0, 50000))
    assert math.isnan(ranking.estimated_events(catalog.get_metric("share_employed"), 0.7, 5e4))
    assert math.isnan(ranking.estimated_events(crime, 400.0, None))


@pytest.mark.parametrize(
    "share, text", [(99.6, "over 99%"), (0.4, "under 1%"), (62.4, "62%"), (99.0, "99%")]
)
def test_short_percent_text_for_table_cells(share, text):
    assert ranking.short_percent_text(share) == text
