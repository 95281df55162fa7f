"""Display text for indicator values and changes, by unit.

Mobility Metrics use the catalog's own formatter (shares as percent, per-100 scaling);
local and ACS indicators use the unit the plan gives. Changes and gaps of shares are
percentage points, so "+1.2 pp a year" is not misread as a relative change.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mobility_nb.errors import TypedValueError  # noqa: F401 (defined there)
from mobility_nb.render import formats

Fmt = Callable[[float], str]

_DECIMALS = {
    "share": 1,
    "percent": 1,
    "dollars": 0,
    "count": 0,
    "rate": 1,
    "ratio": 2,
    "index": 0,
    "number": 2,
    "parity": 2,
}


@dataclass(frozen=True)
class Units:
    """How to show values, differences and per-year changes of one indicator.

    The text comes from :mod:`mobility_nb.render.formats`, the one formatter of every page.
    """

    unit: str  # catalog unit or plan unit ("" = plain number)
    per: int | None = None
    decimals: int | None = None
    metric: Any = None  # catalog Metric, when there is one
    is_gap: bool = False  # values are gaps between subgroups: shown as differences

    def _scale(self, x: float) -> float:
        return x * self.per if self.per else x

    def _dec(self) -> int:
        if self.decimals is not None:
            return self.decimals
        return _DECIMALS.get(self.unit, 2)

    def value(self, x: float | None) -> str:
        if formats.is_missing(x):
            return formats.MISSING
        if self.is_gap:
            return self.difference(x)
        if self.metric is not None:
            return formats.metric_value(self.metric, x)
        x = self._scale(float(x))  # type: ignore[arg-type]
        if self.unit == "share":
            return formats.percent(x, self._dec())
        if self.unit == "percent":
            return formats.percent_value(x, self._dec())
        if self.unit == "dollars":
            return formats.dollars(x, self._dec())
        return formats.number(x, self._dec())

    def difference(
        self, x: float | None, signed: bool = False, extra: int = 0, short: bool = False
    ) -> str:
        """A difference between two values (a gap, a change); shares in percentage points."""
        if formats.is_missing(x):
            return formats.MISSING
        x = self._scale(float(x))  # type: ignore[arg-type]
        dec = self._dec() + extra
        if self.unit in SHARE_KINDS:
            scale = 100.0 if self.unit == "share" else 1.0
            return formats.points(x, dec, signed=signed, short=short, scale=scale)
        if self.unit == "dollars":
            return formats.dollars(x, dec, signed=signed)
        return formats.number(x, dec, signed=signed)

    def tick(self, x: float) -> str:
        """Short axis label text."""
        return self.difference(x, short=True) if self.is_gap else self.value(x)

    def per_year(self, x: float | None) -> str:
        """A change per year: signed, one more decimal than values."""
        return self.difference(x, signed=True, extra=1)


def units_for(unit: str, metric: Any = None) -> Units:
    if metric is not None:
        return Units(unit=metric.unit, per=metric.per, decimals=metric.decimals, metric=metric)
    return Units(unit=unit or "number")


def gap_units(units: Units) -> Units:
    """Gaps between subgroups are differences, shown without the catalog's value format."""
    return Units(unit=units.unit, per=units.per, decimals=units.decimals, is_gap=True)


# --- reading values typed by people -----------------------------------------------------------
#
# Targets and benchmarks are typed in the units the page shows: a share as 60%, 60 or 0.60
# (all read as sixty percent), a per-100 metric per 100 (the file stores units per
# household: 75 is stored as 0.75), dollars as dollars. This is the one place that turns
# what was typed into the number stored beside the data, and says how it was read.

SHARE_KINDS = ("share", "percent")  # "share": stored 0-1; "percent": stored 0-100
NON_NEGATIVE = ("share", "percent", "dollars", "count", "rate", "ratio", "index", "parity")
PER_N_MAX = 1000.0  # more than 10 homes per household is not a plausible target
PER_N_MIN = 5.0  # below any county or city in the data: probably typed per household


_KIND_WORDS = {
    "share": "a share",
    "percent": "a percentage",
    "dollars": "a dollar amount",
    "count": "a count",
    "rate": "a rate",
    "ratio": "a ratio",
    "index": "an index",
    "parity": "a ratio",
}


@dataclass(frozen=True)
class TypedValue:
    """A value as typed, as stored (the data's own units) and as the page shows it."""

    stored: float
    typed: str
    shown: str
    note: str = ""  # how it was read, e.g. "read from 0.6"; "" when there is nothing to say

    def confirmation(self) -> str:
        """'60.0% (read from 0.6)' or just '60.0%'."""
        return f"{self.shown} ({self.note})" if self.note else self.shown


