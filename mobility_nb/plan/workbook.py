"""The measurement plan as an Excel workbook: a template to fill in, and its reader.

Analysts plan in Excel, so Step 8 can start from a worksheet laid out like the guide's
measurement plan (one row per indicator: strategic action, indicator, source, baseline
year, target and rule, frequency, owner, disaggregation, notes) with drop-down lists for
the choices, the unit of each target beside its cell, plain-words instructions and the
place's current values for reference.

:func:`read_workbook` turns a filled-in workbook back into the mapping a plan YAML holds
under ``plan:``; :func:`mobility_nb.plan.schema.load_plan` checks it with the same
validator as YAML and reports every problem by sheet and cell ("Plan!N7 (Target value):
..."). Labels from the drop-downs are mapped back to the plan's keys.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mobility_nb.atomic import write_atomic
from mobility_nb.plan.schema import (
    COMPONENTS,
    DISAGGREGATIONS,
    FREQUENCIES,
    MEASURE_TYPES,
    RULES,
    PlanError,
)
from mobility_nb.plan.units import Units, how_to_type, unit_label, units_for

PLAN_SHEET = "Plan"
SETTINGS_SHEET = "Settings"
INSTRUCTIONS_SHEET = "Instructions"
REFERENCE_SHEET = "Reference"
LISTS_SHEET = "Lists"
TEMPLATE_ROWS = 200  # rows prepared with drop-downs and formulas
WORKBOOK_ADVICE = (
    "Fix these cells in the workbook and run again (the Instructions sheet explains each column)."
)

# --- words shown in the workbook <-> keys of the plan ------------------------------------------

SOURCE_WORDS = {
    "Mobility Metrics": "mobility_metric",
    "ACS (Census)": "acs",
    "Local data": "local",
}
RULE_WORDS = {
    "Value I type": "value",
    "Reach the state median": "reach_state_median",
    "Reach the peers' top quarter": "reach_peer_top_quartile",
    "Close part of the gap to a benchmark": "close_gap_to_benchmark",
    "Close part of the gap between two groups": "close_subgroup_gap",
}
FREQUENCY_WORDS = {
    "Monthly": "monthly",
    "Quarterly": "quarterly",
    "Twice a year": "semiannual",
    "Annual": "annual",
    "Every two years": "biennial",
    "Every five years": "every_5_years",
    "One time": "one_time",
}
COMPONENT_WORDS = {
    "Input": "input",
    "Output": "output",
    "Short-term outcome": "short_term_outcome",
    "Medium-term outcome": "medium_term_outcome",
    "Long-term outcome": "long_term_outcome",
}
MEASURE_TYPE_WORDS = {
    "How much did we do?": "how_much",
    "How well did we do it?": "how_well",
    "Is anyone better off?": "better_off",
    "Systems change": "systems_change",
}
DIRECTION_WORDS = {"Higher is better": "higher", "Lower is better": "lower"}
LOCAL_UNIT_WORDS = {
    "Percent (60%)": "percent",
    "Count": "count",
    "Dollars": "dollars",
    "Rate": "rate",
    "Ratio": "ratio",
    "Number": "number",
}
SOURCE_ALIASES = {
    "Local file": "local",
    "Census": "acs",
    "Mobility Metric": "mobility_metric",
    "Urban Institute": "mobility_metric",
}
BENCHMARK_WORDS = {"State median": "state_median", "National median": "national_median"}
DISAGGREGATION_WORDS = {
    "Race/ethnicity": "race_ethnicity",
    "Neighborhood race share": "race_share",
    "Income": "income",
    "Age": "age",
    "Gender": "gender",
    "Housing tenure": "tenure",
    "Disability": "disability",
    "Industry": "industry",
    "Mother's education": "mothers_education",
    "Neighborhood/geography": "geography",
}
assert set(RULE_WORDS.values()) == set(RULES)
assert set(FREQUENCY_WORDS.values()) == set(FREQUENCIES)
assert set(COMPONENT_WORDS.values()) == set(COMPONENTS)
assert set(MEASURE_TYPE_WORDS.values()) == set(MEASURE_TYPES)
assert set(DISAGGREGATION_WORDS.values()) == set(DISAGGREGATIONS)


def _norm(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def _from_words(text: str, words: Mapping[str, str]) -> str:
    """The key for a word of a drop-down (or the key itself), any case; else the text."""
    wanted = _norm(text)
    for word, key in words.items():
        if wanted in (_norm(word), _norm(key), _norm(key.replace("_", " "))):
            return key
    return text


# --- the columns of the Plan sheet ----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # what the reader makes of it ("" = shown only, never read)
    width: int
    help: str
    choices: str = ""  # name of a list on the Lists sheet
    strict: bool = True  # only values from the list (False: the list only suggests)


COLUMNS: tuple[Column, ...] = (
    Column(
        "Strategic action",
        "action",
        28,
        "The strategic action of your logic model this "
        "indicator measures. Rows with the same action are grouped together.",
    ),
    Column("Indicator", "name", 32, "What you measure, in your own words (required)."),
    Column(
        "Logic-model component",
        "component",
        18,
        "Input, output, or short-, medium- or long-term outcome.",
        "components",
    ),
    Column(
        "Measure type",
        "measure_type",
        18,
        "Results-Based Accountability: how much, how "
        "well, is anyone better off; or systems change.",
        "measure_types",
    ),
    Column(
        "Source",
        "kind",
        16,
        "Where the numbers come from: Mobility Metrics, the ACS (Census) or your own local data.",
        "sources",
    ),
    Column(
        "Metric",
        "metric",
        40,
        "For Mobility Metrics or ACS: pick the measure from the list (the names the pages show).",
        "metrics",
    ),
    Column(
        "Latest value here",
        "",
        18,
        "Filled in for reference from the Reference sheet (not read back).",
    ),
    Column(
        "Local data file",
        "file",
        24,
        "For local data: the CSV or XLSX file, relative to "
        "this workbook's folder. Leave empty while the data are not collected yet.",
    ),
    Column(
        "Local measure",
        "measure",
        16,
        "For local data: the value of the file's "
        "'measure' column to use (when the file holds several measures).",
    ),
    Column("Local unit", "unit", 14, "For local data: the unit of the values.", "local_units"),
    Column(
        "Better when",
        "direction",
        14,
        "Higher or lower is better (Mobility Metrics and ACS measures already know it).",
        "directions",
    ),
    Column(
        "Baseline year",
        "baseline_year",
        10,
        "Optional: the year to measure from (the "
        "latest value in or before it is used). Empty: the plan's baseline year.",
    ),
    Column(
        "Target rule",
        "rule",
        26,
        "How the target is set: a value you type, or computed from the data.",
        "rules",
    ),
    Column(
        "Target value",
        "value",
        12,
        "For 'Value I type': the target, in the unit shown in the next column.",
    ),
    Column(
        "Target unit",
        "",
        24,
        "How to type the target value (shown for the metric picked; not read back).",
    ),
    Column(
        "Target year", "year", 10, "The year the target should be reached (required for a target)."
    ),
    Column(
        "Percent of gap to close",
        "percent",
        12,
        "For the close-the-gap rules: the share of the gap to close, e.g. 50%.",
    ),
    Column(
        "Benchmark",
        "benchmark",
        16,
        "For 'Close part of the gap to a benchmark': State "
        "median, National median, or a number in the target's unit.",
        "benchmarks",
        strict=False,
    ),
    Column(
        "Subgroup type",
        "subgroup_type",
        16,
        "For 'Close part of the gap between two groups': the kind of group, e.g. gender.",
        "subgroup_types",
        strict=False,
    ),
    Column("Group", "group", 16, "The group whose gap should close, e.g. Female."),
    Column("Reference group", "reference", 16, "The group it is compared with, e.g. Male."),
    Column(
        "Collection frequency", "frequency", 16, "How often the data are collected.", "frequencies"
    ),
    Column(
        "Collection method",
        "collection_method",
        20,
        "How the data are collected (survey, administrative records, ...).",
    ),
    Column("Reporting frequency", "cadence", 16, "How often progress is reported.", "frequencies"),
    Column("Reporting audience", "audience", 20, "Who progress is reported to."),
    Column(
        "Responsible owner",
        "responsible",
        24,
        "Who gathers the data and reports progress (required).",
    ),
    Column(
        "Disaggregation",
        "disaggregation",
        20,
        "Breakdowns you plan, e.g. Race/ethnicity; several separated by semicolons.",
        "disaggregations",
        strict=False,
    ),
    Column("Notes", "notes", 30, "Anything else: data-quality notes, caveats."),
)

SETTINGS = (
    ("Plan title", "title", "A name for the plan, e.g. 'Mobility Action Plan: measurement plan'."),
    (
        "Jurisdiction",
        "jurisdiction",
        "The county or city: a FIPS code (17031), a city GEOID "
        "(4260000) or a name such as 'Cook County, IL'.",
    ),
    (
        "Baseline year",
        "baseline_year",
        "Optional: the year progress is measured from, for "
        "every indicator without its own. Empty: the latest data.",
    ),
    (
        "Peers",
        "peers",
        "Optional, for 'Reach the peers' top quarter': codes or names "
        "separated by semicolons, e.g. 06037; Harris County, TX.",
    ),
)


# --- writing the template ---------------------------------------------------------------------


def _metric_units(metric: Any) -> Units:
    return units_for("", metric)


def _unit_text(units: Units) -> str:
    return f"{unit_label(units)}: type {how_to_type(units)}"


def _choices(with_acs: bool = True) -> dict[str, list[str]]:
    from mobility_nb.data.catalog import _metrics
    from mobility_nb.plan.references import acs_labels

    metrics = [m.label for m in _metrics().values()]
    if with_acs:
        metrics += [label for label, _ in acs_labels() if label not in metrics]
    subgroup_types = sorted({t for types in DISAGGREGATIONS.values() for t in types})
    return {
        "metrics": metrics,
        "sources": list(SOURCE_WORDS),
        "rules": list(RULE_WORDS),
        "frequencies": list(FREQUENCY_WORDS),
        "components": list(COMPONENT_WORDS),
        "measure_types": list(MEASURE_TYPE_WORDS),
        "directions": list(DIRECTION_WORDS),
        "local_units": list(LOCAL_UNIT_WORDS),
        "benchmarks": list(BENCHMARK_WORDS),
        "subgroup_types": subgroup_types,
        "disaggregations": list(DISAGGREGATION_WORDS),
    }


def _metric_unit_texts() -> list[tuple[str, str]]:
    """(label, how to type a target) for the target-unit formula."""
    from mobility_nb.data.catalog import _metrics
    from mobility_nb.plan.references import _acs_registry

    rows = [(m.label, _unit_text(_metric_units(m))) for m in _metrics().values()]
    acs_unit = {"percent": "percent", "dollars": "dollars", "people": "count"}
    for definition in _acs_registry().values():
        units = units_for(acs_unit.get(definition.unit, "number"))
        rows.append((definition.label, _unit_text(units)))
    return rows


@dataclass(frozen=True)
class ReferenceRow:
    label: str
    key: str
    latest: str  # page text, e.g. "74.0%"
    year: int | None
    quality: str
    direction: str
    how_to_type: str

    @property
    def summary(self) -> str:
        if self.year is None:
            return "no data"
        flag = f", {self.quality}" if self.quality else ""
        return f"{self.latest} ({self.year}{flag})"


def reference_rows(place: Any, metrics: Any) -> list[ReferenceRow]:
    """The place's latest value of every catalog metric published for its level."""
    from mobility_nb.data.catalog import metrics_for

    frame = metrics.overall(place.level)
    rows = frame[frame["geoid"].astype(str) == str(place.geoid)]
    if "subgroup_type" in rows.columns:
        rows = rows[rows["subgroup_type"].astype(str) == "all"]
    rows = rows[rows["value"].notna()].sort_values("year")
    latest = rows.drop_duplicates("metric", keep="last").set_index("metric")
    out = []
    for m in metrics_for(place.level):
        units = _metric_units(m)
        words = {"higher": "higher is better", "lower": "lower is better"}.get(m.direction, "")
        if m.metric in latest.index:
            row = latest.loc[m.metric]
            quality = row.get("quality")
            out.append(
                ReferenceRow(
                    m.label,
                    m.metric,
                    units.value(float(row["value"])),
                    int(row["year"]),
                    "" if quality is None or pd.isna(quality) else str(quality),
                    words,
                    _unit_text(units),
                )
            )
        else:
            out.append(ReferenceRow(m.label, m.metric, "", None, "", words, _unit_text(units)))
    return out


