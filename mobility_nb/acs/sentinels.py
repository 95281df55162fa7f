"""ACS special values ("annotation" codes) turned into NaN or 0 plus a readable flag.

The Census API returns codes such as -666666666 in the estimate and MOE fields. Passed
on as numbers they silently wreck a sum or a median, so every value leaves this module
as a float (NaN where there is no number) and a short flag saying why. Meanings follow
the Census Bureau's "Notes on ACS Estimate and Annotation Values".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Sentinel:
    """One special value: what it replaces, the flag we keep, and what it means."""

    code: int
    symbol: str  # as shown on data.census.gov
    flag: str
    meaning: str
    moe_value: float = np.nan  # what an MOE with this code becomes (0 for controlled)


SENTINELS: dict[int, Sentinel] = {
    s.code: s
    for s in (
        Sentinel(
            -666666666,
            "-",
            "not_computed",
            "The estimate could not be computed: too few sample observations, or (for a "
            "median) it falls in an open-ended interval, or a 5-year median's MOE is "
            "larger than the median itself.",
        ),
        Sentinel(
            -999999999,
            "N",
            "too_few_cases",
            "The estimate or MOE cannot be displayed because there were too few sample "
            "cases in this area.",
        ),
        Sentinel(
            -888888888,
            "(X)",
            "not_applicable",
            "The estimate or MOE is not applicable or not available.",
        ),
        Sentinel(
            -222222222,
            "**",
            "moe_not_computed",
            "The MOE could not be computed because there were too few sample observations.",
        ),
        Sentinel(
            -333333333,
            "***",
            "moe_open_interval",
            "The MOE could not be computed because the median falls in the lowest or "
            "highest interval of an open-ended distribution; a statistical test is not "
            "appropriate.",
        ),
        Sentinel(
            -555555555,
            "*****",
            "controlled",
            "No MOE: the estimate is controlled to an independent population or housing "
            "estimate, so it has no sampling error and its MOE is treated as zero.",
            moe_value=0.0,
        ),
    )
}

MISSING_FLAG = "missing"
MISSING_MEANING = "No value was returned for this geography (null in the API response)."
UNKNOWN_FLAG = "unknown_code"
UNKNOWN_MEANING = "A negative special value this package does not recognise; treated as missing."

# Medians at the edge of the published distribution are printed as the edge value.
# B19013 (median household income) and its race iterations: "250,000+" and "2,500-".
TOP_BOTTOM_CODES: dict[str, dict[float, str]] = {
    "B19013": {250001.0: "top_coded", 2499.0: "bottom_coded"},
}
CODED_MEANING = {
    "top_coded": "The median is above the top of the published range (shown as the top "
    "value, e.g. 250,000+); the true value is higher.",
    "bottom_coded": "The median is below the bottom of the published range (e.g. 2,500-); "
    "the true value is lower.",
}


# Flags an import sets on MOEs its file did not carry (see mobility_nb.acs.importers).
IMPORT_MEANING = {
    "moe_not_in_source": "The file imported publishes no margin of error for this value, so "
    "its reliability cannot be judged.",
    "controlled_declared": "Controlled estimate (no sampling error, MOE 0), as declared in the "
    "import plan; the file itself left the MOE blank.",
}


def flag_meaning(flag: str) -> str:
    """Plain-language meaning of a flag produced here (for page footnotes)."""
    for s in SENTINELS.values():
        if s.flag == flag:
            return s.meaning
    known = {MISSING_FLAG: MISSING_MEANING, UNKNOWN_FLAG: UNKNOWN_MEANING}
    return {**CODED_MEANING, **IMPORT_MEANING, **known}.get(flag, flag)


def _numeric(values: Any) -> np.ndarray:
    """Coerce API values (float, int, numeric strings, None) to float; junk becomes NaN."""
    series = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)


def _is_special(x: np.ndarray) -> np.ndarray:
    # All Census codes are negative nine-digit numbers; real estimates never go below
    # -100,000,000 (the only negative values are a few percent changes and aggregates).
    return x <= -100_000_000


def clean(values: Any, kind: str, table: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Return (numbers, flags) for raw API ``values`` of an estimate or an MOE.

    ``kind`` is ``"estimate"`` or ``"moe"``. Estimates with a special code become NaN;
    MOEs become NaN, except -555555555 (controlled estimate), which becomes 0. Flags are
    ``None`` where the value is an ordinary number.
    """
    if kind not in ("estimate", "moe"):
        raise ValueError("kind must be 'estimate' or 'moe'")
    raw = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values
    nums = _numeric(raw)
    flags = np.full(nums.shape, None, dtype=object)
    was_null = raw.isna().to_numpy()
    flags[was_null] = MISSING_FLAG
    unparsable = np.isnan(nums) & ~was_null
    flags[unparsable] = UNKNOWN_FLAG
    special = _is_special(np.nan_to_num(nums, nan=0.0))
    out = nums.copy()
    for idx in np.flatnonzero(special):
        code = int(round(nums[idx]))
        sentinel = SENTINELS.get(code)
        if sentinel is None:
            flags[idx] = UNKNOWN_FLAG
            out[idx] = np.nan
            continue
        flags[idx] = sentinel.flag
        out[idx] = sentinel.moe_value if kind == "moe" else np.nan
    if kind == "estimate" and table:
        for prefix, codes in TOP_BOTTOM_CODES.items():
            if not table.startswith(prefix):
                continue
            for value, flag in codes.items():
                flags[(out == value) & pd.isna(flags)] = flag
    return out, flags


