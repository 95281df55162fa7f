"""The ACS indicators a Step 5 page shows, declared once as data.

Each :class:`Indicator` names its tables, the variables of its numerator and
denominator for every group (all people and each race/ethnicity iteration), and its
kind. That one declaration drives the computation, the MOE method (sum / proportion
with ratio fallback / published MOE for medians), the list of variables the prefetch
pulls, and the codebook printed in the page's methods section. A group whose variables
are not in the local store is reported as such - never filled in.

Each group lists alternatives tried in order, so a row fills from whichever source the
store holds: the detailed-table formula first (what ``census fetch`` pulls), then the
subject tables' published percentages (:class:`Published`: S1701, S2301, S1501, S2701,
used with the MOE the Census Bureau published beside them), then formulas over
subject-table counts, then other agencies' published values (``SVI:*``). The choice is
made per geography: the first alternative with an estimate and an MOE, else the first
with an estimate. Every result row says which variables, which kind of value
(``value_kind``) and which source (``source``) filled it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobility_nb.acs import moe as moe_mod
from mobility_nb.acs import variables as names_mod

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
NON_ADDITIVE_TABLES = names_mod.NON_ADDITIVE_TABLES
VALUE_KINDS = {
    "formula": "computed from ACS variables",
    "formula_published": "computed from published values",
    "published": "published value",
}


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
class Published:
    """A value its source already computed - a subject-table percentage, another agency's
    rate - used as published, with the MOE published beside it.

    Several names are added up (MOE by the sum formula); only percentages of one and the
    same universe are declared that way (S1501's bachelor's + graduate percentages).
    """

    names: tuple[str, ...]
    note: str = ""

    @property
    def variables(self) -> tuple[str, ...]:
        return self.names

    @property
    def numerator(self) -> tuple[str, ...]:
        return self.names

    denominator: tuple[str, ...] = ()
    minus: tuple[str, ...] = ()

    def describe(self, part: str) -> str:
        if part != "numerator":
            return ""
        return " + ".join(self.names) + " (published)"


Alternative = Formula | Published


@dataclass(frozen=True)
class Indicator:
    """One indicator; ``formulas`` maps group -> alternatives tried in order."""

    key: str
    label: str
    topic: str
    kind: str  # "count" | "proportion" | "median"
    unit: str  # "people" | "dollars" | "percent"
    universe: str
    formulas: tuple[tuple[str, tuple[Alternative, ...]], ...]
    direction: str = ""  # "higher" / "lower" is better; "" when neither
    note: str = ""

    @property
    def groups(self) -> list[str]:
        return [g for g, _ in self.formulas]

    def alternatives(self, group: str) -> tuple[Alternative, ...]:
        return dict(self.formulas)[group]

    @property
    def variables(self) -> list[str]:
        return sorted({v for _, alts in self.formulas for f in alts for v in f.variables})

    @property
    def tables(self) -> list[str]:
        """Tables of the first alternative of each group: what ``census fetch`` pulls."""
        return sorted({v.split("_")[0] for _, alts in self.formulas for v in alts[0].variables})

    @property
    def moe_method(self) -> str:
        text = self._formula_moe_method
        if any(isinstance(a, Published) for _, alts in self.formulas for a in alts):
            text += (
                "; published values (subject-table percentages, other agencies' rates) "
                "keep the MOE published with them"
            )
        return text

    @property
    def _formula_moe_method(self) -> str:
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


def _subject(code: str, lines: dict[str, int]) -> dict[str, str]:
    """Race letter -> subject-table cell, e.g. ('S1701_C03', {'B': 14}) -> S1701_C03_014."""
    return {r: f"{code}_{n:03d}" for r, n in lines.items()}


def _with(
    groups: list[tuple[str, tuple[Alternative, ...]]], extra: dict[str, list[Alternative]]
) -> list[tuple[str, tuple[Alternative, ...]]]:
    """Append alternatives to race groups; ``extra`` is keyed by iteration letter (or ALL)."""
    by_label = {label: r for r, label in RACE_ITERATIONS.items()} | {ALL: ALL}
    return [(label, alts + tuple(extra.get(by_label.get(label, ""), ()))) for label, alts in groups]


# Subject-table lines of the race/ethnicity groups (2017+ layouts), by iteration letter.
S1701_RACE_LINES = {"B": 14, "C": 15, "D": 16, "E": 17, "F": 18, "G": 19, "H": 21, "I": 20}
S2301_RACE_LINES = {"B": 13, "C": 14, "D": 15, "E": 16, "F": 17, "G": 18, "H": 20, "I": 19}
S2701_RACE_LINES = {"B": 17, "C": 18, "D": 19, "E": 20, "F": 21, "G": 22, "H": 24, "I": 23}
S1501_RACE_LINES = {
    "B": (34, 36),
    "C": (37, 39),
    "D": (40, 42),
    "E": (43, 45),
    "F": (46, 48),
    "G": (49, 51),
    "H": (31, 33),
    "I": (52, 54),
}  # (total 25+, bachelor's+)


def _poverty_extra() -> dict[str, list[Alternative]]:
    extra: dict[str, list[Alternative]] = {
        ALL: [
            Published(("S1701_C03_001",)),
            Formula(("S1701_C02_001",), ("S1701_C01_001",)),
            Published(("SVI:EP_POV",), note="CDC SVI 2018 and earlier: percent below poverty"),
        ]
    }
    for r, cell in _subject("S1701_C03", S1701_RACE_LINES).items():
        line = cell[-3:]
        extra[r] = [Published((cell,)), Formula((f"S1701_C02_{line}",), (f"S1701_C01_{line}",))]
    return extra


def _rate_extra(column: str, svi: str = "") -> dict[str, list[Alternative]]:
    extra: dict[str, list[Alternative]] = {ALL: [Published((f"S2301_{column}_001",))]}
    if svi:
        extra[ALL].append(Published((svi,)))
    for r, cell in _subject(f"S2301_{column}", S2301_RACE_LINES).items():
        extra[r] = [Published((cell,))]
    return extra


def _bachelors_extra() -> dict[str, list[Alternative]]:
    extra: dict[str, list[Alternative]] = {
        ALL: [
            Published(("S1501_C02_015",)),
            Formula(("S1501_C01_015",), ("S1501_C01_006",)),
            Published(
                ("S1501_C02_012", "S1501_C02_013"),
                note="bachelor's plus graduate degree percentages of the 25+ population",
            ),
        ]
    }
    for r, (total, bach) in S1501_RACE_LINES.items():
        extra[r] = [Formula((f"S1501_C01_{bach:03d}",), (f"S1501_C01_{total:03d}",))]
    return extra


def _uninsured_extra() -> dict[str, list[Alternative]]:
    extra: dict[str, list[Alternative]] = {
        ALL: [
            Published(("S2701_C05_001",)),
            Formula(("S2701_C04_001",), ("S2701_C01_001",)),
            Published(("SVI:EP_UNINSUR",)),
        ]
    }
    for r, n in S2701_RACE_LINES.items():
        extra[r] = [
            Published((f"S2701_C05_{n:03d}",)),
            Formula((f"S2701_C04_{n:03d}",), (f"S2701_C01_{n:03d}",)),
        ]
    return extra


def _tenure_extra() -> dict[str, list[Alternative]]:
    """Owner share from owner + renter counts when the total's MOE is not at hand."""
    extra: dict[str, list[Alternative]] = {
        ALL: [Formula(("B25003_002",), ("B25003_002", "B25003_003"))]
    }
    for r in RACE_ITERATIONS:
        extra[r] = [Formula((f"B25003{r}_002",), (f"B25003{r}_002", f"B25003{r}_003"))]
    return extra


