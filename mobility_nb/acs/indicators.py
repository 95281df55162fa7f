"""The ACS indicators a Step 5 page shows, declared once as data.

Each :class:`Indicator` names its tables, the variables of its numerator and
denominator for every group (all people and each race/ethnicity iteration), and its
kind. That one declaration drives the computation, the MOE method (sum / proportion
with ratio fallback / published MOE for medians), the list of variables the prefetch
pulls, and the codebook printed in the page's methods section. A group whose variables
are not in the local store is reported as such - never filled in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobility_nb.acs import moe as moe_mod

RACE_ITERATIONS: dict[str, str] = {
    "B": "Black or African American alone",
    "C": "American Indian and Alaska Native alone",
    "D": "Asian alone",
    "E": "Native Hawaiian and Other Pacific Islander alone",
    "F": "Some other race alone",
    "G": "Two or more races",
    "H": "White alone, not Hispanic or Latino",
    "I": "Hispanic or Latino",
}
ALL = "All"
NOT_IN_STORE = "not in the local store"

# Medians (and other non-additive statistics) cannot be summed across geographies.
NON_ADDITIVE_TABLES = ("B19013", "B01002", "B25064", "B25077", "B19113", "B19301")


@dataclass(frozen=True)
class Formula:
    """sum(numerator) / (sum(denominator) - sum(minus)); no denominator for counts."""

    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    minus: tuple[str, ...] = ()

    @property
    def variables(self) -> tuple[str, ...]:
        return self.numerator + self.denominator + self.minus

    def describe(self, part: str) -> str:
        if part == "numerator":
            return " + ".join(self.numerator)
        text = " + ".join(self.denominator)
        if self.minus:
            text += " - " + " - ".join(self.minus)
        return text


@dataclass(frozen=True)
class Indicator:
    """One indicator; ``formulas`` maps group -> alternatives tried in order."""

    key: str
    label: str
    topic: str
    kind: str  # "count" | "proportion" | "median"
    unit: str  # "people" | "dollars" | "percent"
    universe: str
    formulas: tuple[tuple[str, tuple[Formula, ...]], ...]
    direction: str = ""  # "higher" / "lower" is better; "" when neither
    note: str = ""

    @property
    def groups(self) -> list[str]:
        return [g for g, _ in self.formulas]

    def alternatives(self, group: str) -> tuple[Formula, ...]:
        return dict(self.formulas)[group]

    @property
    def variables(self) -> list[str]:
        return sorted({v for _, alts in self.formulas for f in alts for v in f.variables})

    @property
    def tables(self) -> list[str]:
        return sorted({v.split("_")[0] for v in self.variables})

    @property
    def moe_method(self) -> str:
        return {
            "count": "published MOE (sums: root of summed squared MOEs, largest zero-estimate "
            "MOE once)",
            "median": "published MOE (medians cannot be re-aggregated)",
            "proportion": "proportion formula; ratio formula where the proportion radicand is "
            "negative; component sums by the sum formula",
        }[self.kind]


def _lines(table: str, *lines: int) -> tuple[str, ...]:
    return tuple(f"{table}_{n:03d}" for n in lines)


def _race(
    num: Sequence[int], den: Sequence[int], table: str, minus: Sequence[int] = ()
) -> list[tuple[str, tuple[Formula, ...]]]:
    """One group per race iteration B..I of ``table`` with the same line numbers."""
    return [
        (
            label,
            (
                Formula(
                    _lines(f"{table}{r}", *num),
                    _lines(f"{table}{r}", *den),
                    _lines(f"{table}{r}", *minus),
                ),
            ),
        )
        for r, label in RACE_ITERATIONS.items()
    ]


TOTAL_POP = (("B03002_001",), ("B01003_001",), ("B01001_001",))  # the same published total

_B03002_GROUPS = [
    ("Hispanic or Latino", 12),
    ("White alone, not Hispanic or Latino", 3),
    ("Black or African American alone, not Hispanic or Latino", 4),
    ("American Indian and Alaska Native alone, not Hispanic or Latino", 5),
    ("Asian alone, not Hispanic or Latino", 6),
    ("Native Hawaiian and Other Pacific Islander alone, not Hispanic or Latino", 7),
    ("Some other race alone, not Hispanic or Latino", 8),
    ("Two or more races, not Hispanic or Latino", 9),
]
_C23002_UNEMPLOYED, _C23002_CIVILIAN_LF = (8, 13, 21, 26), (6, 11, 19, 24)
_C23002_EMPLOYED = (7, 12, 20, 25)
_B27001_UNINSURED = (5, 8, 11, 14, 17, 20, 23, 26, 29, 33, 36, 39, 42, 45, 48, 51, 54, 57)

REGISTRY: tuple[Indicator, ...] = (
    Indicator(
        "population",
        "Total population",
        "Population",
        "count",
        "people",
        "Total population",
        ((ALL, tuple(Formula(t) for t in TOTAL_POP)),),
        note="B03002_001, B01003_001 and B01001_001 publish the same total.",
    ),
    Indicator(
        "race_ethnicity_share",
        "Share of residents by race and ethnicity",
        "Population",
        "proportion",
        "percent",
        "Total population",
        tuple(
            (label, tuple(Formula((f"B03002_{line:03d}",), t) for t in TOTAL_POP))
            for label, line in _B03002_GROUPS
        ),
        note="Hispanic or Latino people may be of any race; the other groups are "
        "not Hispanic or Latino.",
    ),
    Indicator(
        "median_household_income",
        "Median household income",
        "Income",
        "median",
        "dollars",
        "Households (race groups: race of the householder)",
        (
            (ALL, (Formula(("B19013_001",)),)),
            *[(label, (Formula((f"B19013{r}_001",)),)) for r, label in RACE_ITERATIONS.items()],
        ),
        direction="higher",
        note="In inflation-adjusted dollars of the survey's last year.",
    ),
    Indicator(
        "poverty_rate",
        "People below the poverty level",
        "Income",
        "proportion",
        "percent",
        "Population for whom poverty status is determined",
        (
            (
                ALL,
                (
                    Formula(("B17001_002",), ("B17001_001",)),
                    Formula(("B17021_002",), ("B17021_001",)),
                ),
            ),
            *_race((2,), (1,), "B17001"),
        ),
        direction="lower",
        note="B17021 (same universe and count) is used when B17001 is not in the store.",
    ),
    Indicator(
        "unemployment_rate",
        "Unemployment rate",
        "Employment",
        "proportion",
        "percent",
        "Civilian labor force, 16 years and over",
        (
            (ALL, (Formula(("B23025_005",), ("B23025_003",)),)),
            *_race(_C23002_UNEMPLOYED, _C23002_CIVILIAN_LF, "C23002"),
        ),
        direction="lower",
    ),
    Indicator(
        "employment_rate",
        "Employed share of people 16 and over",
        "Employment",
        "proportion",
        "percent",
        "Population 16 years and over",
        (
            (ALL, (Formula(("B23025_004",), ("B23025_001",)),)),
            *_race(_C23002_EMPLOYED, (1,), "C23002"),
        ),
        direction="higher",
    ),
    Indicator(
        "bachelors_or_higher",
        "Adults 25+ with a bachelor's degree or higher",
        "Education",
        "proportion",
        "percent",
        "Population 25 years and over",
        (
            (ALL, (Formula(_lines("B15003", 22, 23, 24, 25), ("B15003_001",)),)),
            *_race((6, 11), (1,), "C15002"),
        ),
        direction="higher",
    ),
    Indicator(
        "rent_burden",
        "Renter households paying 30% or more of income on rent",
        "Housing",
        "proportion",
        "percent",
        "Renter households with gross rent as a share of income computed",
        ((ALL, (Formula(_lines("B25070", 7, 8, 9, 10), ("B25070_001",), ("B25070_011",)),)),),
        direction="lower",
    ),
    Indicator(
        "owner_cost_burden",
        "Owner households paying 30% or more of income on housing costs",
        "Housing",
        "proportion",
        "percent",
        "Owner-occupied units with owner costs as a share of income computed",
        (
            (
                ALL,
                (
                    Formula(
                        _lines("B25091", 8, 9, 10, 11, 19, 20, 21, 22),
                        ("B25091_001",),
                        ("B25091_012", "B25091_023"),
                    ),
                ),
            ),
        ),
        direction="lower",
    ),
    Indicator(
        "homeownership_rate",
        "Homeownership rate",
        "Housing",
        "proportion",
        "percent",
        "Occupied housing units (race groups: race of the householder)",
        ((ALL, (Formula(("B25003_002",), ("B25003_001",)),)), *_race((2,), (1,), "B25003")),
        direction="higher",
    ),
    Indicator(
        "uninsured_rate",
        "People without health insurance",
        "Health",
        "proportion",
        "percent",
        "Civilian noninstitutionalized population",
        (
            (ALL, (Formula(_lines("B27001", *_B27001_UNINSURED), ("B27001_001",)),)),
            *_race((4, 7, 10), (1,), "C27001"),
        ),
        direction="lower",
    ),
    Indicator(
        "broadband",
        "Households with a broadband internet subscription",
        "Digital access",
        "proportion",
        "percent",
        "Households",
        ((ALL, (Formula(("B28002_004",), ("B28002_001",)),)),),
        direction="higher",
    ),
)
BY_KEY = {i.key: i for i in REGISTRY}


def get(key: str) -> Indicator:
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"Unknown indicator {key!r}; known: {', '.join(BY_KEY)}") from None


def needed_variables(
    tables: Iterable[str] | None = None, indicators: Iterable[Indicator] = REGISTRY
) -> list[str]:
    """Every variable the indicators use (first alternative per group is enough for a
    fresh fetch), optionally limited to ``tables`` (a base table also selects its race
    iterations: 'B19013' -> B19013, B19013B..I)."""
    wanted = {t.upper() for t in tables} if tables else None
    out: set[str] = set()
    for ind in indicators:
        for _, alts in ind.formulas:
            for var in alts[0].variables:
                table = var.split("_")[0]
                if wanted is None or table in wanted or table[:-1] in wanted:
                    out.add(var)
    return sorted(out)


# --- computation ---------------------------------------------------------------------------


def _has(wide: pd.DataFrame, variables: Iterable[str]) -> bool:
    return all(f"{v}_E" in wide.columns for v in variables)


def _col(wide: pd.DataFrame, var: str, part: str) -> np.ndarray:
    return wide[f"{var}_{part}"].to_numpy(dtype=float)


def _sum(wide: pd.DataFrame, variables: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    est = np.column_stack([_col(wide, v, "E") for v in variables])
    moes = np.column_stack([_col(wide, v, "M") for v in variables])
    total = est.sum(axis=1)  # NaN if any component is missing
    if len(variables) == 1:
        return total, moes[:, 0]
    return total, np.asarray(moe_mod.moe_sum(est, moes))


def _flags(wide: pd.DataFrame, variables: Sequence[str]) -> list[str]:
    cols = [c for v in variables for c in (f"{v}_Ef", f"{v}_Mf") if c in wide.columns]
    out = []
    for values in zip(*(wide[c].tolist() for c in cols), strict=True) if cols else [()] * len(wide):
        found = sorted({str(v) for v in values if isinstance(v, str) and v})
        out.append(", ".join(found))
    return out


RESULT_COLUMNS = [
    "geoid",
    "name",
    "indicator",
    "label",
    "group",
    "estimate",
    "moe",
    "cv",
    "reliability",
    "unit",
    "status",
    "method",
    "variables",
    "flags",
]


def compute(
    indicator: Indicator, wide: pd.DataFrame, groups: Sequence[str] | None = None
) -> pd.DataFrame:
    """Estimates, MOEs, CVs and reliability of ``indicator`` for every row of ``wide``.

    ``wide`` is :func:`mobility_nb.acs.store.to_wide` output (index geoid). Percentages
    are 0-100. Groups whose variables are absent get status 'not in the local store'.
    """
    frames = []
    names = wide["name"] if "name" in wide.columns else pd.Series("", index=wide.index)
    for group in groups or indicator.groups:
        formula = chosen_formula(indicator, wide, group)
        base = pd.DataFrame(
            {
                "geoid": wide.index.astype(str),
                "name": names.to_numpy(),
                "indicator": indicator.key,
                "label": indicator.label,
                "group": group,
                "unit": indicator.unit,
            }
        )
        if formula is None:
            wanted = indicator.alternatives(group)[0]
            frames.append(
                base.assign(
                    estimate=np.nan,
                    moe=np.nan,
                    cv=np.nan,
                    reliability=moe_mod.UNKNOWN,
                    status=NOT_IN_STORE,
                    method="",
                    variables=", ".join(wanted.variables),
                    flags="",
                )
            )
            continue
        num, num_moe = _sum(wide, formula.numerator)
        method = "published"
        if indicator.kind == "proportion":
            den, den_moe = _sum(wide, formula.denominator + formula.minus)
            if formula.minus:
                den = _sum(wide, formula.denominator)[0] - _sum(wide, formula.minus)[0]
            with np.errstate(divide="ignore", invalid="ignore"):
                est = np.where(den > 0, 100 * num / den, np.nan)
            moe = 100 * np.asarray(moe_mod.moe_proportion(num, den, num_moe, den_moe))
            fallback = np.asarray(moe_mod.uses_ratio_fallback(num, den, num_moe, den_moe))
            method_arr = np.where(fallback, "ratio (fallback)", "proportion")
            status = np.where(
                np.isnan(num) | np.isnan(den),
                "no estimate",
                np.where(den == 0, "nobody in the universe", "ok"),
            )
        else:
            est, moe = num, num_moe
            if len(formula.numerator) > 1:
                method = "sum"
            method_arr = np.full(len(wide), method, dtype=object)
            status = np.where(np.isnan(est), "no estimate", "ok")
        cv = np.asarray(moe_mod.cv(est, moe))
        frames.append(
            base.assign(
                estimate=est,
                moe=moe,
                cv=cv,
                reliability=moe_mod.reliability(cv),
                status=status,
                method=method_arr,
                variables=", ".join(formula.variables),
                flags=_flags(wide, formula.variables),
            )
        )
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[RESULT_COLUMNS]


def compute_all(wide: pd.DataFrame, indicators: Iterable[Indicator] = REGISTRY) -> pd.DataFrame:
    """:func:`compute` for every indicator, stacked."""
    parts = [compute(i, wide) for i in indicators]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=RESULT_COLUMNS)


def chosen_formula(indicator: Indicator, wide: pd.DataFrame, group: str = ALL) -> Formula | None:
    """The first alternative of ``group`` whose variables are all in ``wide``."""
    return next((f for f in indicator.alternatives(group) if _has(wide, f.variables)), None)


def denominator(
    indicator: Indicator, wide: pd.DataFrame, group: str = ALL
) -> tuple[np.ndarray, np.ndarray] | None:
    """Estimate and MOE of the universe used for ``group`` (e.g. tract weights)."""
    formula = chosen_formula(indicator, wide, group)
    if formula is None or not formula.denominator:
        return None
    est, moe = _sum(wide, formula.denominator + formula.minus)
    if formula.minus:
        est = _sum(wide, formula.denominator)[0] - _sum(wide, formula.minus)[0]
    return est, moe


def is_additive(variable: str) -> bool:
    return not variable.startswith(NON_ADDITIVE_TABLES)


def sum_geographies(wide: pd.DataFrame, geoid: str, name: str) -> tuple[pd.DataFrame, dict]:
    """Add up component geographies (e.g. a county's tracts) into one derived row.

    Counts are summed and their MOEs combined with the sum formula (only the largest MOE
    among zero estimates); medians are left out because they cannot be re-aggregated.
    Geographies without a value for a variable are skipped and counted in the returned
    notes (variable -> number skipped).
    """
    row: dict[str, object] = {"name": name}
    skipped: dict[str, int] = {}
    variables = sorted({c[:-2] for c in wide.columns if c.endswith("_E")})
    for var in variables:
        if not is_additive(var):
            continue
        est = wide[f"{var}_E"].to_numpy(dtype=float)
        moes = wide[f"{var}_M"].to_numpy(dtype=float)
        ok = ~np.isnan(est)
        skipped[var] = int((~ok).sum())
        if not ok.any():
            continue
        row[f"{var}_E"] = float(est[ok].sum())
        row[f"{var}_M"] = float(moe_mod.moe_sum(est[ok], moes[ok]))
        row[f"{var}_Ef"] = None
        row[f"{var}_Mf"] = "derived_sum"
    frame = pd.DataFrame([row], index=pd.Index([geoid], name="geoid"))
    return frame, skipped


# --- codebook --------------------------------------------------------------------------------


def _race_span(ind: Indicator) -> str:
    race_groups = [g for g in ind.groups if g in RACE_ITERATIONS.values()]
    if not race_groups:
        return ""
    first = ind.alternatives(race_groups[0])[0]
    table = first.numerator[0].split("_")[0][:-1]
    return f"{table}B\u2013{table}I (race/ethnicity iterations, same lines)"


def codebook(indicators: Iterable[Indicator] = REGISTRY) -> pd.DataFrame:
    """One row per indicator: what is divided by what, from which tables, which MOE method."""
    rows = []
    for ind in indicators:
        overall = ind.alternatives(ind.groups[0])
        numerators = "; or ".join(f.describe("numerator") for f in overall)
        denominators = "; or ".join(f.describe("denominator") for f in overall if f.denominator)
        groups = (
            ind.groups[0]
            if len(ind.groups) == 1
            else (_race_span(ind) or f"{len(ind.groups)} groups")
        )
        if ind.key == "race_ethnicity_share":
            numerators = ", ".join(f"B03002_{line:03d} ({label})" for label, line in _B03002_GROUPS)
        rows.append(
            {
                "Indicator": ind.label,
                "Kind": ind.kind,
                "Universe": ind.universe,
                "Numerator (estimate)": numerators,
                "Denominator": denominators or "-",
                "Groups": groups,
                "MOE method": ind.moe_method,
                "Note": ind.note,
            }
        )
    return pd.DataFrame(rows)
