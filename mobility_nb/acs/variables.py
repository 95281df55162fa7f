"""What a name in the ACS store stands for: a raw ACS variable or a published value.

The store holds two kinds of numbers and must never confuse them:

* **raw ACS variables** - an estimate/MOE pair exactly as the Census Bureau publishes one
  cell of a detailed table (``B19013_001``) or a count of a subject table
  (``S1501_C01_030``). These can be re-combined with the handbook formulas.
* **published values** - something already computed from several cells: a subject-table
  or profile percentage (``S1701_C03_014``, ``DP03_0009P``), a sum or difference of cells
  made by the file's author (``B25070_007+B25070_008+B25070_009``), or another agency's
  derived figure (``SVI:EP_UNINSUR``). They are used as they are, with the MOE their source
  published, and never summed over geographies or fed into a formula they were not made for.

Names follow that split: raw variables are ACS codes; published values are either the
code of a Census percentage column or a declared name (an expression of codes, or
``AGENCY:NAME``). The percentage columns known here follow the 2017+ layouts of the subject
tables the indicators use; an unknown subject-table column is treated as published, the
cautious choice (it is never summed).
"""

from __future__ import annotations

import re

KIND_VARIABLE = "variable"
KIND_PUBLISHED = "published"

# B19013A_001, C15002B_006, B25070_010 (detailed); S1501_C01_030 (subject);
# DP03_0009 / DP03_0009P (profile count / percent); S0101 etc. have the same shape.
RAW_CODE = re.compile(
    r"^(?:[BC]\d{5}[A-Z]{0,3}_\d{3}|S\d{4}[A-Z]{0,3}_C\d{2}_\d{3}|"
    r"[CD]P\d{2}[A-Z]?_\d{4})$"
)
PROFILE_PERCENT = re.compile(r"^[CD]P\d{2}[A-Z]?_\d{4}P$")
SUBJECT_CELL = re.compile(r"^(S\d{4})[A-Z]{0,3}_(C\d{2})_(\d{3})$")
# A declared published name: letters, digits and _ . : + - (an expression of codes or
# AGENCY:NAME), starting with a letter, at most 120 characters.
PUBLISHED_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.:+\-]{0,119}$")

# Subject-table columns that hold percentages or rates (2017+ layouts).
PERCENT_COLUMNS: dict[str, frozenset[str]] = {
    "S1701": frozenset({"C03"}),  # percent below poverty level
    "S2301": frozenset({"C02", "C03", "C04"}),  # LFP rate, employment/population, unemp.
    "S1501": frozenset({"C02", "C04", "C06"}),  # percent (total, male, female)
    "S2701": frozenset({"C03", "C05"}),  # percent insured, percent uninsured
    "S2801": frozenset({"C02"}),  # percent of households
}
# Subject tables whose C01 counts are known to be counts (so they stay raw variables).
COUNT_COLUMNS: dict[str, frozenset[str]] = {
    "S1701": frozenset({"C01", "C02"}),
    "S2301": frozenset({"C01"}),
    "S1501": frozenset({"C01", "C03", "C05"}),
    "S2701": frozenset({"C01", "C02", "C04"}),
    "S2801": frozenset({"C01"}),
}
# S0802 (commuting) publishes line 001 as a count and every other line as a percent.
ALL_BUT_FIRST_LINE_PERCENT = frozenset({"S0802"})
# Medians and other statistics that cannot be added up over geographies.
NON_ADDITIVE_TABLES = (
    "B19013",
    "B01002",
    "B25064",
    "B25077",
    "B19113",
    "B19301",
    "B20002",
    "B20017",
    "B20004",
    "B25071",
    "B25088",
)


def is_raw_code(name: str) -> bool:
    """True for an ACS cell code without its E/M suffix (B19013_001, S1501_C01_030)."""
    return bool(RAW_CODE.match(name))


def is_published_name(name: str) -> bool:
    """True for a name that may label a published value in the store."""
    return bool(PUBLISHED_NAME.match(name))


def table_of(name: str) -> str:
    """'B19013A_001' -> 'B19013A'; a published name's first code's table, else ''."""
    head = re.split(r"[+\-:]", name, maxsplit=1)[0]
    return head.split("_", 1)[0] if is_raw_code(head) or SUBJECT_CELL.match(head) else ""


def kind_of(name: str, label: str = "") -> str:
    """'variable' for a raw ACS cell, 'published' for a percentage or a derived value.

    ``label`` is the Census label when the file carries one (data.census.gov downloads);
    a label that says percent/rate/ratio marks a published percentage whatever the table.
    """
    if PROFILE_PERCENT.match(name):
        return KIND_PUBLISHED
    if not is_raw_code(name):
        return KIND_PUBLISHED
    text = label.lower()
    if text and ("percent" in text or " rate" in text or "ratio" in text):
        return KIND_PUBLISHED
    cell = SUBJECT_CELL.match(name)
    if not cell:
        return KIND_VARIABLE
    table, column, line = cell.groups()
    if table in ALL_BUT_FIRST_LINE_PERCENT:
        return KIND_VARIABLE if line == "001" else KIND_PUBLISHED
    if column in PERCENT_COLUMNS.get(table, frozenset()):
        return KIND_PUBLISHED
    if column in COUNT_COLUMNS.get(table, frozenset()):
        return KIND_VARIABLE
    return KIND_PUBLISHED  # unknown subject-table column: never summed


def is_additive(name: str) -> bool:
    """True when values of ``name`` may be added up over geographies (counts only)."""
    return kind_of(name) == KIND_VARIABLE and not name.startswith(NON_ADDITIVE_TABLES)


def split_api_field(field: str) -> tuple[str, str] | None:
    """'B19013_001E' -> ('B19013_001', 'E'); 'DP03_0009PE' -> ('DP03_0009P', 'E');
    annotation columns (…EA, …MA) and non-ACS fields give None."""
    if len(field) < 2 or field.endswith(("EA", "MA")):
        return None
    base, part = field[:-1], field[-1]
    if part not in "EM":
        return None
    if is_raw_code(base) or PROFILE_PERCENT.match(base):
        return base, part
    return None