def _place(jurisdiction: Any, data_dir: str | os.PathLike[str] | None) -> Any:
    if jurisdiction is None or hasattr(jurisdiction, "geoid"):
        return jurisdiction
    from mobility_nb.data.jurisdictions import resolve

    return resolve(str(jurisdiction), data_dir=data_dir)


def write_template(
    path: str | os.PathLike[str],
    jurisdiction: Any = None,
    data_dir: str | os.PathLike[str] | None = None,
    metrics: Any = None,
) -> Path:
    """Write an empty measurement-plan workbook to fill in; returns its path.

    ``jurisdiction`` (a code, a name or a resolved jurisdiction) fills in the Settings
    sheet and a Reference sheet with the place's latest value of every metric, in the
    units the pages show. ``metrics`` is a :class:`~.sources.MetricsSource` (tests pass
    fixtures; by default the Mobility Metrics in ``data_dir`` are read).
    """
    from openpyxl import Workbook

    place = _place(jurisdiction, data_dir)
    reference: list[ReferenceRow] = []
    if place is not None:
        if metrics is None:
            from mobility_nb.plan.sources import MetricsSource

            metrics = MetricsSource(data_dir)
        reference = reference_rows(place, metrics)
    lists = _choices()
    wb = Workbook()
    _instructions(wb.active, place)
    plan = wb.create_sheet(PLAN_SHEET)
    _settings(wb.create_sheet(SETTINGS_SHEET), place)
    ref_range = (
        _reference(wb.create_sheet(REFERENCE_SHEET), place, reference) if place is not None else ""
    )
    ranges = _lists(wb.create_sheet(LISTS_SHEET), lists)
    _plan_sheet(plan, ranges, ref_range)
    wb.active = wb.sheetnames.index(INSTRUCTIONS_SHEET)
    buf = io.BytesIO()
    wb.save(buf)
    return write_atomic(Path(path), buf.getvalue())


