"""How Step 5 pages write numbers: estimates, margins of error, CVs, group names.

One place for the display rules, so the ACS tables, the tract table and the state and
national comparison print a value the same way.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

NO_ESTIMATE = "no estimate"


def esc(text: Any) -> str:
    return html.escape(str(text))


def fmt_value(value: float, unit: str) -> str:
    if value is None or not np.isfinite(value):
        return NO_ESTIMATE
    if unit == "dollars":
        # B19013 prints medians beyond its range as the edge values (see sentinels).
        edge = {250001.0: "$250,000 or more", 2499.0: "$2,500 or less"}.get(float(value))
        return edge or f"${value:,.0f}"
    if unit == "percent":
        return f"{value:.1f}%"
    return f"{value:,.0f}"


def fmt_moe(value: float, unit: str) -> str:
    if value is None or not np.isfinite(value):
        return "unknown"
    if unit == "dollars":
        return f"\u00b1${value:,.0f}"
    if unit == "percent":
        return f"\u00b1{value:.1f} pts"
    return f"\u00b1{value:,.0f}"


def local_number(value: float) -> str:
    """A local file's number as written: no trailing zeros (at most 4 decimals), '-' when
    absent."""
    if value is None or not np.isfinite(value):
        return "-"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def fmt_cv(value: float) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.1f}%"


def short_group(group: str) -> str:
    return (
        group.replace(", not Hispanic or Latino", " (non-Hispanic)")
        .replace("Native Hawaiian and Other Pacific Islander", "Native Hawaiian/Pac. Isl.")
        .replace("American Indian and Alaska Native", "American Indian/Alaska Native")
        .replace("Black or African American", "Black")
    )
