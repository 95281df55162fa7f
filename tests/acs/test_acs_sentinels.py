"""ACS special values become NaN (or 0 for controlled MOEs) with their meaning kept."""

from __future__ import annotations

import numpy as np

from mobility_nb.acs import sentinels


def test_estimate_codes_become_nan_with_flags():
    raw = [52000.0, -666666666.0, -999999999, "-888888888", None, "12.5"]
    values, flags = sentinels.clean(raw, "estimate")
    assert values[0] == 52000 and values[5] == 12.5
    assert np.isnan(values[1:5]).all()
    assert list(flags) == [None, "not_computed", "too_few_cases", "not_applicable", "missing", None]


def test_moe_codes_controlled_is_zero_others_nan():
    raw = [-555555555, -222222222, -333333333, -999999999, 431.0]
    values, flags = sentinels.clean(raw, "moe")
    assert values[0] == 0.0
    assert np.isnan(values[1:4]).all()
    assert values[4] == 431
    assert list(flags) == [
        "controlled",
        "moe_not_computed",
        "moe_open_interval",
        "too_few_cases",
        None,
    ]


def test_no_special_value_survives_as_a_number():
    codes = list(sentinels.SENTINELS) + [-111111111, -123456789]
    for kind in ("estimate", "moe"):
        values, flags = sentinels.clean(codes, kind)
        assert not (np.nan_to_num(values, nan=0.0) < -1e8).any()
        assert all(f is not None for f in flags)
    _, flags = sentinels.clean([-111111111], "estimate")
    assert flags[0] == "unknown_code"


def test_top_coded_median_income_is_kept_and_flagged():
    values, flags = sentinels.clean([250001, 2499, 61000], "estimate", table="B19013B")
    assert list(values) == [250001, 2499, 61000]
    assert list(flags) == ["top_coded", "bottom_coded", None]
    _, other = sentinels.clean([250001], "estimate", table="B01003")
    assert other[0] is None


def test_every_flag_has_a_plain_language_meaning():
    for s in sentinels.SENTINELS.values():
        assert sentinels.flag_meaning(s.flag) == s.meaning
    assert "controlled" in sentinels.flag_meaning("controlled")
    assert sentinels.flag_meaning("missing") == sentinels.MISSING_MEANING
    assert "250,000+" in sentinels.flag_meaning("top_coded")


def test_garbage_text_is_not_a_number():
    values, flags = sentinels.clean(["n/a", ""], "estimate")
    assert np.isnan(values).all()
    assert list(flags) == ["unknown_code", "unknown_code"]
