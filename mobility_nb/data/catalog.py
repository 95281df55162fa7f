"""What each Mobility Metric means and how to show it.

The catalog (``resources/metrics_catalog.csv``) has one row per metric column of Urban's
2025 county and city files: pillar, predictor, a plain label and description, unit,
which direction is better, a caveat to print, and display hints. Notebooks drive their
sections from it instead of hard-coding metric names.

Older and subgroup files use earlier column names; :func:`canonical_name` maps them to the
2025 names. Three old columns measure something different from their 2025 successor and
deliberately map to nothing (see :data:`REDEFINED`).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from mobility_nb.data.records import records
from mobility_nb.errors import (
    MobilityNBError,
    UnknownMetricError,  # noqa: F401 (defined there)
)

PILLARS: tuple[str, ...] = (
    "Opportunity-Rich and Inclusive Neighborhoods",
    "High-Quality Education",
    "Rewarding Work",
    "Healthy Environment and Access to Good Health Care",
    "Responsive and Just Governance",
)

# Urban's pillar colours. Use them for headings only, never to encode data: they are not
# a colour-blind-safe palette (use figures.PALETTE for data).
PILLAR_COLORS: Mapping[str, str] = {
    PILLARS[0]: "#62A1C0",
    PILLARS[1]: "#F584BE",
    PILLARS[2]: "#8ECF86",
    PILLARS[3]: "#8A9191",
    PILLARS[4]: "#FFD175",
}

UNITS = ("share", "rate", "ratio", "dollars", "count", "index", "parity")
DIRECTIONS = ("higher", "lower", "parity", "none")
# How a page may compare places on a metric (``direction`` says which way a plan's target
# should move; ``comparison`` says what a page may claim). Only the two directional kinds
# can make a strength or a concern; see mobility_nb.claims.
COMPARISONS = ("higher_better", "lower_better", "parity", "context", "count", "spread")
BOUNDS = ("ci", "range", "none")  # 95% confidence interval / bounds that are not a CI / none
LEVELS = ("county", "place")

# Older column name -> 2025 name, for the same measure (values may have been revised).
ALIASES: Mapping[str, str] = {
    "share_debt_col": "share_debt_coll",
    "meps20_black": "share_meps20_black",
    "meps20_hispanic": "share_meps20_hispanic",
    "meps20_white": "share_meps20_white",
    "rate_low_birth_weight": "share_low_birth_weight",
    "learning_rate": "rate_learning",
    "election_turnout": "share_election_turnout",
    "ratio_average_to_living_wage": "ratio_living_wage",
    "index_air_quality": "index_air_hazard",
    "rate_violent_crime": "rate_crime_violent",
    "rate_property_crime": "rate_crime_property",
    "share_desc_rep_asian_other": "share_desc_rep_other",
}

# Older quality-flag columns whose name does not follow ``<metric>_quality``.
_QUALITY_ALIASES: Mapping[str, str] = {
    "pctl_20_quality": "pctl_income_20_quality",
    "pctl_50_quality": "pctl_income_50_quality",
    "pctl_80_quality": "pctl_income_80_quality",
}

# Older flag columns that grade several metrics at once (one flag, many 2025 columns).
COMBINED_QUALITY_FLAGS: Mapping[str, tuple[str, ...]] = {
    "pctl_income_quality": ("pctl_income_20", "pctl_income_50", "pctl_income_80"),
    "homeless_quality": ("count_homeless", "share_homeless"),
    "share_affordable_quality": (
        "share_affordable_30_ami",
        "share_affordable_50_ami",
        "share_affordable_80_ami",
    ),
    "rate_crime_quality": ("rate_crime_violent", "rate_crime_property"),
}

# Older columns that are NOT the same measure as their 2025 successor: mapping them would
# silently mix two quantities in one trend, so canonical_name returns None for them.
REDEFINED: Mapping[str, tuple[str, str]] = {
    "ratio_high_low_ses_fb_friends": (
        "share_economic_connectedness",
        "it held economic connectedness (EC) itself, while the 2025 column holds EC x 0.5, "
        "so the numbers differ by a factor of two",
    ),
    "transportation_cost": (
        "share_transportation_cost",
        "it was a 0-100 percentile index where higher meant cheaper, while the 2025 column "
        "is costs as a share of income, where higher is worse",
    ),
    "index_transit_trips": (
        "share_transit_commuter",
        "it was a 0-100 percentile index of transit trips, while the 2025 column is the "
        "share of workers who commute by transit",
    ),
}

_SUFFIXES = ("_quality", "_lb", "_ub")


@dataclass(frozen=True)
class Metric:
    """One catalog row, with the display rules for its values."""

    metric: str
    pillar: str
    predictor: str
    label: str
    unit: str
    direction: str
    description: str
    caveat: str
    levels: tuple[str, ...]
    has_ci: bool
    per: int | None = None
    decimals: int | None = None
    comparison: str = "context"
    comparison_why: str = ""
    comparison_source: str = ""
    bounds: str = "none"
    crime: bool = False
    zero_unreported: bool = False
    dollars: bool = False
    acs_puma: bool = False
    wider_area: str = ""
    even_mix_from: str = ""
    events_from: str = ""
    events_per: float | None = None
    events_base_share: float | None = None
    events_word: str = ""

    @property
    def higher_is_better(self) -> bool | None:
        """True/False for directional metrics; None for parity and descriptive ones."""
        return {"higher": True, "lower": False}.get(self.direction)

    @property
    def directional(self) -> bool:
        """Higher-better or lower-better: the only kinds that can be ranked as better/worse."""
        return self.comparison in ("higher_better", "lower_better")

    @property
    def rankable(self) -> bool:
        """May be ranked against other places: directional and not crime data (FBI advice)."""
        return self.directional and not self.crime

    def format(self, value: Any) -> str:
        """Display text for one value: :func:`mobility_nb.render.formats.metric_value`."""
        from mobility_nb.render.formats import metric_value

        return metric_value(self, value)


def _as_float(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _optional_int(value: Any) -> int | None:
    number = _as_float(value)
    return None if number is None else int(number)


@lru_cache(maxsize=1)
def _catalog_frame() -> pd.DataFrame:
    with (
        resources.files("mobility_nb")
        .joinpath("resources/metrics_catalog.csv")
        .open(encoding="utf-8") as fh
    ):
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    for col in ("has_ci", "crime", "zero_unreported", "dollars", "acs_puma"):
        df[col] = df[col].str.lower().eq("true")
    for col in ("per", "decimals"):  # blank means "use the unit's default"
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    for col in ("events_per", "events_base_share"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


def load_catalog() -> pd.DataFrame:
    """The catalog as a DataFrame (a copy, so callers may modify it freely)."""
    return _catalog_frame().copy()


@lru_cache(maxsize=1)
def _metrics() -> dict[str, Metric]:
    out: dict[str, Metric] = {}
    for row in records(_catalog_frame()):
        out[row["metric"]] = Metric(
            metric=row["metric"],
            pillar=row["pillar"],
            predictor=row["predictor"],
            label=row["label"],
            unit=row["unit"],
            direction=row["direction"],
            description=row["description"],
            caveat=row["caveat"],
            levels=tuple(row["levels"].split(";")),
            has_ci=bool(row["has_ci"]),
            per=_optional_int(row["per"]),
            decimals=_optional_int(row["decimals"]),
            comparison=row["comparison"],
            comparison_why=row["comparison_why"],
            comparison_source=row["comparison_source"],
            bounds=row["bounds"],
            crime=bool(row["crime"]),
            zero_unreported=bool(row["zero_unreported"]),
            dollars=bool(row["dollars"]),
            acs_puma=bool(row["acs_puma"]),
            wider_area=row["wider_area"],
            even_mix_from=row["even_mix_from"],
            events_from=row["events_from"],
            events_per=_as_float(row["events_per"]),
            events_base_share=_as_float(row["events_base_share"]),
            events_word=row["events_word"],
        )
    return out


def canonical_name(col: str) -> str | None:
    """The 2025 column name for ``col``, or None when it is not a metric column.

    Works for a metric and for its ``_lb``/``_ub``/``_quality`` companions, so a whole
    older header can be renamed with it. Returns None for id columns, for flags shared by
    several metrics (see :data:`COMBINED_QUALITY_FLAGS`) and for :data:`REDEFINED` columns.
    """
    metrics = _metrics()
    if col in metrics:
        return col
    if col in ALIASES:
        return ALIASES[col]
    if col in _QUALITY_ALIASES:
        return _QUALITY_ALIASES[col]
    for suffix in _SUFFIXES:
        if col.endswith(suffix):
            base = col[: -len(suffix)]
            if base in metrics:
                return col
            if base in ALIASES:
                return ALIASES[base] + suffix
    return None


def get_metric(name: str) -> Metric:
    """Look up a metric by its 2025 name or an older alias."""
    metrics = _metrics()
    key = ALIASES.get(name, name)
    if key in metrics:
        return metrics[key]
    if name in REDEFINED:
        successor, reason = REDEFINED[name]
        raise UnknownMetricError(name, [successor], reason)
    raise UnknownMetricError(name, _closest(name))


def _closest(name: str, n: int = 3) -> list[str]:
    candidates = {m: m for m in _metrics()}
    candidates.update(ALIASES)
    hits = difflib.get_close_matches(name, list(candidates), n=n * 2, cutoff=0.6)
    out: list[str] = []
    for hit in hits:
        target = candidates[hit]
        if target not in out:
            out.append(target)
    return out[:n]


def metrics_for(level: str) -> list[Metric]:
    """Metrics published for ``level`` ("county", or "place"/"city"), in catalog order."""
    key = "place" if level == "city" else level
    if key not in LEVELS:
        raise MobilityNBError(
            f"Unknown geography level {level!r}: use 'county' or 'place' (a city)."
        )
    return [m for m in _metrics().values() if key in m.levels]


def metrics_by_pillar(level: str) -> dict[str, list[Metric]]:
    """Metrics for ``level`` grouped under each pillar, pillars in Urban's order."""
    grouped: dict[str, list[Metric]] = {p: [] for p in PILLARS}
    for m in metrics_for(level):
        grouped[m.pillar].append(m)
    return grouped
