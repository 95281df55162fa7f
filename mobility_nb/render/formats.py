"""One way to show numbers and words on every page, chart and summary.

Coalition partners read values from three steps side by side, so a share, a dollar amount, a
rate or a missing value must look the same wherever it appears. Every page, table, chart
axis and sentence gets its text from here:

* shares (stored 0–1) as percents with one decimal; percent-unit values (ACS, plans) the same;
* differences of shares in percentage points ("+1.2 percentage points"), never as a percent change;
* dollars whole with thousands separators ("$30,586", "−$1,200");
* rates per 100,000 as whole numbers ("1,872 per 100,000" when the unit is asked for);
* a true minus sign (U+2212) and never "−0": values that round to zero carry no sign;
* one mark for a missing value, :data:`MISSING`, explained once per page (:data:`MISSING_KEY`);
* readable labels instead of variable names (:func:`label`);
* HTML text escaped with every ``$`` isolated (:func:`html_text`), so JupyterLab's MathJax
  never reads "$50,000 or More … $75,000" as a formula. MathJax pairs ``$`` signs only
  within one run of text, and an element boundary ends a run.
"""

from __future__ import annotations

import html
import math
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MINUS = "\u2212"
MISSING = "\u2014"  # em dash: the one missing-value mark on every page
MISSING_KEY = "\u2014 means no value: not published, suppressed for too few cases, or not computed."
DASH = "\u2013"  # en dash for ranges of years and values

_DOLLAR_HTML = "<span>$</span>"


def as_number(value: Any) -> float | None:
    """``value`` as a finite float, or None for missing, text and infinities."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def is_missing(value: Any) -> bool:
    """True for None, NaN, pandas NA and anything that is not a number."""
    return as_number(value) is None


def _half_up(number: float, decimals: int) -> float:
    """Rounded half away from zero, as people round (34.5 -> 35; Python's round gives 34)."""
    step = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(number)).quantize(step, rounding=ROUND_HALF_UP))


def _signed_text(number: float, decimals: int, signed: bool, grouping: bool = True) -> str:
    """``number`` rounded, with a true minus sign, '+' when ``signed``, no sign on a zero."""
    rounded = _half_up(number, decimals)
    if rounded == 0:
        rounded = 0.0  # drops the sign of -0.0
    body = f"{abs(rounded):{',' if grouping else ''}.{decimals}f}"
    if rounded < 0:
        return MINUS + body
    if signed and rounded > 0:
        return "+" + body
    return body


def number(value: Any, decimals: int = 0, signed: bool = False) -> str:
    """A plain number with thousands separators: '5,087,072', '0.98', '−1.5'."""
    x = as_number(value)
    return MISSING if x is None else _signed_text(x, decimals, signed)


def percent(share: Any, decimals: int = 1, signed: bool = False) -> str:
    """A share stored as 0–1, shown as a percent: 0.145 -> '14.5%'."""
    x = as_number(share)
    return MISSING if x is None else _signed_text(x * 100, decimals, signed) + "%"


def percent_value(value: Any, decimals: int = 1, signed: bool = False) -> str:
    """A value already in percent units (0–100): 14.5 -> '14.5%'."""
    x = as_number(value)
    return MISSING if x is None else _signed_text(x, decimals, signed) + "%"


def points(
    difference: Any, decimals: int = 1, signed: bool = False, short: bool = False, scale=100.0
) -> str:
    """A difference of shares in percentage points: 0.012 -> '1.2 percentage points'.

    ``short`` gives '1.2 pp' (axis labels).

    ``scale`` is 100 for shares stored 0–1 and 1 for values already in percent units.
    """
    x = as_number(difference)
    if x is None:
        return MISSING
    return _signed_text(x * scale, decimals, signed) + (" pp" if short else " percentage points")


def dollars(value: Any, decimals: int = 0, signed: bool = False) -> str:
    """Dollars with thousands separators: '$30,586', '−$1,200', '+$1,200' when signed."""
    x = as_number(value)
    if x is None:
        return MISSING
    text = _signed_text(x, decimals, signed)
    if text[0] in (MINUS, "+"):
        return text[0] + "$" + text[1:]
    return "$" + text


