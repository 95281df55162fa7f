"""Percentile ranks that state their comparison set, handle ties and respect small numbers.

* Mid-rank percentile: (places below + ½ × places equal, itself included) / n, so the
  median place sits at 50 and ties share one rank.
* A value tied at the lowest or highest value of its distribution has no meaningful rank
  (1,360 counties at 0.0): the page reports the tie instead.
* Every percentile names n ("better than 62% of the 3,108 counties with data"); cities are
  Urban's 486 large cities; display is capped at "more than 99%" / "fewer than 1%".
* In-state ranks need at least :data:`MIN_STATE_PLACES` places.
* Rates resting on very few events (estimated from the rate and the population) are
  flagged (NCHS: fewer than 20 events give a relative standard error above 23%).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mobility_nb.data.catalog import Metric

MIN_STATE_PLACES = 10
CITY_UNIVERSE = 486  # Urban's city files: places of 75,000 or more people
FEW_EVENTS = 20
LOWEST, HIGHEST = "lowest", "highest"


def rank_columns(frame: pd.DataFrame, keys: list[str], prefix: str) -> pd.DataFrame:
    """Vectorised rank facts of every ``value`` within groups ``keys``.

    Adds ``{prefix}_n`` (places with data), ``{prefix}_below`` (places with a lower value),
    ``{prefix}_ties`` (places with the same value, itself included), ``{prefix}_median``
    and ``{prefix}_extreme`` ("lowest"/"highest" when the value equals the group's minimum
    or maximum and is shared by at least two places; else None).
    """
    grouped = frame.groupby(keys, observed=True)["value"]
    n = grouped.transform("size")
    low = grouped.rank(method="min")  # 1 + places strictly below
    high = grouped.rank(method="max")
    ties = high - low + 1
    minimum = grouped.transform("min")
    maximum = grouped.transform("max")
    value = frame["value"]
    extreme = np.full(len(frame), None, dtype=object)
    tied = (ties > 1).to_numpy()
    extreme[tied & (value == maximum).to_numpy()] = HIGHEST
    extreme[tied & (value == minimum).to_numpy()] = LOWEST
    return pd.DataFrame(
        {
            f"{prefix}_n": n.to_numpy(),
            f"{prefix}_below": (low - 1).to_numpy(),
            f"{prefix}_ties": ties.to_numpy(),
            f"{prefix}_median": grouped.transform("median").to_numpy(),
            f"{prefix}_extreme": extreme,
        },
        index=frame.index,
    )


def midrank_percentile(below: float, ties: float, n: float) -> float:
    """Share of places below, ties (the place itself included) counting half, in percent."""
    if not n:
        return math.nan
    return (below + 0.5 * ties) / n * 100


def better_than(percentile: float, comparison: str) -> float:
    """A percentile turned into 'better than X% of places'; NaN unless the metric is directional."""
    if math.isnan(percentile):
        return math.nan
    if comparison == "higher_better":
        return percentile
    if comparison == "lower_better":
        return 100.0 - percentile
    return math.nan


def percent_text(share: float) -> str:
    """A 'better than' share for display, capped so rank 1 of 104 is never '100%'."""
    if math.isnan(share):
        from mobility_nb.render.formats import MISSING

        return MISSING
    if share > 99:
        return "more than 99%"
    if share < 1:
        return "fewer than 1%"
    return f"{share:.0f}%"


def short_percent_text(share: float) -> str:
    """:func:`percent_text` for a table cell: 'over 99%', 'under 1%', '62%'."""
    return percent_text(share).replace("more than", "over").replace("fewer than", "under")


def places_word(level: str, n: int = 2) -> str:
    if level == "county":
        return "county" if n == 1 else "counties"
    return "city" if n == 1 else "cities"


def comparison_set(n: int, level: str) -> str:
    """'the 3,108 counties with data' / "the 104 of Urban's 486 large cities with data"."""
    if level == "county":
        return f"the {n:,} counties with data"
    if n >= CITY_UNIVERSE:
        return f"all {CITY_UNIVERSE} of Urban's large cities"
    return f"the {n:,} of Urban's {CITY_UNIVERSE} large cities with data"


def in_state_set(n: int, level: str, state_name: str) -> str:
    return f"the {n:,} {places_word(level, n)} in {state_name} with data"


def better_than_sentence(share: float, n: int, level: str) -> str:
    """'better than 62% of the 3,108 counties with data'."""
    return f"better than {percent_text(share)} of {comparison_set(n, level)}"


def tie_sentence(ties: int, value_text: str, extreme: str, n: int, level: str) -> str:
    """'tied with 1,359 other counties at 0.0%, the lowest value of the 3,144 counties …'."""
    others = ties - 1
    return (
        f"tied with {others:,} other {places_word(level, others)} at {value_text}, the "
        f"{extreme} value of {comparison_set(n, level)}"
    )


def state_rank_allowed(state_n: int) -> bool:
    """In-state ranks among fewer than ten places say little; the page omits them."""
    return state_n >= MIN_STATE_PLACES


def estimated_events(
    m: Metric, value: float, population: float | None, share: float = 1.0
) -> float:
    """Roughly how many events (crimes, arrests, doctors) a published rate rests on.

    ``rate``: value / per × population × the catalog's base share (e.g. ages 10-17) ×
    ``share`` (a subgroup's part of that base). ``population_per_value``: residents per
    doctor → population / value doctors. NaN when the metric has no such rule or the
    population is unknown.
    """
    if population is None or not population or math.isnan(population) or math.isnan(value):
        return math.nan
    base = (m.events_base_share or 1.0) * share
    if m.events_from == "rate" and m.events_per:
        return value / m.events_per * population * base
    if m.events_from == "population_per_value":
        return population * base / value if value > 0 else math.nan
    return math.nan


def few_events(events: float) -> bool:
    """Fewer than 20 events: NCHS treats such rates as unreliable."""
    return not math.isnan(events) and events < FEW_EVENTS
