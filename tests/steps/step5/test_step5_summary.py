"""The Step 5 summary: headline values with their verdicts, group gaps under the rules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobility_nb.acs import indicators as ind
from mobility_nb.acs import moe as moe_mod
from mobility_nb.steps.step5 import summary


def _row(indicator, group, estimate, moe, reliability="High", unit="percent"):
    return {
        "indicator": indicator,
        "label": ind.get(indicator).label,
        "group": group,
        "unit": unit,
        "estimate": estimate,
        "moe": moe,
        "reliability": reliability,
    }


def test_headline_items_carry_the_margin_and_skip_missing_values():
    results = pd.DataFrame(
        [
            _row("poverty_rate", ind.ALL, 9.8, 1.3),
            _row("median_household_income", ind.ALL, 97708.0, 3686.0, unit="dollars"),
            _row("uninsured_rate", ind.ALL, np.nan, np.nan, reliability="Unknown"),
            _row("unemployment_rate", ind.ALL, 3.1, 2.0, reliability=moe_mod.LOW),
        ]
    )
    items = summary.headline_items(results, [], "Virginia", 2022)
    assert [i.title for i in items] == [
        ind.get("median_household_income").label,
        ind.get("poverty_rate").label,
        ind.get("unemployment_rate").label,
    ]
    assert items[0].fact == "$97,708 (\u00b1$3,686)"
    assert items[1].fact == "9.8% (\u00b11.3 points)"
    assert items[2].sure == "Low reliability: indicative only."


def test_group_gaps_keep_significant_reliable_differences_widest_first():
    results = pd.DataFrame(
        [
            _row("poverty_rate", ind.ALL, 10.0, 0.5),
            _row("poverty_rate", "Black or African American alone", 25.0, 3.0),
            _row("poverty_rate", "Asian alone", 10.5, 3.0),  # within the margins
            _row("poverty_rate", "Some other race alone", 40.0, 9.0, reliability=moe_mod.LOW),
            _row("poverty_rate", "Hispanic or Latino", 15.0, 2.0),
        ]
    )
    gaps = summary.group_gaps(results, ["poverty_rate"])
    assert [g.fact.split(":")[0] for g in gaps] == ["Black alone", "Hispanic or Latino"]
    assert gaps[0].fact.endswith("against 10.0% for all residents.")
