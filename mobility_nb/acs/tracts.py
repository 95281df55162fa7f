"""How an indicator is spread across a county's tracts.

A county average hides neighbourhoods. These helpers summarise tract estimates (range,
quartiles, how many are unreliable) and measure concentration - the share of residents
living in tracts at or above a threshold, e.g. high-poverty tracts (40% or more of
residents below the poverty level, the common definition of concentrated poverty).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobility_nb.acs import moe as moe_mod

HIGH_POVERTY_THRESHOLD = 40.0


@dataclass(frozen=True)
class Distribution:
    """Summary of one indicator over tracts (estimates only; see ``low_reliability``)."""

    tracts: int
    with_estimate: int
    minimum: float
    p25: float
    median: float
    p75: float
    maximum: float
    low_reliability: int

    @property
    def iqr(self) -> float:
        return self.p75 - self.p25

    def as_row(self) -> dict[str, float | int]:
        return {
            "Tracts": self.tracts,
            "With an estimate": self.with_estimate,
            "Lowest": self.minimum,
            "25th percentile": self.p25,
            "Median tract": self.median,
            "75th percentile": self.p75,
            "Highest": self.maximum,
            "Interquartile range": self.iqr,
            "Low reliability (CV > 30%)": self.low_reliability,
        }


def distribution(results: pd.DataFrame) -> Distribution:
    """Summarise :func:`mobility_nb.acs.indicators.compute` rows for one indicator/group."""
    est = results["estimate"].to_numpy(dtype=float)
    ok = est[~np.isnan(est)]
    q = np.percentile(ok, [0, 25, 50, 75, 100]) if len(ok) else [np.nan] * 5
    low = int((results.loc[~np.isnan(est), "reliability"] == moe_mod.LOW).sum())
    return Distribution(len(results), len(ok), *map(float, q), low_reliability=low)


@dataclass(frozen=True)
class Concentration:
    """Share of the universe living in tracts whose rate is at or above ``threshold``."""

    threshold: float
    tracts_above: int
    tracts_counted: int
    people_above: float
    people_total: float
    share: float  # percent
    share_moe: float  # percentage points

    def sentence(self, what: str, universe_word: str = "residents") -> str:
        if np.isnan(self.share):
            return f"No tract has both a {what} estimate and a population count."
        return (
            f"{self.share:.1f}% (\u00b1{self.share_moe:.1f} points) of {universe_word} live in "
            f"the {self.tracts_above} of {self.tracts_counted} tracts where the {what} is "
            f"{self.threshold:g}% or more."
        )


def concentration(
    rates: np.ndarray,
    weights: np.ndarray,
    weights_moe: np.ndarray,
    threshold: float = HIGH_POVERTY_THRESHOLD,
) -> Concentration:
    """Residents in tracts with ``rates >= threshold`` as a share of all residents.

    ``weights`` are the tract universes (e.g. people whose poverty status is known). The
    MOE treats each tract's classification as fixed and combines the weights' MOEs with
    the sum and proportion formulas, so it understates the uncertainty near the threshold.
    """
    rates, weights, wmoe = (np.asarray(a, dtype=float) for a in (rates, weights, weights_moe))
    usable = ~np.isnan(rates) & ~np.isnan(weights)
    above = usable & (rates >= threshold)
    total = float(weights[usable].sum())
    part = float(weights[above].sum())
    if not usable.any() or total <= 0:
        return Concentration(
            threshold, int(above.sum()), int(usable.sum()), part, total, np.nan, np.nan
        )
    total_moe = float(moe_mod.moe_sum(weights[usable], np.nan_to_num(wmoe[usable])))
    part_moe = (
        float(moe_mod.moe_sum(weights[above], np.nan_to_num(wmoe[above]))) if above.any() else 0.0
    )
    share = 100 * part / total
    share_moe = 100 * float(moe_mod.moe_proportion(part, total, part_moe, total_moe))
    return Concentration(
        threshold, int(above.sum()), int(usable.sum()), part, total, share, share_moe
    )