# Rent burden from the bins a source summed itself (the Equity Center's B25070 levels).
B25070_BURDENED = "B25070_007+B25070_008+B25070_009"
B25070_NOT_BURDENED = "B25070_002+B25070_003+B25070_004+B25070_005+B25070_006"


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
        tuple(
            _with(
                [
                    (
                        ALL,
                        (
                            Formula(("B17001_002",), ("B17001_001",)),
                            Formula(("B17021_002",), ("B17021_001",)),
                        ),
                    ),
                    *_race((2,), (1,), "B17001"),
                ],
                _poverty_extra(),
            )
        ),
        direction="lower",
        note="B17021 (same universe and count) is used when B17001 is not in the store; "
        "else S1701's published percentages.",
    ),
    Indicator(
        "unemployment_rate",
        "Unemployment rate",
        "Employment",
        "proportion",
        "percent",
        "Civilian labor force, 16 years and over",
        tuple(
            _with(
                [
                    (ALL, (Formula(("B23025_005",), ("B23025_003",)),)),
                    *_race(_C23002_UNEMPLOYED, _C23002_CIVILIAN_LF, "C23002"),
                ],
                _rate_extra("C04", "SVI:EP_UNEMP"),
            )
        ),
        direction="lower",
        note="Else S2301's published unemployment rates.",
    ),
    Indicator(
        "employment_rate",
        "Employed share of people 16 and over",
        "Employment",
        "proportion",
        "percent",
        "Population 16 years and over",
        tuple(
            _with(
                [
                    (ALL, (Formula(("B23025_004",), ("B23025_001",)),)),
                    *_race(_C23002_EMPLOYED, (1,), "C23002"),
                ],
                _rate_extra("C03"),
            )
        ),
        direction="higher",
        note="Else S2301's published employment/population ratios.",
    ),
    Indicator(
        "bachelors_or_higher",
        "Adults 25+ with a bachelor's degree or higher",
        "Education",
        "proportion",
        "percent",
        "Population 25 years and over",
        tuple(
            _with(
                [
                    (ALL, (Formula(_lines("B15003", 22, 23, 24, 25), ("B15003_001",)),)),
                    *_race((6, 11), (1,), "C15002"),
                ],
                _bachelors_extra(),
            )
        ),
        direction="higher",
        note="Else S1501: the published percentage, or its counts by race and ethnicity.",
    ),
    Indicator(
        "rent_burden",
        "Renter households paying 30% or more of income on rent",
        "Housing",
        "proportion",
        "percent",
        "Renter households with gross rent as a share of income computed",
        (
            (
                ALL,
                (
                    Formula(_lines("B25070", 7, 8, 9, 10), ("B25070_001",), ("B25070_011",)),
                    Formula(
                        (B25070_BURDENED, "B25070_010"),
                        (B25070_NOT_BURDENED, B25070_BURDENED, "B25070_010"),
                    ),
                ),
            ),
        ),
        direction="lower",
        note="Else from the rent-burden bins a source summed (30-49% and 50%+ of all bins).",
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
        tuple(
            _with(
                [(ALL, (Formula(("B25003_002",), ("B25003_001",)),)), *_race((2,), (1,), "B25003")],
                _tenure_extra(),
            )
        ),
        direction="higher",
        note="Owner plus renter households stand in for the total when its MOE is missing.",
    ),
    Indicator(
        "uninsured_rate",
        "People without health insurance",
        "Health",
        "proportion",
        "percent",
        "Civilian noninstitutionalized population",
        tuple(
            _with(
                [
                    (ALL, (Formula(_lines("B27001", *_B27001_UNINSURED), ("B27001_001",)),)),
                    *_race((4, 7, 10), (1,), "C27001"),
                ],
                _uninsured_extra(),
            )
        ),
        direction="lower",
        note="Else S2701: the published percentage, or its counts by race and ethnicity.",
    ),
    Indicator(
        "median_earnings",
        "Median earnings of workers",
        "Income",
        "median",
        "dollars",
        "Population 16 years and over with earnings (race groups: race of the worker)",
        (
            (ALL, (Formula(("B20002_001",)), Formula(("B20017_001",)))),
            *[(label, (Formula((f"B20017{r}_001",)),)) for r, label in RACE_ITERATIONS.items()],
        ),
        direction="higher",
        note="In inflation-adjusted dollars of the survey's last year; B20002_001 and "
        "B20017_001 publish the same median.",
    ),
    Indicator(
        "median_gross_rent",
        "Median gross rent",
        "Housing",
        "median",
        "dollars",
        "Renter-occupied housing units paying cash rent",
        ((ALL, (Formula(("B25064_001",)),)),),
        note="Contract rent plus utilities, in dollars of the survey's last year.",
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
    "value_kind",
    "source",
]