def _header_style(cell: Any) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="DDEBF7")
    cell.alignment = Alignment(wrap_text=True, vertical="top")


def _put(ws: Any, row: int, col: int, value: Any) -> Any:
    from mobility_nb.render.cells import write_cell

    cell = ws.cell(row=row, column=col)
    write_cell(cell, value)
    return cell


def _instructions(ws: Any, place: Any) -> None:
    from openpyxl.styles import Alignment, Font

    ws.title = INSTRUCTIONS_SHEET
    where = (
        f" for {place.display_name}" if place is not None and hasattr(place, "display_name") else ""
    )
    lines = [
        (f"Measurement plan{where}: how to fill in this workbook", True),
        (
            "This workbook is Step 8 of the Boosting Upward Mobility planning guide: one row "
            "per indicator that measures a strategic action of your logic model.",
            False,
        ),
        ("", False),
        (
            "1. On the Settings sheet, give the plan a title and the county or city (a FIPS "
            "code, a GEOID or a name such as 'Cook County, IL').",
            False,
        ),
        (
            "2. On the Plan sheet, write one row per indicator. Cells with a small arrow have a "
            "list to pick from. Empty rows are skipped.",
            False,
        ),
        (
            "3. Pick the Source: Mobility Metrics (Urban Institute), ACS (Census) or Local data. "
            "For the first two, pick the Metric from its list; for local data, give the file "
            "(columns geography, year, value; optional lower, upper, subgroup, measure).",
            False,
        ),
        (
            "4. Set a target: pick a Target rule. 'Value I type' uses the Target value column; "
            "the other rules compute the target from the data.",
            False,
        ),
        (
            "5. Type target values in the unit shown in the Target unit column, as the pages "
            "show them: a share as 60% (60 and 0.60 are read the same way), homes per 100 "
            "households per 100 (75), dollars as dollars (45000). The page confirms how each "
            "value was read.",
            False,
        ),
        (
            "6. Give each indicator a Responsible owner, and plan its disaggregation (race/"
            "ethnicity at least, where the data allow).",
            False,
        ),
        (
            "7. Save the file and build the page: mobility-nb run step8 --plan <this file>. "
            "Every problem is listed by sheet and cell (for example Plan!N7), all at once.",
            False,
        ),
        ("", False),
        (
            "The Reference sheet (when the workbook was made for a place) lists the place's "
            "latest value of every metric. Values rated Weak should not be acted on (Urban).",
            False,
        ),
        ("", False),
        ("Columns of the Plan sheet", True),
    ]
    lines += [(f"{c.header}: {c.help}", False) for c in COLUMNS]
    for i, (text, bold) in enumerate(lines, start=1):
        cell = _put(ws, i, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True, size=12 if i == 1 else 11)
    ws.column_dimensions["A"].width = 110