def _typed_text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _parse(raw: object) -> tuple[float, bool, bool, bool]:
    """(number, had %, had $, had 'per N') from a number or text such as '60%' or '$45,000'."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise TypedValueError(f"must be a number, not {raw!r}")
    if not isinstance(raw, str):
        number = float(raw)
        if math.isnan(number) or math.isinf(number):
            raise TypedValueError(f"must be a number, not {raw!r}")
        return number, False, False, False
    text = raw.strip().lower().replace(",", "").replace(" ", "")
    per = text.endswith(("per100", "/100"))
    text = text.removesuffix("per100").removesuffix("/100")
    percent = text.endswith("%")
    text = text.rstrip("%")
    dollars = "$" in text
    text = text.replace("$", "").replace("usd", "")
    try:
        number = float(text)
    except ValueError:
        raise TypedValueError(f"{raw!r} is not a number") from None
    if math.isnan(number) or math.isinf(number):
        raise TypedValueError(f"{raw!r} is not a number")
    return number, percent, dollars, per


def how_to_type(units: Units) -> str:
    """Plain words on how to type a target for this unit (for errors and the workbook)."""
    if units.per:
        return f"a number per {units.per}, e.g. 75 for 75 per {units.per}"
    return {
        "share": "a percentage, e.g. 60% (60 and 0.60 are read the same way)",
        "percent": "a percentage, e.g. 60% (60 and 0.60 are read the same way)",
        "dollars": "dollars, e.g. 45000 or $45,000",
        "count": "a whole number, e.g. 400",
        "rate": "a rate in the units the page shows, e.g. 45.0",
        "ratio": "a ratio, e.g. 1.2",
        "index": "an index value, e.g. 60",
        "parity": "a ratio, e.g. 1.0 for parity",
    }.get(units.unit, "a number")


def unit_label(units: Units) -> str:
    """Short unit text shown beside a target cell: '%', 'per 100', '$', 'count'."""
    if units.is_gap:
        return "percentage points" if units.unit in SHARE_KINDS else "gap"
    if units.per:
        return f"per {units.per}"
    return {
        "share": "%",
        "percent": "%",
        "dollars": "$",
        "count": "count",
        "rate": "rate",
        "ratio": "ratio",
        "index": "index",
        "parity": "ratio",
    }.get(units.unit, "number")


def read_typed(raw: object, units: Units) -> TypedValue:
    """Read a typed target or benchmark into the data's units; raises TypedValueError.

    Shares and percents: a number above 0 and below 1 is a fraction (0.6 = 60%), 1 is
    ambiguous (100% or 1%?) unless written with a % sign, anything else is a percentage;
    over 100% is refused. Per-N metrics are typed per N. Negative values are refused for
    every unit that cannot be negative.
    """
    number, percent, dollars, per = _parse(raw)
    typed = _typed_text(raw)
    kind = units.unit if units.unit in _DECIMALS or units.unit == "parity" else "number"
    hint = how_to_type(units)
    if dollars and kind != "dollars":
        raise TypedValueError(
            f"{typed!r} has a $ sign, but this indicator is not in dollars; type {hint}"
        )
    if percent and kind not in SHARE_KINDS:
        raise TypedValueError(
            f"{typed!r} has a % sign, but this indicator is not a share; type {hint}"
        )
    if per and not units.per:
        raise TypedValueError(
            f"{typed!r} is written per 100, but this indicator is not a "
            f"per-100 measure; type {hint}"
        )
    if number < 0 and kind in NON_NEGATIVE:
        raise TypedValueError(
            f"{typed} is negative, but {_KIND_WORDS[kind]} cannot be; type {hint}"
        )
    note = ""
    if kind in SHARE_KINDS:
        if percent:
            pct = number
        elif number == 1:
            raise TypedValueError("1 could mean 100% or 1%; type 100% or 1% (with the % sign)")
        elif 0 < number < 1:
            pct, note = number * 100, f"read from {typed}"
        else:
            pct, note = number, f"read from {typed}"
        if pct > 100:
            shown = typed if percent else f"{typed} (read as {pct:g}%)"
            raise TypedValueError(f"{shown} is over 100%, which a share cannot be; type {hint}")
        stored = pct / 100 if kind == "share" else pct
    elif units.per:
        if number > PER_N_MAX:
            raise TypedValueError(
                f"{typed} per {units.per} is not plausible (more than {PER_N_MAX / units.per:g} "
                f"for every one); targets for this measure are typed per {units.per}, "
                f"e.g. 75 for 75 per {units.per}"
            )
        if 0 < number < PER_N_MIN and not per:
            raise TypedValueError(
                f"{typed} per {units.per} is below any place in the data; targets for this "
                f"measure are typed per {units.per} (the data file's {typed} per one would "
                f"be {number * units.per:g} per {units.per}): type {number * units.per:g}, "
                f"or write '{typed} per {units.per}' if you mean it"
            )
        stored = number / units.per
        note = f"typed per {units.per}"
    else:
        stored = number
    return TypedValue(stored=stored, typed=typed, shown=units.value(stored), note=note)
