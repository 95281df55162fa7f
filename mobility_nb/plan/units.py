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
    """How to show values, differences and per-year changes of one indicator."""

    unit: str  # catalog unit or plan unit ("" = plain number)
    per: int | None = None
    decimals: int | None = None
    metric: Any = None  # catalog Metric, when there is one
    is_gap: bool = False  # values are gaps between subgroups: shown as differences

    def _scale(self, x: float) -> float:
        return x * self.per if self.per else x

    def _dec(self) -> int:
        return self.decimals if self.decimals is not None else _DECIMALS.get(self.unit, 2)

    def value(self, x: float | None) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "NA"
        if self.is_gap:
            return self.difference(x)
        if self.metric is not None:
            return str(self.metric.format(x))
        x = self._scale(float(x))
        if self.unit == "share":
            return f"{x * 100:.{self._dec()}f}%"
        if self.unit == "percent":
            return f"{x:.{self._dec()}f}%"
        if self.unit == "dollars":
            return f"{'-' if x < 0 else ''}${abs(x):,.{self._dec()}f}"
        return f"{x:,.{self._dec()}f}"

    def difference(
        self, x: float | None, signed: bool = False, extra: int = 0, short: bool = False
    ) -> str:
        """A difference between two values (a gap, a change); shares in percentage points."""
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "NA"
        sign = "+" if signed else ""
        x = self._scale(float(x))
        dec = self._dec() + extra
        points = "pp" if short else "percentage points"
        if self.unit == "share":
            return f"{x * 100:{sign},.{dec}f} {points}"
        if self.unit == "percent":
            return f"{x:{sign},.{dec}f} {points}"
        if self.unit == "dollars":
            lead = ("+" if x >= 0 else "-") if signed else ("-" if x < 0 else "")
            return f"{lead}${abs(x):,.{dec}f}"
        return f"{x:{sign},.{dec}f}"

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