def _settings(ws: Any, place: Any) -> None:
    from openpyxl.styles import Alignment

    for j, text in enumerate(("Setting", "Value", "What to write"), start=1):
        _header_style(_put(ws, 1, j, text))
    for i, (label, key, help_text) in enumerate(SETTINGS, start=2):
        _put(ws, i, 1, label)
        value = ""
        if key == "jurisdiction" and place is not None:
            value = str(place.geoid)
        cell = _put(ws, i, 2, value or None)
        if key in ("jurisdiction", "peers"):
            cell.number_format = "@"  # text: Excel keeps the leading zero of 06037
        _put(ws, i, 3, help_text).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 80
    ws.freeze_panes = "A2"


def _reference(ws: Any, place: Any, rows: Sequence[ReferenceRow]) -> str:
    """Writes the reference table; returns its range for the look-up formula."""
    name = getattr(place, "display_name", None) or getattr(place, "name", place.geoid)
    _put(
        ws,
        1,
        1,
        f"Latest Mobility Metrics for {name} ({place.geoid}), in the units the "
        "pages show. Weak: Urban advises not to act on the value.",
    )
    headers = (
        "Metric",
        "Summary",
        "Latest value",
        "Year",
        "Quality",
        "Better when",
        "How to type a target",
        "Catalog key",
    )
    for j, text in enumerate(headers, start=1):
        _header_style(_put(ws, 3, j, text))
    for i, r in enumerate(rows, start=4):
        for j, value in enumerate(
            (
                r.label,
                r.summary,
                r.latest or None,
                r.year,
                r.quality,
                r.direction,
                r.how_to_type,
                r.key,
            ),
            start=1,
        ):
            _put(ws, i, j, value)
    for letter, width in zip("ABCDEFGH", (48, 24, 14, 8, 10, 16, 44, 34), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "B4"
    last = 3 + max(len(rows), 1)
    return f"'{REFERENCE_SHEET}'!$A$4:$B${last}"


def _lists(ws: Any, lists: Mapping[str, list[str]]) -> dict[str, str]:
    """One column per drop-down list (and metric units beside the metrics); hidden."""
    from openpyxl.utils import get_column_letter

    ranges: dict[str, str] = {}
    col = 1
    for name, values in lists.items():
        letter = get_column_letter(col)
        _put(ws, 1, col, name)
        for i, value in enumerate(values, start=2):
            _put(ws, i, col, value)
        ranges[name] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
        col += 1
    letter, unit_letter = get_column_letter(col), get_column_letter(col + 1)
    units = _metric_unit_texts()
    _put(ws, 1, col, "metric_units_label")
    _put(ws, 1, col + 1, "metric_units_text")
    for i, (label, text) in enumerate(units, start=2):
        _put(ws, i, col, label)
        _put(ws, i, col + 1, text)
    ranges["metric_units"] = f"{LISTS_SHEET}!${letter}$2:${unit_letter}${len(units) + 1}"
    ws.sheet_state = "hidden"
    return ranges


def _plan_sheet(ws: Any, ranges: Mapping[str, str], ref_range: str) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    letters = {c.header: get_column_letter(j) for j, c in enumerate(COLUMNS, start=1)}
    for j, c in enumerate(COLUMNS, start=1):
        _header_style(_put(ws, 1, j, c.header))
        ws.column_dimensions[get_column_letter(j)].width = c.width
    ws.row_dimensions[1].height = 32
    last = TEMPLATE_ROWS + 1
    for c in COLUMNS:
        if not c.choices:
            continue
        dv = DataValidation(type="list", formula1=ranges[c.choices], allow_blank=True)
        dv.showErrorMessage = c.strict
        dv.errorTitle = c.header
        dv.error = f"Pick one of the values in the list ({c.header})."
        dv.promptTitle = c.header
        dv.prompt = c.help[:250]  # Excel's limit for input messages is 255 characters
        dv.showInputMessage = True
        letter = letters[c.header]
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    metric, unit, value = letters["Metric"], letters["Local unit"], letters["Target unit"]
    latest = letters["Latest value here"]
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in range(2, last + 1):
        for j in range(1, len(COLUMNS) + 1):
            ws.cell(row=row, column=j).alignment = wrap
        ws[f"{value}{row}"] = (
            f'=IF({metric}{row}<>"",IFERROR(VLOOKUP({metric}{row},{ranges["metric_units"]},'
            f'2,FALSE),""),IF({unit}{row}<>"",{unit}{row},""))'
        )
        if ref_range:
            ws[f"{latest}{row}"] = (
                f'=IF({metric}{row}="","",IFERROR(VLOOKUP({metric}{row},'
                f'{ref_range},2,FALSE),"not published here"))'
            )
    ws.freeze_panes = "C2"


# --- reading a filled-in workbook -----------------------------------------------------------------


class WorkbookPlan(dict):  # type: ignore[type-arg]
    """The ``plan:`` mapping read from a workbook, with ``cells``: field path -> cell."""

    def __init__(self, data: Mapping[str, Any], cells: Mapping[str, str]) -> None:
        super().__init__(data)
        self.cells = dict(cells)


def _value(cell: Any) -> Any:
    """A cell's value as the analyst typed it: '60%' for a percent-formatted 0.6."""
    value = cell.value
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if "%" in str(cell.number_format):
            return f"{round(value * 100, 10):g}%"
        if isinstance(value, float) and value.is_integer():
            return int(value)
    return value


def _year(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _split(value: Any) -> list[str]:
    return [p.strip() for p in re.split(r"[;\n]", str(value)) if p.strip()]


def read_workbook(path: str | os.PathLike[str]) -> WorkbookPlan:
    """The plan in a filled-in workbook, shaped like the ``plan:`` part of a plan YAML.

    Raises :class:`PlanError` when the file is not a plan workbook; problems with the
    plan itself are left to the validator (see :func:`.schema.load_plan`), which names
    each by the cell recorded in ``cells``.
    """
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    file = Path(path)
    try:
        wb = load_workbook(file, data_only=False)
    except (BadZipFile, InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise PlanError(
            str(file),
            [f"cannot be read as an Excel workbook ({exc})"],
            advice="Save the plan as an .xlsx workbook (File > Save As > Excel "
            "Workbook) or write it as YAML.",
        ) from None
    if PLAN_SHEET not in wb.sheetnames:
        raise PlanError(
            str(file),
            [f"has no sheet named {PLAN_SHEET!r} (sheets: {', '.join(wb.sheetnames)})"],
            advice=("Start from a template (mobility-nb plan template) and keep its sheet names."),
        )
    data: dict[str, Any] = {}
    cells: dict[str, str] = {"actions": f"{PLAN_SHEET} sheet"}
    if SETTINGS_SHEET in wb.sheetnames:
        ws = wb[SETTINGS_SHEET]
        labels = {_norm(label): key for label, key, _ in SETTINGS}
        for row in range(2, ws.max_row + 1):
            key = labels.get(_norm(ws.cell(row=row, column=1).value or ""))
            if key is None:
                continue
            value = _value(ws.cell(row=row, column=2))
            cells[key] = f"{SETTINGS_SHEET}!B{row} ({ws.cell(row=row, column=1).value})"
            if value is None:
                continue
            if key == "peers":
                data[key] = _split(value) if isinstance(value, str) else [value]
            elif key == "baseline_year":
                data[key] = _year(value)
            elif key == "jurisdiction" and isinstance(value, int):
                data[key] = value  # the validator explains a lost leading zero
            else:
                data[key] = value
    ws = wb[PLAN_SHEET]
    header_fields: dict[int, Column] = {}
    known = {_norm(c.header): c for c in COLUMNS}
    for j in range(1, ws.max_column + 1):
        column = known.get(_norm(ws.cell(row=1, column=j).value or ""))
        if column is not None and column.field:
            header_fields[j] = column
    missing = [
        c.header
        for c in COLUMNS
        if c.field in ("action", "name", "responsible") and c not in header_fields.values()
    ]
    if missing:
        raise PlanError(
            str(file),
            [
                f"{PLAN_SHEET}!1: the header row lacks the column(s) "
                + ", ".join(repr(m) for m in missing)
            ],
            advice="Keep the template's header row (row 1 of the Plan sheet).",
        )
    actions: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = {}
    for row in range(2, ws.max_row + 1):
        values: dict[str, Any] = {}
        where: dict[str, str] = {}
        for j, column in header_fields.items():
            value = _value(ws.cell(row=row, column=j))
            where[column.field] = f"{PLAN_SHEET}!{get_column_letter(j)}{row} ({column.header})"
            if value is not None:
                values[column.field] = value
        if not values:
            continue  # an empty row (formula columns are not read)
        action = str(values.pop("action", ""))
        actions.setdefault(action, []).append((row, values, where))
    data["actions"] = []
    for a, (name, rows) in enumerate(actions.items()):
        apath = f"actions[{a}]"
        first_row, _, first_where = rows[0]
        cells[apath] = f"{PLAN_SHEET} row {first_row}"
        cells[f"{apath}.name"] = first_where["action"]
        cells[f"{apath}.indicators"] = f"{PLAN_SHEET} row {first_row}"
        indicators = []
        for i, (row, values, where) in enumerate(rows):
            indicators.append(_indicator(values))
            ipath = f"{apath}.indicators[{i}]"
            cells[ipath] = f"{PLAN_SHEET} row {row}"
            cells.update({f"{ipath}.{k}": v for k, v in _paths(where).items()})
        data["actions"].append({"name": name or None, "indicators": indicators})
    return WorkbookPlan(data, cells)


def _paths(where: Mapping[str, str]) -> dict[str, str]:
    """Field path (inside one indicator) -> cell, for every column of the row."""
    out = {}
    for field, cell in where.items():
        if field == "kind":
            out["source"] = cell
            out["source.kind"] = cell
        elif field == "metric":
            out["source.metric"] = cell
            out["source.indicator"] = cell
        elif field in ("file", "measure"):
            out[f"source.{field}"] = cell
        elif field == "rule":
            out["target"] = cell
            out["target.rule"] = cell
        elif field in ("value", "percent", "benchmark", "subgroup_type", "group", "reference"):
            out[f"target.{field}"] = cell
        elif field == "year":
            out["target.year"] = cell
        elif field in ("cadence", "audience"):
            out[f"reporting.{field}"] = cell
        else:
            out[field] = cell
    return out


def _indicator(values: Mapping[str, Any]) -> dict[str, Any]:
    """One Plan row as an indicator mapping of the plan YAML."""
    from mobility_nb.plan.references import acs_labels

    ind: dict[str, Any] = {}
    for key in ("name", "responsible", "collection_method", "notes"):
        if key in values:
            ind[key] = values[key]
    for key, words in (
        ("component", COMPONENT_WORDS),
        ("measure_type", MEASURE_TYPE_WORDS),
        ("frequency", FREQUENCY_WORDS),
        ("direction", DIRECTION_WORDS),
        ("unit", LOCAL_UNIT_WORDS),
    ):
        if key in values:
            ind[key] = _from_words(str(values[key]), words)
    if "baseline_year" in values:
        ind["baseline_year"] = _year(values["baseline_year"])
    if "disaggregation" in values:
        ind["disaggregation"] = [
            _from_words(p, DISAGGREGATION_WORDS) for p in _split(values["disaggregation"])
        ]
    reporting = {}
    if "cadence" in values:
        reporting["cadence"] = _from_words(str(values["cadence"]), FREQUENCY_WORDS)
    if "audience" in values:
        reporting["audience"] = values["audience"]
    if reporting:
        ind["reporting"] = reporting
    kind = (
        _from_words(str(values["kind"]), {**SOURCE_WORDS, **SOURCE_ALIASES})
        if "kind" in values
        else ""
    )
    metric = values.get("metric")
    if not kind and metric is not None:
        acs = {_norm(label) for label, _ in acs_labels()} | {_norm(k) for _, k in acs_labels()}
        kind = "acs" if _norm(metric) in acs else "mobility_metric"
    elif not kind and ("file" in values or "measure" in values):
        kind = "local"
    if kind:
        source: dict[str, Any] = {"kind": kind}
        if metric is not None:
            source["indicator" if kind == "acs" else "metric"] = metric
        for key in ("file", "measure"):
            if key in values:
                source[key] = values[key]
        ind["source"] = source
    target: dict[str, Any] = {}
    if "rule" in values:
        target["rule"] = _from_words(str(values["rule"]), RULE_WORDS)
    if "year" in values:
        target["year"] = _year(values["year"])
    for key in ("value", "percent", "subgroup_type", "group", "reference"):
        if key in values:
            target[key] = values[key]
    if "benchmark" in values:
        bench = values["benchmark"]
        target["benchmark"] = (
            _from_words(bench, BENCHMARK_WORDS) if isinstance(bench, str) else bench
        )
    if target:
        ind["target"] = target
    return ind


def locate(problem: str, cells: Mapping[str, str]) -> str:
    """'actions[0].indicators[2].target.value: ...' -> 'Plan!N4 (Target value): ...'."""
    path, sep, message = problem.partition(": ")
    if not sep:
        return problem
    best = ""
    for key in cells:
        if (path == key or path.startswith(key + ".") or path.startswith(key + "[")) and len(
            key
        ) > len(best):
            best = key
    if not best:
        return problem
    rest = path[len(best) :]
    item = re.fullmatch(r"\[(\d+)\]", rest)
    suffix = f", item {int(item.group(1)) + 1}" if item else ""
    where = cells[best]
    if suffix and where.endswith(")"):
        where = where[:-1] + suffix + ")"
    return f"{where}: {message}"


__all__ = [
    "COLUMNS",
    "WORKBOOK_ADVICE",
    "WorkbookPlan",
    "locate",
    "read_workbook",
    "reference_rows",
    "write_template",
]
