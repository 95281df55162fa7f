"""Import plans: a YAML file that says which files to import and how to read each.

An import plan lists files with their format; labelled tables (a label or group column
instead of ACS codes, as in the Albemarle files) also say which column holds the GEOID,
estimate, MOE and year, and which ACS variable or published value each label is::

    source: University of Virginia Equity Center, Regional Equity Profile (CC BY 4.0)
    imports:
      - name: median household income by race
        files: [acs/albemarle/data/alb_med_hhinc_county_2022.csv]
        columns: {geoid: GEOID, name: locality, year: year, estimate: estimate, moe: moe}
        rules:
          - {where: {group: All Households}, variable: B19013_001}
          - {where: {group: Black}, variable: B19013B_001}
      - files: [acs/national/cdc-svi/SVI_2018_US_county.csv]
        format: svi

Paths are relative to the census data folder (``--census-data``,
``$MOBILITY_NB_CENSUS_DATA``) unless ``base: plan`` makes them relative to the plan file;
files are read in place, never copied. A rule's ``published:`` marks a value the file's
author computed (``computed_as:`` says from what); ``moe: null`` says the file has no MOE
for it; ``missing_moe: controlled`` declares blank MOEs to be those of controlled
estimates (MOE 0). Unknown settings are errors, so a typo never silently drops a value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mobility_nb.acs.variables import is_published_name, is_raw_code
from mobility_nb.errors import ACSImportError, ParamsError

FORMATS = (
    "auto",
    "labelled",
    "tidycensus-long",
    "tidycensus-wide",
    "census-csv",
    "api-json",
    "svi",
)
LEVELS = ("county", "tract", "place")
PLAN_KEYS = {"source", "dataset", "base", "imports", "note"}
ENTRY_KEYS = {
    "name",
    "file",
    "files",
    "format",
    "source",
    "year",
    "level",
    "geoid_column",
    "name_column",
    "columns",
    "rules",
    "variable_names",
    "summary_variable",
    "note",
}
COLUMN_KEYS = {"geoid", "name", "year", "estimate", "moe"}
TARGET_KEYS = {
    "variable",
    "published",
    "estimate",
    "moe",
    "missing_moe",
    "computed_as",
    "label",
    "unit",
    "note",
}
RULE_KEYS = TARGET_KEYS | {"where", "values"}


@dataclass(frozen=True)
class Target:
    """One value a matching row yields: an ACS variable or a published value."""

    name: str
    published: bool
    estimate: str
    moe: str | None
    missing_moe: str = ""
    computed_as: str = ""
    label: str = ""
    unit: str = ""
    note: str = ""


@dataclass(frozen=True)
class Rule:
    """Rows whose columns equal ``where`` yield ``targets``."""

    where: tuple[tuple[str, frozenset[str]], ...]
    targets: tuple[Target, ...]
    number: int


@dataclass
class Entry:
    """One item of ``imports``: files read the same way."""

    files: list[Path]
    format: str
    source: str
    year: int | None = None
    level: str | None = None
    geoid_column: str | None = None
    name_column: str | None = None
    columns: dict[str, Any] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    variable_names: dict[str, str] = field(default_factory=dict)
    summary_variable: str | None = None
    label: str = ""


@dataclass
class Plan:
    path: Path
    source: str
    entries: list[Entry]


def _fail(plan: Path, where: str, problem: str, advice: str = "") -> ACSImportError:
    return ACSImportError(
        str(plan),
        f"{where}: {problem}" if where else problem,
        advice or "Fix the import plan (see params/census/albemarle.yaml for an example)",
    )


def _unknown(plan: Path, where: str, data: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(str(k) for k in data if k not in allowed)
    if extra:
        raise _fail(
            plan,
            where,
            f"{extra[0]!r} is not a setting here",
            f"Settings allowed here: {', '.join(sorted(allowed))}",
        )


def _text(plan: Path, where: str, value: Any, key: str, required: bool = False) -> str:
    if value is None:
        if required:
            raise _fail(plan, where, f"'{key}' is missing")
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise _fail(plan, where, f"'{key}' must be text, not {type(value).__name__}")
    return str(value).strip()


def load_yaml(path: Path) -> Any:
    """Parse with the package's strict loader (duplicate keys refused, FIPS stay text)."""
    from mobility_nb.params import parse_yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ACSImportError(
            str(path), "the import plan does not exist", "Check the path given with --plan"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ACSImportError(
            str(path), f"the import plan cannot be read ({exc})", "Check the file"
        ) from None
    if len(text) > 2_000_000:
        raise ACSImportError(
            str(path),
            "the import plan is larger than 2 MB",
            "An import plan lists files and rules; split it",
        )
    try:
        return parse_yaml(text, str(path))
    except ParamsError as exc:
        raise ACSImportError(str(path), str(exc), "Keep one of them") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise ACSImportError(
            str(path),
            f"it is not valid YAML ({exc.problem})",
            "Quote values that contain ':' or '#'",
            line=mark.line + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise ACSImportError(
            str(path), f"it is not valid YAML ({exc})", "Check the syntax"
        ) from None


def _target(plan: Path, where: str, data: Mapping[str, Any], defaults: Mapping[str, Any]) -> Target:
    _unknown(plan, where, data, RULE_KEYS if "where" in data else TARGET_KEYS)
    variable, published = data.get("variable"), data.get("published")
    if (variable is None) == (published is None):
        raise _fail(
            plan,
            where,
            "give exactly one of 'variable:' (an ACS code such as "
            "B19013_001) or 'published:' (a value the file's author computed)",
        )
    name = _text(plan, where, variable if variable is not None else published, "variable")
    if variable is not None and not is_raw_code(name):
        raise _fail(
            plan,
            where,
            f"{name!r} is not an ACS variable code",
            "Write codes without "
            "the E/M suffix, e.g. B19013_001, B19013B_001 or S1501_C01_030; use "
            "'published:' for values the file's author computed",
        )
    if published is not None and not is_published_name(name):
        raise _fail(
            plan,
            where,
            f"{name!r} cannot name a published value",
            "Use letters, digits and _ . : + - (e.g. B25070_007+B25070_008)",
        )
    moe = data.get("moe", defaults.get("moe", "moe"))
    if moe is not None:
        moe = _text(plan, where, moe, "moe")
    missing = _text(plan, where, data.get("missing_moe"), "missing_moe")
    if missing and missing != "controlled":
        raise _fail(
            plan,
            where,
            f"missing_moe: {missing!r} is not understood",
            "The only value is 'controlled' (blank MOEs are those of controlled estimates, MOE 0)",
        )
    return Target(
        name=name,
        published=published is not None,
        estimate=_text(
            plan, where, data.get("estimate", defaults.get("estimate", "estimate")), "estimate"
        ),
        moe=moe,
        missing_moe=missing,
        computed_as=_text(plan, where, data.get("computed_as"), "computed_as"),
        label=_text(plan, where, data.get("label"), "label"),
        unit=_text(plan, where, data.get("unit"), "unit"),
        note=_text(plan, where, data.get("note"), "note"),
    )


def _rule(plan: Path, where: str, number: int, data: Any, defaults: Mapping[str, Any]) -> Rule:
    if not isinstance(data, dict):
        raise _fail(
            plan,
            where,
            "a rule must be a mapping such as {where: {group: White}, variable: B19013A_001}",
        )
    match = data.get("where", {})
    if not isinstance(match, dict):
        raise _fail(plan, where, "'where' must map column names to values")
    conditions = []
    for col, allowed in match.items():
        options = allowed if isinstance(allowed, list) else [allowed]
        conditions.append((str(col), frozenset(str(o).strip() for o in options)))
    if "values" in data:
        items = data["values"]
        if not isinstance(items, list) or not items:
            raise _fail(plan, where, "'values' must be a non-empty list of targets")
        if data.get("variable") is not None or data.get("published") is not None:
            raise _fail(plan, where, "give either 'values:' or one 'variable:'/'published:'")
        _unknown(plan, where, data, {"where", "values"})
        targets = tuple(
            _target(plan, f"{where}.values[{i + 1}]", t if isinstance(t, dict) else {}, defaults)
            for i, t in enumerate(items)
        )
    else:
        targets = (_target(plan, where, {k: v for k, v in data.items() if k != "where"}, defaults),)
    return Rule(tuple(conditions), targets, number)


def _resolve(plan: Path, base: Path, where: str, value: Any) -> Path:
    rel = _text(plan, where, value, "file", required=True)
    path = Path(rel).expanduser()
    return path if path.is_absolute() else base / path


def load_plan(
    path: str | os.PathLike[str], census_data_dir: str | os.PathLike[str] | None = None
) -> Plan:
    """Read and check an import plan; file paths come back resolved."""
    plan = Path(path)
    data = load_yaml(plan)
    if not isinstance(data, dict):
        raise _fail(plan, "", "the plan must be a mapping with 'source:' and 'imports:'")
    _unknown(plan, "top level", data, PLAN_KEYS)
    source = _text(plan, "top level", data.get("source"), "source", required=True)
    if str(data.get("dataset", "acs5")) != "acs5":
        raise _fail(plan, "top level", "only dataset: acs5 (ACS 5-year) can be imported")
    base_kind = str(data.get("base", "census-data"))
    if base_kind == "plan":
        base = plan.resolve().parent
    elif base_kind == "census-data":
        from mobility_nb.config import resolve_census_data_dir

        base = resolve_census_data_dir(census_data_dir)
    else:
        raise _fail(
            plan,
            "top level",
            f"base: {base_kind!r} is not understood",
            "Use 'census-data' (paths relative to the census data folder) or 'plan' "
            "(relative to this file)",
        )
    items = data.get("imports")
    if not isinstance(items, list) or not items:
        raise _fail(plan, "top level", "'imports' must be a non-empty list")
    entries = []
    for i, item in enumerate(items, start=1):
        where = f"imports[{i}]"
        if not isinstance(item, dict):
            raise _fail(plan, where, "each import must be a mapping with 'files:'")
        if item.get("name"):
            where += f" ({item['name']})"
        _unknown(plan, where, item, ENTRY_KEYS)
        raw_files = item.get("files", item.get("file"))
        raw_files = raw_files if isinstance(raw_files, list) else [raw_files]
        files = [_resolve(plan, base, where, f) for f in raw_files]
        rules_data = item.get("rules")
        fmt = str(item.get("format") or ("labelled" if rules_data else "auto"))
        if fmt not in FORMATS:
            raise _fail(
                plan, where, f"format {fmt!r} is not known", "Formats: " + ", ".join(FORMATS)
            )
        level = item.get("level")
        if level is not None and level not in LEVELS:
            raise _fail(plan, where, f"level {level!r} is not one of {', '.join(LEVELS)}")
        columns = item.get("columns") or {}
        if not isinstance(columns, dict):
            raise _fail(
                plan, where, "'columns' must map geoid/name/year/estimate/moe to column names"
            )
        _unknown(plan, f"{where}.columns", columns, COLUMN_KEYS)
        rules = []
        if fmt == "labelled":
            if not isinstance(rules_data, list) or not rules_data:
                raise _fail(
                    plan,
                    where,
                    "a labelled table needs 'rules:' saying which ACS "
                    "variable or published value each label is",
                )
            rules = [
                _rule(plan, f"{where}.rules[{n}]", n, r, columns)
                for n, r in enumerate(rules_data, start=1)
            ]
        elif rules_data:
            raise _fail(plan, where, f"'rules' only apply to labelled tables, not {fmt}")
        year = item.get("year")
        if year is not None and (isinstance(year, bool) or not str(year).isdigit()):
            raise _fail(plan, where, f"year {year!r} is not a year", "Write e.g. year: 2018")
        names = item.get("variable_names") or {}
        if not isinstance(names, dict):
            raise _fail(plan, where, "'variable_names' must map names to ACS codes")
        entries.append(
            Entry(
                files=files,
                format=fmt,
                source=_text(plan, where, item.get("source"), "source") or source,
                year=int(year) if year is not None else None,
                level=level,
                geoid_column=_text(plan, where, item.get("geoid_column"), "geoid_column") or None,
                name_column=_text(plan, where, item.get("name_column"), "name_column") or None,
                columns=dict(columns),
                rules=rules,
                variable_names={str(k): str(v) for k, v in names.items()},
                summary_variable=_text(
                    plan, where, item.get("summary_variable"), "summary_variable"
                )
                or None,
                label=str(item.get("name") or ""),
            )
        )
    return Plan(plan, source, entries)