def rate(value: Any, per: int = 100_000, decimals: int = 0, unit: bool = False) -> str:
    """A rate per ``per`` people, whole by default: '1,872' or '1,872 per 100,000'."""
    text = number(value, decimals)
    return f"{text} per {per:,}" if unit and text != MISSING else text


def ratio(value: Any, decimals: int = 2) -> str:
    """A ratio such as average pay over a living wage: '0.78'."""
    return number(value, decimals)


def count(value: Any) -> str:
    """A whole count: '24,124'."""
    return number(value, 0)


def share_of(part: int, whole: int) -> str:
    """'12 of 47'."""
    return f"{part:,} of {whole:,}"


def year_span(first: Any, last: Any) -> str:
    """'2018–2023', or one year when both are the same; '' when there is none."""
    a, b = as_number(first), as_number(last)
    if a is None and b is None:
        return ""
    if a is None or b is None or int(a) == int(b):
        return str(int(a if a is not None else b))  # type: ignore[arg-type]
    return f"{int(a)}{DASH}{int(b)}"


def value_range(low: str, high: str) -> str:
    """'13.2% to 15.1%' (words, not a dash, so a negative bound stays readable)."""
    return f"{low} to {high}"


def long_date(stamp: Any) -> str:
    """'December 1, 2026' from a date, datetime or ISO text ('' when unreadable)."""
    if isinstance(stamp, datetime):
        day = stamp.date()
    elif isinstance(stamp, date):
        day = stamp
    else:
        try:
            day = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).date()
        except ValueError:
            return ""
    return f"{day:%B} {day.day}, {day.year}"


# --- Mobility Metrics values ---------------------------------------------------------------------

# Decimals per catalog unit when the catalog gives none. Rates per 100,000 are whole numbers.
UNIT_DECIMALS = {
    "share": 1,
    "dollars": 0,
    "rate": 0,
    "ratio": 2,
    "parity": 2,
    "index": 0,
    "count": 0,
}


def _metric_decimals(metric: Any) -> int:
    decimals = getattr(metric, "decimals", None)
    return UNIT_DECIMALS.get(metric.unit, 1) if decimals is None else int(decimals)


def metric_value(metric: Any, value: Any) -> str:
    """One value of a catalog metric (``mobility_nb.data.catalog.Metric``) as a page shows it.

    Shares as percents, dollars whole, rates whole, ratios two decimals, indexes and counts
    whole; ``per`` rescales first (affordable homes per 100 households). Parity metrics
    accept Urban's ``"a:b"`` text and show both shares as percents.
    """
    if metric.unit == "parity" and isinstance(value, str) and ":" in value:
        return parity_text(value)
    x = as_number(value)
    if x is None:
        return MISSING
    if metric.per:
        x *= metric.per
    decimals = _metric_decimals(metric)
    if metric.unit == "share":
        return percent(x, decimals)
    if metric.unit == "dollars":
        return dollars(x, decimals)
    return number(x, decimals)


def metric_change(metric: Any, change: Any) -> str:
    """A signed change or gap of a metric, with its unit: '+1.2 points', '−$1,200', '+154'."""
    x = as_number(change)
    if x is None:
        return MISSING
    if metric.per:
        x *= metric.per
    decimals = _metric_decimals(metric)
    if metric.unit == "share":
        return points(x, decimals, signed=True)
    if metric.unit == "dollars":
        return dollars(x, decimals, signed=True)
    return number(x, decimals, signed=True)


def metric_gap(metric: Any, gap: Any) -> str:
    """The size of a gap (no sign): '12.3 points', '$8,100', '154'."""
    x = as_number(gap)
    if x is None:
        return MISSING
    return metric_change(metric, abs(x)).lstrip("+")


def metric_unit(metric: Any) -> str:
    """The unit words a bare number of this metric needs: 'per 100,000 people', '' for %/$."""
    if metric.unit not in ("rate", "ratio", "count"):
        return ""
    found = re.search(r"\bper (?:[\d,]+ )?[A-Za-z][A-Za-z -]*?(?= \(|$)", str(metric.label))
    return found.group(0) if found else ""