def _sources(wide: pd.DataFrame, variables: Sequence[str]) -> list[str]:
    """Per row, who supplied the cells used (from the store's ``<var>_S`` columns)."""
    cols = [f"{v}_S" for v in variables if f"{v}_S" in wide.columns]
    if not cols:
        return [""] * len(wide)
    out = []
    for values in zip(*(wide[c].tolist() for c in cols), strict=True):
        found = list(dict.fromkeys(str(v) for v in values if isinstance(v, str) and v))
        out.append("; ".join(found))
    return out


def _value_kind(alt: Alternative) -> str:
    if isinstance(alt, Published):
        return VALUE_KINDS["published"]
    if any(not names_mod.is_raw_code(v) for v in alt.variables):
        return VALUE_KINDS["formula_published"]
    return VALUE_KINDS["formula"]


def _evaluate(indicator: Indicator, wide: pd.DataFrame, alt: Alternative) -> dict[str, np.ndarray]:
    """Estimate, MOE, status and method of one alternative for every row of ``wide``."""
    n = len(wide)
    num, num_moe = _sum(wide, alt.numerator)
    if isinstance(alt, Published):
        est, moe = num, num_moe
        method = np.full(
            n, "published" if len(alt.names) == 1 else "sum of published values", dtype=object
        )
        status = np.where(np.isnan(est), "no estimate", "ok").astype(object)
    elif indicator.kind == "proportion":
        den, den_moe = _sum(wide, alt.denominator + alt.minus)
        if alt.minus:
            den = _sum(wide, alt.denominator)[0] - _sum(wide, alt.minus)[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            est = np.where(den > 0, 100 * num / den, np.nan)
        moe = 100 * np.asarray(moe_mod.moe_proportion(num, den, num_moe, den_moe))
        fallback = np.asarray(moe_mod.uses_ratio_fallback(num, den, num_moe, den_moe))
        method = np.where(fallback, "ratio (fallback)", "proportion").astype(object)
        status = np.where(
            np.isnan(num) | np.isnan(den),
            "no estimate",
            np.where(den == 0, "nobody in the universe", "ok"),
        ).astype(object)
    else:
        est, moe = num, num_moe
        method = np.full(n, "sum" if len(alt.numerator) > 1 else "published", dtype=object)
        status = np.where(np.isnan(est), "no estimate", "ok").astype(object)
    return {
        "estimate": np.asarray(est, dtype=float),
        "moe": np.asarray(moe, dtype=float),
        "method": method,
        "status": status,
        "variables": np.full(n, ", ".join(dict.fromkeys(alt.variables)), dtype=object),
        "flags": np.asarray(_flags(wide, alt.variables), dtype=object),
        "value_kind": np.full(n, _value_kind(alt), dtype=object),
        "source": np.asarray(_sources(wide, alt.variables), dtype=object),
    }


def _choose(results: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Per row: the first alternative with an estimate and an MOE, else the first with an
    estimate, else the first one (whose status says why there is no value)."""
    est = np.column_stack([r["estimate"] for r in results])
    moe = np.column_stack([r["moe"] for r in results])
    both = np.isfinite(est) & np.isfinite(moe)
    some = np.isfinite(est)
    pick = np.where(
        both.any(axis=1), both.argmax(axis=1), np.where(some.any(axis=1), some.argmax(axis=1), 0)
    )
    rows = np.arange(len(pick))
    return {k: np.column_stack([r[k] for r in results])[rows, pick] for k in results[0]}


def compute(
    indicator: Indicator, wide: pd.DataFrame, groups: Sequence[str] | None = None
) -> pd.DataFrame:
    """Estimates, MOEs, CVs and reliability of ``indicator`` for every row of ``wide``.

    ``wide`` is :func:`mobility_nb.acs.store.to_wide` output (index geoid). Percentages
    are 0-100. Groups none of whose alternatives are in the store get status 'not in the
    local store'. ``value_kind`` and ``source`` say what filled each row.
    """
    frames = []
    names = wide["name"] if "name" in wide.columns else pd.Series("", index=wide.index)
    for group in groups or indicator.groups:
        alternatives = indicator.alternatives(group)
        present = [a for a in alternatives if _has(wide, a.variables)]
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
        if not present:
            wanted = alternatives[0]
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
                    value_kind="",
                    source="",
                )
            )
            continue
        chosen = _choose([_evaluate(indicator, wide, a) for a in present])
        cv = np.asarray(moe_mod.cv(chosen["estimate"], chosen["moe"]))
        frames.append(base.assign(cv=cv, reliability=moe_mod.reliability(cv), **chosen))
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[RESULT_COLUMNS]


def compute_all(wide: pd.DataFrame, indicators: Iterable[Indicator] = REGISTRY) -> pd.DataFrame:
    """:func:`compute` for every indicator, stacked."""
    parts = [compute(i, wide) for i in indicators]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=RESULT_COLUMNS)


def chosen_formula(indicator: Indicator, wide: pd.DataFrame, group: str = ALL) -> Formula | None:
    """The first formula (not a published value) of ``group`` whose variables are all in
    ``wide`` - the one whose denominator weighs geographies."""
    return next(
        (
            f
            for f in indicator.alternatives(group)
            if isinstance(f, Formula) and _has(wide, f.variables)
        ),
        None,
    )


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
    """Counts may be summed over geographies; medians and published values may not."""
    return names_mod.is_additive(variable)


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
        if f"{var}_S" in wide.columns:
            row[f"{var}_S"] = "; ".join(
                dict.fromkeys(str(v) for v in wide.loc[ok, f"{var}_S"] if isinstance(v, str) and v)
            )
    frame = pd.DataFrame([row], index=pd.Index([geoid], name="geoid"))
    return frame, skipped


# --- codebook --------------------------------------------------------------------------------


def _race_span(ind: Indicator) -> str:
    race_groups = [g for g in ind.groups if g in RACE_ITERATIONS.values()]
    if not race_groups:
        return ""
    alts = ind.alternatives(race_groups[0])
    first_table = alts[0].numerator[0].split("_")[0]
    if not first_table[-1].isalpha():  # groups of one table's lines, not race iterations
        return ""
    table = first_table[:-1]
    text = f"{table}B\u2013{table}I (race/ethnicity iterations, same lines)"
    others = list(
        dict.fromkeys(
            names_mod.table_of(v)
            for a in alts[1:]
            for v in a.variables
            if names_mod.table_of(v)[:-1] != table
        )
    )
    if others:
        text += f"; else {', '.join(others)} race/ethnicity lines"
    return text


def codebook(indicators: Iterable[Indicator] = REGISTRY) -> pd.DataFrame:
    """One row per indicator: what is divided by what, from which tables, which MOE method."""
    rows = []
    for ind in indicators:
        every = ind.alternatives(ind.groups[0])
        overall = [f for f in every if _is_detailed(f)] or list(every[:1])
        others = [f for f in every if f not in overall]
        numerators = "; or ".join(dict.fromkeys(f.describe("numerator") for f in overall))
        denominators = "; or ".join(
            dict.fromkeys(f.describe("denominator") for f in overall if f.denominator)
        )
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
                "Also accepted": "; ".join(_describe_alternative(f) for f in others) or "-",
            }
        )
    return pd.DataFrame(rows)


def _is_detailed(alt: Alternative) -> bool:
    """A formula over detailed-table (B/C) cells only - what ``census fetch`` pulls."""
    return isinstance(alt, Formula) and all(
        names_mod.is_raw_code(v) and v[0] in "BC" for v in alt.variables
    )


def _describe_alternative(alt: Alternative) -> str:
    if isinstance(alt, Published):
        return alt.describe("numerator")
    den = alt.describe("denominator")
    return f"({alt.describe('numerator')}) / ({den})" if den else alt.describe("numerator")
