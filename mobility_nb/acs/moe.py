"""Margins of error for derived ACS estimates, using the Census Bureau's approximations.

Published ACS margins of error (MOEs) are 90% intervals. When we add, divide or multiply
estimates we must carry the error along, or a partner reads a noisy tract share as a fact.
The formulas are those of the ACS General Handbook (2018), chapter 8, "Calculating
Measures of Error for Derived Estimates"; the zero-estimate rule for sums is from the
Bureau's 2016 MOE training slides (slide 26). Every function takes scalars or NumPy arrays
(broadcast element-wise) and returns NaN where the inputs cannot support an answer, never
a made-up number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Z90 = 1.645
"""z-value of the ACS's published 90% margins of error."""

Z_FOR_LEVEL = {90: 1.645, 95: 1.96, 99: 2.576}

ArrayLike = Any


def _arr(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _out(x: np.ndarray) -> Any:
    return float(x) if np.ndim(x) == 0 else x


def se_from_moe(moe: ArrayLike, z: float = Z90) -> Any:
    """Standard error from a published 90% MOE (SE = MOE / 1.645)."""
    return _out(_arr(moe) / z)


def rescale_moe(moe: ArrayLike, level: int) -> Any:
    """Turn a published 90% MOE into a 95% or 99% one (MOE x z_level / 1.645)."""
    if level not in Z_FOR_LEVEL:
        raise ValueError(f"Confidence level {level!r} is not one of {sorted(Z_FOR_LEVEL)}.")
    return _out(_arr(moe) * Z_FOR_LEVEL[level] / Z90)


def moe_sum(estimates: ArrayLike, moes: ArrayLike) -> Any:
    """MOE of a sum (or difference) of estimates: sqrt(sum of squared MOEs).

    When several components are estimates of zero, their MOEs are not independent
    information (each is the same model-based bound), so only the *largest* MOE among
    the zero estimates is included, once. Components run along the last axis, so a
    2-D input gives one MOE per row. Any missing component MOE makes the result NaN.
    """
    est = _arr(estimates)
    moe = _arr(moes)
    if est.shape != moe.shape:
        raise ValueError(f"estimates {est.shape} and moes {moe.shape} differ in shape")
    if est.shape[-1:] == (0,):
        raise ValueError("moe_sum needs at least one component")
    zero = est == 0
    nonzero_sq = np.where(zero, 0.0, moe**2).sum(axis=-1)
    zero_moes = np.where(zero, moe, -np.inf)
    largest_zero = zero_moes.max(axis=-1)
    zero_part = np.where(np.isfinite(largest_zero), largest_zero**2, 0.0)
    missing = np.isnan(moe).any(axis=-1) | np.isnan(est).any(axis=-1)
    return _out(np.where(missing, np.nan, np.sqrt(nonzero_sq + zero_part)))


def moe_ratio(num: ArrayLike, den: ArrayLike, moe_num: ArrayLike, moe_den: ArrayLike) -> Any:
    """MOE of a ratio R = X/Y where X is *not* a subset of Y: sqrt(MOE_X^2 + R^2 MOE_Y^2)/Y."""
    x, y, mx, my = map(_arr, (num, den, moe_num, moe_den))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = x / y
        out = np.sqrt(mx**2 + r**2 * my**2) / y
    return _out(np.where(y > 0, out, np.nan))


def proportion_radicand(
    num: ArrayLike, den: ArrayLike, moe_num: ArrayLike, moe_den: ArrayLike
) -> Any:
    """MOE_X^2 - p^2 MOE_Y^2, the quantity under the root of the proportion formula."""
    x, y, mx, my = map(_arr, (num, den, moe_num, moe_den))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / y
    return _out(mx**2 - p**2 * my**2)


def moe_proportion(num: ArrayLike, den: ArrayLike, moe_num: ArrayLike, moe_den: ArrayLike) -> Any:
    """MOE of a proportion p = X/Y where X is a subset of Y.

    sqrt(MOE_X^2 - p^2 MOE_Y^2) / Y; when the radicand is negative the handbook says to
    use the ratio formula instead (see :func:`uses_ratio_fallback`). A proportion of a
    zero denominator is undefined (NaN), not 0.
    """
    x, y, mx, my = map(_arr, (num, den, moe_num, moe_den))
    rad = _arr(proportion_radicand(x, y, mx, my))
    with np.errstate(divide="ignore", invalid="ignore"):
        prop = np.sqrt(np.where(rad >= 0, rad, np.nan)) / y
    ratio = _arr(moe_ratio(x, y, mx, my))
    out = np.where(rad < 0, ratio, prop)
    return _out(np.where(y > 0, out, np.nan))


def uses_ratio_fallback(
    num: ArrayLike, den: ArrayLike, moe_num: ArrayLike, moe_den: ArrayLike
) -> Any:
    """True where :func:`moe_proportion` had to fall back to the ratio formula."""
    rad = _arr(proportion_radicand(num, den, moe_num, moe_den))
    out = rad < 0
    return bool(out) if np.ndim(out) == 0 else out


def moe_product(a: ArrayLike, b: ArrayLike, moe_a: ArrayLike, moe_b: ArrayLike) -> Any:
    """MOE of a product A x B: sqrt(A^2 MOE_B^2 + B^2 MOE_A^2)."""
    x, y, mx, my = map(_arr, (a, b, moe_a, moe_b))
    return _out(np.sqrt(x**2 * my**2 + y**2 * mx**2))


def moe_percent_change(
    old: ArrayLike, new: ArrayLike, moe_old: ArrayLike, moe_new: ArrayLike
) -> Any:
    """MOE (in percentage points) of 100 x (new - old) / old, via the ratio new/old."""
    return _out(100 * _arr(moe_ratio(new, old, moe_new, moe_old)))


def percent_change(old: ArrayLike, new: ArrayLike) -> Any:
    """100 x (new - old) / old; NaN when old is 0."""
    o, n = _arr(old), _arr(new)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(np.where(o != 0, 100 * (n - o) / o, np.nan))


def cv(estimate: ArrayLike, moe: ArrayLike) -> Any:
    """Coefficient of variation in percent: 100 x SE / estimate.

    Undefined (NaN) for an estimate of zero or a missing MOE; a controlled estimate
    (MOE 0) has CV 0.
    """
    est, m = _arr(estimate), _arr(moe)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100 * (m / Z90) / np.abs(est)
    return _out(np.where((est != 0) & np.isfinite(est), out, np.nan))


def z_statistic(est1: ArrayLike, moe1: ArrayLike, est2: ArrayLike, moe2: ArrayLike) -> Any:
    """|X1 - X2| / sqrt(SE1^2 + SE2^2), the handbook's test statistic for a difference."""
    e1, m1, e2, m2 = map(_arr, (est1, moe1, est2, moe2))
    se = np.sqrt((m1 / Z90) ** 2 + (m2 / Z90) ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(e1 - e2) / se
    z = np.where((se == 0) & (e1 != e2), np.inf, z)
    return _out(np.where((se == 0) & (e1 == e2), 0.0, z))


def significantly_different(
    est1: ArrayLike, moe1: ArrayLike, est2: ArrayLike, moe2: ArrayLike, z: float = Z90
) -> Any:
    """True where two estimates differ at the 90% level (z > 1.645); False if unknown."""
    stat = _arr(z_statistic(est1, moe1, est2, moe2))
    out = np.where(np.isnan(stat), False, stat > z)
    return bool(out) if np.ndim(out) == 0 else out


# --- reliability tiers ------------------------------------------------------------------------

RELIABILITY_TIERS: tuple[tuple[str, float], ...] = (("High", 15.0), ("Medium", 30.0))
"""CV cut-offs (percent): below 15 High, 15 to 30 (inclusive) Medium, above 30 Low.

The Bureau sets no official cut-off; this is the scheme attributed to its case studies
(PRB ACS data users forum) and is printed in every page's methods section.
"""
LOW = "Low"
UNKNOWN = "Unknown"


def reliability(cv_percent: ArrayLike) -> Any:
    """'High' / 'Medium' / 'Low' from a CV in percent; 'Unknown' when the CV is undefined."""
    c = _arr(cv_percent)
    (high, h), (medium, m) = RELIABILITY_TIERS
    labels = np.where(c < h, high, np.where(c <= m, medium, LOW)).astype(object)
    labels = np.where(np.isnan(c), UNKNOWN, labels)
    return str(labels) if np.ndim(labels) == 0 else labels


def reliability_rule_text() -> str:
    """One sentence stating the tiers, for page footers."""
    (high, h), (med, m) = RELIABILITY_TIERS
    return (
        f"Reliability is judged from the coefficient of variation (CV = standard error / "
        f"estimate, with standard error = 90% MOE / {Z90}): {high} when the CV is below {h:g}%, "
        f"{med} from {h:g}% to {m:g}%, {LOW} above {m:g}%. {UNKNOWN} means the CV cannot be "
        "computed (no MOE published, or an estimate of zero)."
    )