# --- annotations as printed in files (data.census.gov downloads, tidycensus output) -------

# data.census.gov prints the codes above as symbols; "N" and "(X)" mean the same in both
# fields, "-" is "not computed" for an estimate and for an MOE alike.
SYMBOL_CODES: dict[str, int] = {s.symbol: s.code for s in SENTINELS.values()}
MISSING_TEXTS = frozenset({"", "na", "nan", "null", "none"})
_EDGE = re.compile(r"^([0-9][0-9,]*(?:\.[0-9]+)?)([+-])$")


def clean_text(values: Any, kind: str, table: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`clean`, for cells as printed in files rather than sent by the API.

    Accepts numbers with thousands separators, a leading '±' on MOEs and a trailing '%';
    turns the annotation symbols ('-', 'N', '(X)', '**', '***', '*****') into their codes and
    the printed edges of an open-ended median ('250,000+', '2,500-') into the values the API
    uses for them (250001, 2499) flagged top/bottom coded, whatever the table. Empty and
    'NA' cells are missing.
    """
    cells = np.asarray(
        values.to_numpy(dtype=object) if isinstance(values, pd.Series) else list(values),
        dtype=object,
    )
    coded = np.empty(len(cells), dtype=object)
    edges: list[tuple[int, str]] = []
    # Fast path: plain numbers (most cells) in one vectorised step.
    numbers = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").to_numpy(float)
    plain = ~np.isnan(numbers)
    coded[plain] = numbers[plain]
    for i in np.flatnonzero(~plain):
        cell = cells[i]
        if cell is None or (isinstance(cell, float) and np.isnan(cell)):
            coded[i] = None
            continue
        text = str(cell).strip()
        if text.lower() in MISSING_TEXTS:
            coded[i] = None
        elif text in SYMBOL_CODES:
            coded[i] = float(SYMBOL_CODES[text])
        elif match := _EDGE.match(text):
            number = float(match.group(1).replace(",", ""))
            top = match.group(2) == "+"
            coded[i] = number + 1 if top else number - 1
            edges.append((int(i), "top_coded" if top else "bottom_coded"))
        else:
            text = text.lstrip("\u00b1").replace(",", "").rstrip("%").strip()
            coded[i] = text if text else None
    out, flags = clean(pd.Series(coded, dtype=object), kind, table)
    if kind == "estimate":
        for i, edge in edges:
            flags[i] = edge
    return out, flags
