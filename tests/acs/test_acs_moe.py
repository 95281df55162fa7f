"""MOE formulas against the Census Bureau's worked examples and real published MOEs.

Worked examples: "Understanding and Using American Community Survey Data: What All Data
Users Need to Know" (ACS General Handbook, 2018), chapter 8, "Calculating Measures of
Error for Derived Estimates": never-married females / males aged 15+ in Fairfax County,
Arlington County and Alexandria city, Virginia (Tables 8.1, 8.4, 8.5) and the product
example for single-unit owner-occupied housing (US). The inputs and printed results are
taken as quoted from the handbook by datadesk/census-data-aggregator's tests (which name
Tables 8.1, 8.4 and 8.5) and by the PRB ACS data users forum (thread 1429: 203,119 never-
married females +/- 5,070 of 630,498 females +/- 831, handbook page 64).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from support.fakecensus import census_data_dir

from mobility_nb.acs import moe

# Handbook Table 8.1: never-married females 15+ (estimate, MOE).
NMF = [(135_173, 3_860), (43_104, 2_642), (24_842, 1_957)]
# Handbook Table 8.4: total females 15+.
FEMALES = [(466_037, 391), (97_360, 572), (67_101, 459)]
# Handbook Table 8.5: never-married males 15+.
NMM = [(156_720, 4_222), (44_613, 2_819), (25_507, 2_259)]


def _sum(pairs):
    est = [e for e, _ in pairs]
    moes = [m for _, m in pairs]
    return sum(est), moe.moe_sum(est, moes)


def test_sum_handbook_table_8_1_tricounty_never_married_females():
    total, total_moe = _sum(NMF)
    assert total == 203_119
    assert round(total_moe) == 5_070  # handbook: MOE = 5,070
    # Handbook: SE = 5,070 / 1.645 = 3,082 and CV = 1.5 percent.
    assert round(moe.se_from_moe(total_moe)) == 3_082
    assert round(moe.cv(total, total_moe), 1) == 1.5


def test_proportion_handbook_table_8_4_share_never_married():
    num, num_moe = _sum(NMF)
    den, den_moe = _sum(FEMALES)
    assert den == 630_498 and round(den_moe) == 831  # handbook: 630,498 +/- 831
    p = num / den
    assert round(p, 3) == 0.322
    assert round(moe.moe_proportion(num, den, num_moe, den_moe), 3) == 0.008
    assert not moe.uses_ratio_fallback(num, den, num_moe, den_moe)


def test_ratio_handbook_table_8_5_males_per_female_never_married():
    num, num_moe = _sum(NMM)
    den, den_moe = _sum(NMF)
    assert round(num / den, 3) == 1.117
    assert round(moe.moe_ratio(num, den, num_moe, den_moe), 3) == 0.039


def test_product_handbook_owner_occupied_single_unit():
    # 74,506,512 +/- 228,238 owner-occupied units x 82.4% +/- 0.1% single-unit detached.
    product_moe = moe.moe_product(74_506_512, 0.824, 228_238, 0.001)
    assert round(74_506_512 * 0.824) == 61_393_366
    assert round(product_moe) == 202_289


def test_percent_change_fairfax_never_married_females():
    # Fairfax never-married females 135,173 +/- 3,860 -> 139,301 +/- 4,047, the inputs and
    # results of census-data-aggregator's test_percentchange (handbook percent-change method).
    assert moe.percent_change(135_173, 139_301) == pytest.approx(3.0539, abs=1e-4)
    assert moe.moe_percent_change(135_173, 139_301, 3_860, 4_047) == pytest.approx(4.198, abs=1e-3)


def test_sum_counts_only_the_largest_zero_estimate_moe_once():
    # Census 2016 MOE training slides, slide 26: with several zero estimates, include only
    # the largest of their MOEs. Own numbers: zeros with MOEs 22, 22, 29 plus 41 +/- 37.
    got = moe.moe_sum([0, 0, 0, 41], [22, 22, 29, 37])
    assert got == pytest.approx(math.sqrt(29**2 + 37**2))
    # All zero: the sum's MOE is the largest single MOE, not their root-sum-square.
    assert moe.moe_sum([0, 0], [27, 19]) == 27
    # No zeros: the plain root sum of squares.
    assert moe.moe_sum([5, 7], [3, 4]) == 5


def test_sum_is_row_wise_for_tables_and_missing_moe_propagates():
    est = np.array([[0, 0, 41], [10, 20, 30]])
    moes = np.array([[22, 29, 37], [3, np.nan, 4]])
    out = moe.moe_sum(est, moes)
    assert out[0] == pytest.approx(math.sqrt(29**2 + 37**2))
    assert np.isnan(out[1])


def test_proportion_falls_back_to_ratio_when_radicand_negative():
    # Own numbers: numerator equals the denominator with a larger denominator MOE.
    num, den, mn, md = 50, 60, 10, 40
    assert moe.proportion_radicand(num, den, mn, md) < 0
    assert moe.uses_ratio_fallback(num, den, mn, md)
    assert moe.moe_proportion(num, den, mn, md) == pytest.approx(moe.moe_ratio(num, den, mn, md))


def test_zero_denominator_is_undefined_not_zero():
    assert np.isnan(moe.moe_proportion(0, 0, 5, 5))
    assert np.isnan(moe.moe_ratio(3, 0, 5, 5))
    assert np.isnan(moe.cv(0, 12))
    assert moe.cv(100, 0) == 0  # controlled estimate: no sampling error


def test_significance_of_a_difference():
    # Own numbers. 10 +/- 5 vs 12 +/- 5: z = 2 / sqrt(2 (5/1.645)^2) = 0.465 -> not different.
    assert moe.z_statistic(10, 5, 12, 5) == pytest.approx(0.4653, abs=1e-4)
    assert not moe.significantly_different(10, 5, 12, 5)
    # Handbook Table 8.1 counties: Fairfax vs Arlington never-married females clearly differ.
    assert moe.significantly_different(135_173, 3_860, 43_104, 2_642)
    assert not moe.significantly_different(1.0, np.nan, 2.0, 1.0)  # unknown -> not claimed


def test_rescale_moe_to_95_percent():
    assert moe.rescale_moe(1.645, 95) == pytest.approx(1.96)
    with pytest.raises(ValueError):
        moe.rescale_moe(1.0, 80)


def test_reliability_tiers():
    tiers = moe.reliability(np.array([0.0, 14.9, 15.0, 30.0, 30.1, np.nan]))
    assert list(tiers) == ["High", "High", "Medium", "Medium", "Low", "Unknown"]
    assert "15%" in moe.reliability_rule_text() and "30%" in moe.reliability_rule_text()


@pytest.mark.shared
def test_proportion_moes_match_published_nyc_tract_percent_moes():
    """nycgeo's *_pct_moe columns were computed by tidycensus::moe_prop from the real ACS
    2013-2017 tract MOEs; ours must reproduce them to the printed 0.1 point, including
    the tracts where the ratio fallback applies."""
    root = census_data_dir()
    tracts = pd.read_csv(root / "acs/nyc/nycgeo_tract_acs_data_acs5_2017.csv", dtype={"geoid": str})
    fallback_rows = 0
    for num, den in (
        ("pop_inpov", "pop_inpov_denom"),
        ("pop_white", "pop_total"),
        ("pop_hisp", "pop_total"),
        ("pop_black", "pop_total"),
    ):
        args = (
            tracts[f"{num}_est"],
            tracts[f"{den}_est"],
            tracts[f"{num}_moe"],
            tracts[f"{den}_moe"],
        )
        ours = np.round(moe.moe_proportion(*args) * 100, 1)
        published = tracts[f"{num}_pct_moe"]
        both = published.notna() & ~np.isnan(ours)
        assert both.sum() > 2000
        assert np.abs(ours[both] - published[both]).max() < 0.051, num
        fallback_rows += int(moe.uses_ratio_fallback(*args)[both].sum())
    assert fallback_rows > 10  # the fallback branch is exercised by real data