def metric_value_unit(metric: Any, value: Any) -> str:
    """A value with its unit words when it needs them: '1,872 per 100,000 people', '14.5%'."""
    text = metric_value(metric, value)
    unit = metric_unit(metric)
    return f"{text} {unit}" if unit and text != MISSING else text


def parity_text(text: str) -> str:
    """Urban's wealth-parity text 'a:b' (shares 0–1, or older '20.8%:27.5%') as '20.8% : 27.5%'."""
    parts = [as_number(p.strip().rstrip("%")) for p in str(text).split(":", 1)]
    if len(parts) != 2 or any(p is None for p in parts):
        return MISSING
    scale = 1 if "%" in text else 100
    return " : ".join(f"{_signed_text(p * scale, 1, False)}%" for p in parts)  # type: ignore[operator]


# --- words ---------------------------------------------------------------------------------------

_ACRONYMS = {"acs": "ACS", "ami": "AMI", "moe": "MOE", "cv": "CV", "fips": "FIPS", "id": "ID"}


def label(name: Any) -> str:
    """A readable label for a variable name: the catalog's label for a metric, else words.

    ``share_employed`` -> 'Adults 25-54 who have a job'; ``filing_rate_per_100`` ->
    'Filing rate per 100'. Text that already reads as words is returned unchanged.
    """
    text = str(name).strip()
    if not text or (" " in text and "_" not in text):
        return text
    from mobility_nb.data import catalog

    try:
        return catalog.get_metric(text).label
    except Exception:  # noqa: BLE001 - not a metric name: make words of it
        pass
    words = [w for w in re.split(r"[_\s]+", text) if w]
    if not words:
        return text
    shown = [_ACRONYMS.get(w.lower(), w.lower()) for w in words]
    first = shown[0]
    shown[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(shown)


def html_text(text: Any) -> str:
    """``text`` escaped for HTML, each ``$`` in its own element (see the module docstring)."""
    return html.escape(str(text)).replace("$", _DOLLAR_HTML)


def html_attr(text: Any) -> str:
    """``text`` escaped for an HTML attribute value (MathJax does not read attributes)."""
    return html.escape(str(text), quote=True)


# --- ACS estimates and local files ---------------------------------------------------------------

# B19013 and similar tables print medians beyond their range as the edge values (see
# mobility_nb.acs.sentinels); a page says what they mean instead of a false exact number.
ACS_EDGES = {250001.0: "$250,000 or more", 2499.0: "$2,500 or less"}


def acs_estimate(value: Any, unit: str) -> str:
    """An ACS estimate in its unit: '$41,250', '$250,000 or more', '12.3%', '4,512'."""
    x = as_number(value)
    if x is None:
        return MISSING
    if unit == "dollars":
        return ACS_EDGES.get(x) or dollars(x)
    if unit == "percent":
        return percent_value(x, 1)
    return number(x)


def acs_moe(value: Any, unit: str) -> str:
    """A 90% margin of error: '±$1,234', '±2.3 points', '±512'."""
    x = as_number(value)
    if x is None:
        return MISSING
    if unit == "dollars":
        return "\u00b1" + dollars(abs(x))
    if unit == "percent":
        return "\u00b1" + points(abs(x), 1, scale=1).replace("percentage points", "points")
    return "\u00b1" + number(abs(x))


def cv_text(value: Any) -> str:
    """A coefficient of variation (already in percent): '18.2%'."""
    return percent_value(value, 1)


def local_number(value: Any) -> str:
    """A number from a local file as written: no trailing zeros, at most four decimals."""
    x = as_number(value)
    if x is None:
        return MISSING
    if x.is_integer():
        return number(x)
    return number(x, 4).rstrip("0").rstrip(".")


def group_label(group: Any) -> str:
    """A Census race/ethnicity group in a few words ('Black (non-Hispanic)')."""
    return (
        str(group)
        .replace(", not Hispanic or Latino", " (non-Hispanic)")
        .replace("Native Hawaiian and Other Pacific Islander", "Native Hawaiian/Pac. Isl.")
        .replace("American Indian and Alaska Native", "American Indian/Alaska Native")
        .replace("Black or African American", "Black")
    )
