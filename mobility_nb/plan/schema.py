"""The measurement-plan file: YAML in, frozen dataclasses out, every problem reported at once.

A coalition's analyst writes the plan by hand, so a typo must come back as a list of every
bad field with its path (``actions[1].indicators[0].target.rule: ...``) and a suggestion,
not as the first exception or a wrong page. Checks that need the metric catalog (is the
metric known? is a share target written as a fraction?) run in the same pass, so one run
of the notebook shows every mistake.

Layout (see ``params/step8_*.yaml`` for complete examples)::

    jurisdiction: "4260000"        # optional; the plan applies to this jurisdiction only
    plan:
      title: ...
      baseline_year: 2019          # optional; default: the latest data
      peers: ["4805000", ...]      # optional; used by reach_peer_top_quartile
      actions:
        - name: ...
          indicators:
            - name: ...
              source: {kind: mobility_metric, metric: share_employed}
              target: {year: 2030, rule: reach_state_median}
              ...
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobility_nb.errors import (
    MobilityNBError,
    ParamsError,
    PlanError,  # noqa: F401 (defined there)
)

SOURCE_KINDS = ("mobility_metric", "acs", "local")
RULES = (
    "value",
    "reach_state_median",
    "reach_peer_top_quartile",
    "close_gap_to_benchmark",
    "close_subgroup_gap",
)
# Rules that compare with other jurisdictions and so need a source that has them.
CROSS_SECTION_RULES = ("reach_state_median", "reach_peer_top_quartile")
NAMED_BENCHMARKS = ("national_median", "state_median")
FREQUENCIES = (
    "monthly",
    "quarterly",
    "semiannual",
    "annual",
    "biennial",
    "every_5_years",
    "one_time",
)
DIRECTIONS = ("higher", "lower")
COMPONENTS = (
    "input",
    "output",
    "short_term_outcome",
    "medium_term_outcome",
    "long_term_outcome",
)
MEASURE_TYPES = ("how_much", "how_well", "better_off", "systems_change")
# Plan wording -> the subgroup_type values used in the tidy Mobility Metrics tables.
DISAGGREGATIONS: dict[str, tuple[str, ...]] = {
    "race_ethnicity": ("race-ethnicity", "race"),
    "race_share": ("race-share",),
    "income": ("income",),
    "age": ("age",),
    "gender": ("gender",),
    "tenure": ("tenure",),
    "disability": ("disability",),
    "industry": ("industry",),
    "mothers_education": ("mothers-education",),
    "geography": (),  # neighbourhood/tract breakdowns: never in the Mobility Metrics files
}
SHARE_UNITS = ("share", "percent")
UNITS = ("share", "percent", "dollars", "count", "rate", "ratio", "index", "number")
MIN_YEAR, MAX_YEAR = 1990, 2100


# --- the plan as data ----------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where an indicator's numbers come from."""

    kind: str  # one of SOURCE_KINDS
    metric: str = ""  # mobility_metric: catalog name
    indicator: str = ""  # acs: indicator name in the Step 5 ACS layer
    file: str = ""  # local: resolved path; "" = not collected yet (a data gap)
    sheet: str = ""  # local XLSX: sheet name ("" = first sheet)
    measure: str = ""  # local: value of the file's `measure` column, when it has one
    subgroup_type: str = "all"  # track one subgroup instead of the overall value
    subgroup: str = "All"


@dataclass(frozen=True)
class Target:
    """A target value by a year: given outright, or computed by a rule from the data."""

    year: int
    rule: str = "value"  # one of RULES
    value: float | None = None
    percent: float | None = None  # close_* rules: share of the gap to close, 0-100
    benchmark: float | str | None = None  # number or one of NAMED_BENCHMARKS
    peers: tuple[str, ...] = ()  # reach_peer_top_quartile; () = plan peers or state
    subgroup_type: str = ""  # close_subgroup_gap
    group: str = ""
    reference: str = ""
    value_note: str = ""  # how a typed value was read, e.g. "read from 0.6"
    benchmark_note: str = ""


@dataclass(frozen=True)
class Reporting:
    cadence: str = ""
    audience: str = ""


@dataclass(frozen=True)
class Indicator:
    """One measure of one strategic action (a row of the measurement plan)."""

    name: str
    source: Source
    target: Target | None = None
    component: str = ""
    measure_type: str = ""
    direction: str = ""  # "" = from the catalog (mobility metrics)
    unit: str = ""  # "" = from the catalog
    baseline_year: int | None = None
    data_source: str = ""  # free text shown in the plan; "" = described from `source`
    collection_method: str = ""
    frequency: str = ""
    responsible: str = ""
    collected_by: str = ""
    disaggregation: tuple[str, ...] = ()
    reporting: Reporting = field(default_factory=Reporting)
    notes: str = ""


@dataclass(frozen=True)
class Action:
    name: str
    indicators: tuple[Indicator, ...]
    description: str = ""


@dataclass(frozen=True)
class Plan:
    title: str
    actions: tuple[Action, ...]
    jurisdiction: str = ""  # "" = any jurisdiction
    baseline_year: int | None = None
    peers: tuple[str, ...] = ()
    path: str = ""  # where it was read from ("" = inline)

    def indicators(self) -> list[tuple[Action, Indicator]]:
        return [(a, i) for a in self.actions for i in a.indicators]


# --- reading --------------------------------------------------------------------------------

# resolve_place(text, level) -> GEOID; raises MobilityNBError with the reason and suggestions.
PlaceResolver = Callable[[str, "str | None"], str]
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
YAML_SUFFIXES = (".yaml", ".yml")


def load_plan(
    plan: str | os.PathLike[str] | Mapping[str, Any],
    base_dir: str | os.PathLike[str] | None = None,
    check_metric: Callable[[str], Any] | None = None,
    resolve_place: PlaceResolver | None = None,
    level: str | None = None,
) -> Plan:
    """Read and validate a plan YAML, an Excel plan workbook or an inline mapping.

    A YAML file may hold the plan at top level or under ``plan:`` beside ``jurisdiction:``
    (so the same file is a valid papermill parameters file); a workbook (``.xlsx``, see
    :mod:`.workbook`) is read into the same mapping and checked by the same validator, its
    problems named by sheet and cell. Relative local-data paths are resolved against the
    file's folder (or ``base_dir`` for inline plans). ``check_metric`` defaults to
    :func:`.references.find_metric` (keys and page labels); ``resolve_place`` turns a
    jurisdiction or peer name into a GEOID (default: codes as written, names through
    :func:`mobility_nb.data.jurisdictions.resolve`); ``level`` is the page's level for peers.
    """
    if isinstance(plan, Mapping):
        data: Any = dict(plan)
        where, path = "(inline plan)", ""
        base = Path(base_dir) if base_dir else Path.cwd()
        cells: Mapping[str, str] = {}
    else:
        file = Path(plan).expanduser()
        where, path = str(file), str(file)
        base = Path(base_dir) if base_dir else file.parent
        if not file.is_file():
            raise PlanError(
                where,
                [
                    "the file does not exist; give the path of a plan YAML "
                    "(.yaml) or plan workbook (.xlsx)"
                ],
                advice=(
                    "Check the file name (`mobility-nb plan template` writes a workbook to "
                    "fill in)."
                ),
            )
        data, cells = _read_file(file)
    try:
        return parse_plan(
            data,
            where=where,
            base_dir=base,
            path=path,
            check_metric=check_metric,
            resolve_place=resolve_place,
            level=level,
        )
    except PlanError as exc:
        if not cells:
            raise
        from mobility_nb.plan.workbook import WORKBOOK_ADVICE, locate

        raise PlanError(
            where, [locate(p, cells) for p in exc.problems], advice=WORKBOOK_ADVICE
        ) from None


def plan_jurisdiction(plan: str | os.PathLike[str]) -> Any:
    """The jurisdiction a plan file names (top level, or under ``plan:``), as written.

    Lets ``mobility-nb run step8 --plan FILE`` take the place from the plan itself;
    ``None`` when the file names none. Unreadable files raise :class:`PlanError`.
    """
    data, _ = _read_file(Path(plan).expanduser())
    if not isinstance(data, Mapping):
        return None
    inner = data.get("plan")
    found = data.get("jurisdiction")
    if found in (None, "") and isinstance(inner, Mapping):
        found = inner.get("jurisdiction")
    return None if found in (None, "") else found


def _read_file(file: Path) -> tuple[Any, Mapping[str, str]]:
    """The raw plan mapping of a YAML file or workbook, and (workbooks) field path -> cell."""
    if file.suffix.lower() == ".xls":
        raise PlanError(
            str(file),
            ["is an old-style Excel file (.xls), which cannot be read"],
            advice="Save it as an Excel workbook (.xlsx) and run again.",
        )
    if file.suffix.lower() in WORKBOOK_SUFFIXES:
        from mobility_nb.plan.workbook import read_workbook

        data = read_workbook(file)
        return data, getattr(data, "cells", {})
    from mobility_nb.params import load_params_file

    try:
        return load_params_file(file), {}
    except ParamsError as exc:
        raise PlanError(str(file), [str(exc)]) from None


def parse_plan(
    data: Any,
    where: str = "(inline plan)",
    base_dir: Path | None = None,
    path: str = "",
    check_metric: Callable[[str], Any] | None = None,
    resolve_place: PlaceResolver | None = None,
    level: str | None = None,
) -> Plan:
    """Validate an already-parsed mapping; raises one :class:`PlanError` listing all problems."""
    if check_metric is None:
        check_metric = _catalog_lookup()
    v = _Validator(base_dir or Path.cwd(), check_metric, resolve_place or default_resolver, level)
    plan = v.plan(data)
    if v.problems:
        raise PlanError(where, v.problems)
    assert plan is not None
    return Plan(
        title=plan.title,
        actions=plan.actions,
        jurisdiction=plan.jurisdiction,
        baseline_year=plan.baseline_year,
        peers=plan.peers,
        path=path,
    )


def _catalog_lookup() -> Callable[[str], Any]:
    from mobility_nb.plan.references import find_metric

    return find_metric


def default_resolver(text: str, level: str | None) -> str:
    """Codes as written (no data needed); names through the Step 2 resolver (needs data)."""
    if text.isdigit():
        return text
    from mobility_nb.data.jurisdictions import resolve

    return resolve(text, level=level).geoid


def _acs_unit(indicator: str) -> str:
    """The plan unit of an ACS indicator ('' when the layer is not installed)."""
    try:
        from mobility_nb.acs.indicators import BY_KEY
    except ImportError:
        return ""
    definition = BY_KEY.get(indicator)
    if definition is None:
        return ""
    return {"percent": "percent", "dollars": "dollars", "people": "count"}.get(definition.unit, "")


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


_MISSING = object()


class _Validator:
    """Walks the raw mapping, collecting ``path: message`` problems instead of raising."""

    def __init__(
        self,
        base_dir: Path,
        check_metric: Callable[[str], Any],
        resolve_place: PlaceResolver,
        level: str | None = None,
    ) -> None:
        self.base_dir = base_dir
        self.check_metric = check_metric
        self.resolve_place = resolve_place
        self.level = level
        self.problems: list[str] = []

    def bad(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    # ---- generic field readers ----

    def mapping(self, value: Any, path: str, allowed: Sequence[str]) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            self.bad(path, f"must be a mapping of 'field: value' lines, not {_kind(value)}")
            return None
        for key in value:
            if key not in allowed:
                self.bad(
                    _join(path, str(key)),
                    f"unknown field{_suggest(str(key), allowed)}; allowed fields: "
                    + ", ".join(allowed),
                )
        return dict(value)

    def text(self, m: Mapping[str, Any], key: str, path: str, required: bool = False) -> str:
        value = m.get(key, _MISSING)
        where = _join(path, key)
        if value is _MISSING or value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.bad(where, "is required")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.bad(where, f"must be text, not {_kind(value)}")
            return ""
        return str(value).strip()

    def choice(
        self,
        m: Mapping[str, Any],
        key: str,
        path: str,
        allowed: Sequence[str],
        required: bool = False,
    ) -> str:
        value = self.text(m, key, path, required)
        if value and value not in allowed:
            self.bad(
                _join(path, key),
                f"{value!r} is not a known {key}{_suggest(value, allowed)}; use one of "
                + ", ".join(allowed),
            )
            return ""
        return value

    def year(self, m: Mapping[str, Any], key: str, path: str, required: bool = False) -> int | None:
        value = m.get(key, _MISSING)
        where = _join(path, key)
        if value is _MISSING or value is None:
            if required:
                self.bad(where, "is required (a year such as 2030)")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.bad(where, f"must be a year written as a whole number such as 2030, not {value!r}")
            return None
        if not MIN_YEAR <= value <= MAX_YEAR:
            self.bad(where, f"{value} is not a plausible year ({MIN_YEAR}-{MAX_YEAR})")
            return None
        return value

    def number(self, m: Mapping[str, Any], key: str, path: str) -> float | None:
        value = m.get(key, _MISSING)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.bad(_join(path, key), f"must be a number, not {value!r}")
            return None
        return float(value)

    def percent(self, m: Mapping[str, Any], key: str, path: str) -> float | None:
        """A share of a gap, 0-100: 50, 50% and 0.5 all mean half (as targets are read)."""
        from mobility_nb.plan.units import TypedValueError, read_typed, units_for

        raw = m.get(key)
        if raw is None:
            return None
        try:
            value = read_typed(raw, units_for("percent")).stored
        except TypedValueError as exc:
            if str(exc).startswith("1 could mean"):
                self.bad(_join(path, key), f"{exc} of the gap")
                return None
            value = None
        if value is None or not 0 < value <= 100:
            self.bad(
                _join(path, key),
                f"{_typed_text(raw)} is not a percentage between 0 and "
                "100 (write 50 or 50% for half the gap)",
            )
            return None
        return value

    def typed(
        self, m: Mapping[str, Any], key: str, path: str, units: Any
    ) -> tuple[float | None, str]:
        """A target or benchmark typed in the page's units -> (stored value, how it was read)."""
        from mobility_nb.plan.units import TypedValueError, read_typed

        value = m.get(key, _MISSING)
        if value is _MISSING or value is None:
            return None, ""
        try:
            read = read_typed(value, units)
        except TypedValueError as exc:
            self.bad(_join(path, key), str(exc))
            return None, ""
        return read.stored, read.note

    def geoids(self, m: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = m.get(key, _MISSING)
        if value is _MISSING or value is None:
            return ()
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            self.bad(
                _join(path, key),
                "must be a list of codes or names such as "
                f'["17043", "Will County, IL"], not {_kind(value)}',
            )
            return ()
        out = []
        for i, item in enumerate(value):
            geoid = self.geoid(item, f"{_join(path, key)}[{i}]")
            if geoid:
                out.append(geoid)
        return tuple(out)

    def geoid(self, value: Any, where: str) -> str:
        """A county or city given as FIPS/GEOID or by name ("Cook County, IL"), as a GEOID."""
        if isinstance(value, int) and not isinstance(value, bool):
            digits = str(value)
            if len(digits) in (5, 7):
                return self.place(digits, where)  # YAML turned a quoteless code into a number
            hint = (
                f'; if a leading zero was lost, write it in quotes: "0{digits}"'
                if len(digits) in (4, 6)
                else ""
            )
            self.bad(where, f"{value!r} is not a 5-digit county FIPS or 7-digit place GEOID{hint}")
            return ""
        if isinstance(value, str) and value.strip().isdigit():
            digits = value.strip()
            if len(digits) in (5, 7):
                return self.place(digits, where)
            self.bad(
                where,
                f"{value!r} is not a 5-digit county FIPS or 7-digit place GEOID "
                '(codes keep their leading zeros, e.g. "06037")',
            )
            return ""
        if isinstance(value, str) and value.strip():
            return self.place(value.strip(), where)
        self.bad(
            where,
            "must be a county FIPS (17031), a city GEOID (4260000) or a name such "
            f"as 'Cook County, IL', not {_kind(value)}",
        )
        return ""

    def place(self, text: str, where: str) -> str:
        try:
            return str(self.resolve_place(text, self.level))
        except MobilityNBError as exc:
            self.bad(where, str(exc))
            return ""

    def text_list(
        self, m: Mapping[str, Any], key: str, path: str, allowed: Sequence[str]
    ) -> tuple[str, ...]:
        value = m.get(key, _MISSING)
        if value is _MISSING or value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.bad(
                _join(path, key),
                f"must be a list such as [race_ethnicity, income], not {_kind(value)}",
            )
            return ()
        out = []
        for i, item in enumerate(value):
            where = f"{_join(path, key)}[{i}]"
            if not isinstance(item, str) or item not in allowed:
                self.bad(
                    where,
                    f"{item!r} is not a known {key} value"
                    f"{_suggest(str(item), allowed)}; use one of " + ", ".join(allowed),
                )
            else:
                out.append(item)
        return tuple(out)

    # ---- the plan ----

    def plan(self, data: Any) -> Plan | None:
        if isinstance(data, Mapping) and "plan" in data:
            top = self.mapping(
                data,
                "",
                ("jurisdiction", "plan", "current_year", "data_dir", "artifacts_dir", "plan_file"),
            )
            if top is None:
                return None
            jurisdiction = (
                self.geoid(top["jurisdiction"], "jurisdiction")
                if top.get("jurisdiction") not in (None, "")
                else ""
            )
            body_path, body = "plan", top["plan"]
        else:
            jurisdiction, body_path, body = "", "", data
        m = self.mapping(
            body,
            body_path or "(top level)",
            ("title", "jurisdiction", "baseline_year", "peers", "actions"),
        )
        if m is None:
            return None
        if m.get("jurisdiction") not in (None, ""):
            inner = self.geoid(m["jurisdiction"], _join(body_path, "jurisdiction"))
            if jurisdiction and inner and inner != jurisdiction:
                self.bad(
                    _join(body_path, "jurisdiction"),
                    f"{inner!r} differs from the file's jurisdiction {jurisdiction!r}",
                )
            jurisdiction = jurisdiction or inner
        if jurisdiction and self.level is None:
            self.level = {5: "county", 7: "place"}.get(len(jurisdiction))
        title = self.text(m, "title", body_path) or "Measurement plan"
        baseline_year = self.year(m, "baseline_year", body_path)
        peers = self.geoids(m, "peers", body_path)
        actions_raw = m.get("actions")
        actions: list[Action] = []
        apath = _join(body_path, "actions")
        if not isinstance(actions_raw, list) or not actions_raw:
            self.bad(apath, "is required: a list of strategic actions, each with indicators")
        else:
            for i, raw in enumerate(actions_raw):
                action = self.action(raw, f"{apath}[{i}]", baseline_year)
                if action is not None:
                    actions.append(action)
        return Plan(
            title=title,
            actions=tuple(actions),
            jurisdiction=jurisdiction,
            baseline_year=baseline_year,
            peers=peers,
        )

    def action(self, raw: Any, path: str, plan_baseline: int | None) -> Action | None:
        m = self.mapping(raw, path, ("name", "description", "indicators"))
        if m is None:
            return None
        name = self.text(m, "name", path, required=True)
        indicators: list[Indicator] = []
        ipath = _join(path, "indicators")
        raw_inds = m.get("indicators")
        if not isinstance(raw_inds, list) or not raw_inds:
            self.bad(ipath, "is required: a list of the measures for this action")
        else:
            for j, item in enumerate(raw_inds):
                ind = self.indicator(item, f"{ipath}[{j}]", plan_baseline)
                if ind is not None:
                    indicators.append(ind)
        return Action(
            name=name, description=self.text(m, "description", path), indicators=tuple(indicators)
        )

    def indicator(self, raw: Any, path: str, plan_baseline: int | None) -> Indicator | None:
        m = self.mapping(
            raw,
            path,
            (
                "name",
                "source",
                "target",
                "component",
                "measure_type",
                "direction",
                "unit",
                "baseline_year",
                "data_source",
                "collection_method",
                "frequency",
                "responsible",
                "collected_by",
                "disaggregation",
                "reporting",
                "notes",
            ),
        )
        if m is None:
            return None
        name = self.text(m, "name", path, required=True)
        source = self.source(m.get("source", _MISSING), _join(path, "source"))
        baseline_year = self.year(m, "baseline_year", path) or plan_baseline
        direction = self.choice(m, "direction", path, DIRECTIONS)
        unit = self.choice(m, "unit", path, UNITS)
        target = None
        if m.get("target") is not None:
            target = self.target(
                m["target"], _join(path, "target"), baseline_year, self.units(source, unit)
            )
        reporting = Reporting()
        if m.get("reporting") is not None:
            rp = _join(path, "reporting")
            rm = self.mapping(m["reporting"], rp, ("cadence", "audience"))
            if rm is not None:
                reporting = Reporting(
                    cadence=self.choice(rm, "cadence", rp, FREQUENCIES),
                    audience=self.text(rm, "audience", rp),
                )
        ind = Indicator(
            name=name,
            source=source or Source(kind="local"),
            target=target,
            component=self.choice(m, "component", path, COMPONENTS),
            measure_type=self.choice(m, "measure_type", path, MEASURE_TYPES),
            direction=direction,
            unit=unit,
            baseline_year=baseline_year,
            data_source=self.text(m, "data_source", path),
            collection_method=self.text(m, "collection_method", path),
            frequency=self.choice(m, "frequency", path, FREQUENCIES),
            responsible=self.text(m, "responsible", path, required=True),
            collected_by=self.text(m, "collected_by", path),
            disaggregation=self.text_list(m, "disaggregation", path, tuple(DISAGGREGATIONS)),
            reporting=reporting,
            notes=self.text(m, "notes", path),
        )
        if source is not None:
            self.cross_check(ind, path)
        return ind

    def units(self, source: Source | None, unit: str) -> Any:
        """How this indicator's values are shown (and so how its targets are typed)."""
        from mobility_nb.plan.units import units_for

        metric = None
        if source is not None and source.kind == "mobility_metric" and source.metric:
            try:
                metric = self.check_metric(source.metric)
            except MobilityNBError:
                metric = None
        if metric is not None and not hasattr(metric, "format"):
            metric = None  # a test's stand-in catalog entry
        if source is not None and source.kind == "acs" and not unit:
            unit = _acs_unit(source.indicator)
        return units_for(unit, metric if not unit else None)

    def source(self, raw: Any, path: str) -> Source | None:
        if raw is _MISSING or raw is None:
            self.bad(
                path,
                "is required: e.g. {kind: mobility_metric, metric: share_employed}, "
                "{kind: acs, indicator: ...} or {kind: local, file: my_data.csv}",
            )
            return None
        m = self.mapping(
            raw,
            path,
            (
                "kind",
                "metric",
                "indicator",
                "file",
                "sheet",
                "measure",
                "subgroup_type",
                "subgroup",
            ),
        )
        if m is None:
            return None
        kind = self.choice(m, "kind", path, SOURCE_KINDS, required=True)
        metric = self.text(m, "metric", path)
        indicator = self.text(m, "indicator", path)
        file = self.text(m, "file", path)
        sub_type = self.text(m, "subgroup_type", path)
        subgroup = self.text(m, "subgroup", path)
        if bool(sub_type) != bool(subgroup):
            self.bad(
                path,
                "give both subgroup_type and subgroup (e.g. gender / Female), or "
                "neither for the overall value",
            )
        wrong = {
            "mobility_metric": ("indicator", "file", "sheet", "measure"),
            "acs": ("metric", "file", "sheet", "measure"),
            "local": ("metric", "indicator"),
        }.get(kind, ())
        for key in wrong:
            if m.get(key) is not None:
                self.bad(_join(path, key), f"does not apply to a {kind} source")
        if kind == "mobility_metric":
            if not metric:
                self.bad(
                    _join(path, "metric"),
                    "is required for a mobility_metric source "
                    "(a catalog name such as share_employed)",
                )
            else:
                try:
                    found = self.check_metric(metric)
                    metric = str(getattr(found, "metric", metric))  # a label -> its key
                except MobilityNBError as exc:
                    self.bad(_join(path, "metric"), str(exc))
                    metric = ""
        elif kind == "acs" and not indicator:
            self.bad(
                _join(path, "indicator"),
                "is required for an acs source (an indicator name from the Step 5 ACS layer)",
            )
        elif kind == "acs":
            from mobility_nb.plan.references import find_acs_indicator

            try:
                indicator = find_acs_indicator(indicator)
            except MobilityNBError as exc:
                self.bad(_join(path, "indicator"), str(exc))
        elif kind == "local" and file:
            resolved = Path(file).expanduser()
            if not resolved.is_absolute():
                resolved = self.base_dir / resolved
            if not resolved.is_file():
                self.bad(
                    _join(path, "file"),
                    f"{file!r} does not exist (looked for "
                    f"{resolved}); give a CSV or XLSX path relative to the plan file, or "
                    "leave `file` out while the data are not collected yet",
                )
            elif resolved.suffix.lower() not in (".csv", ".xlsx"):
                self.bad(_join(path, "file"), f"{file!r} must be a .csv or .xlsx file")
            else:
                from mobility_nb.plan.sources import local_file_problem

                problem = local_file_problem(
                    resolved, self.text(m, "sheet", path), self.text(m, "measure", path)
                )
                if problem:
                    self.bad(_join(path, "file"), problem)
            file = str(resolved)
        if not kind:
            return None
        return Source(
            kind=kind,
            metric=metric,
            indicator=indicator,
            file=file,
            sheet=self.text(m, "sheet", path),
            measure=self.text(m, "measure", path),
            subgroup_type=sub_type or "all",
            subgroup=subgroup or "All",
        )

    def target(self, raw: Any, path: str, baseline_year: int | None, units: Any) -> Target | None:
        m = self.mapping(
            raw,
            path,
            (
                "year",
                "rule",
                "value",
                "percent",
                "benchmark",
                "peers",
                "subgroup_type",
                "group",
                "reference",
            ),
        )
        if m is None:
            return None
        year = self.year(m, "year", path, required=True)
        rule = self.choice(m, "rule", path, RULES) if m.get("rule") is not None else "value"
        value, value_note = self.typed(m, "value", path, units)
        percent = self.percent(m, "percent", path)
        benchmark: float | str | None = None
        benchmark_note = ""
        raw_bench = m.get("benchmark")
        if isinstance(raw_bench, str) and not _looks_numeric(raw_bench):
            if raw_bench in NAMED_BENCHMARKS:
                benchmark = raw_bench
            else:
                self.bad(
                    _join(path, "benchmark"),
                    f"{raw_bench!r} is not a number or a known "
                    f"benchmark{_suggest(raw_bench, NAMED_BENCHMARKS)}; use a number or "
                    + " / ".join(NAMED_BENCHMARKS),
                )
        elif raw_bench is not None:
            benchmark, benchmark_note = self.typed(m, "benchmark", path, units)
        peers = self.geoids(m, "peers", path)
        sub_type = self.text(m, "subgroup_type", path)
        group = self.text(m, "group", path)
        reference = self.text(m, "reference", path)
        needs = {
            "value": ("value",),
            "reach_state_median": (),
            "reach_peer_top_quartile": (),
            "close_gap_to_benchmark": ("percent", "benchmark"),
            "close_subgroup_gap": ("percent", "subgroup_type", "group", "reference"),
        }
        allows = {
            "value": ("value",),
            "reach_state_median": (),
            "reach_peer_top_quartile": ("peers",),
            "close_gap_to_benchmark": ("percent", "benchmark"),
            "close_subgroup_gap": ("percent", "subgroup_type", "group", "reference"),
        }
        if rule:
            for key in needs[rule]:
                if m.get(key) is None:
                    self.bad(_join(path, key), f"is required for rule {rule!r}")
            for key in (
                "value",
                "percent",
                "benchmark",
                "peers",
                "subgroup_type",
                "group",
                "reference",
            ):
                if m.get(key) is not None and key not in allows[rule]:
                    self.bad(_join(path, key), f"does not apply to rule {rule!r}")
        if group and reference and group == reference:
            self.bad(_join(path, "reference"), "must differ from group")
        if year is not None and baseline_year is not None and year <= baseline_year:
            self.bad(_join(path, "year"), f"{year} must be after the baseline year {baseline_year}")
        if year is None or not rule:
            return None
        return Target(
            year=year,
            rule=rule,
            value=value,
            percent=percent,
            benchmark=benchmark,
            peers=peers,
            subgroup_type=sub_type,
            group=group,
            reference=reference,
            value_note=value_note,
            benchmark_note=benchmark_note,
        )

    def cross_check(self, ind: Indicator, path: str) -> None:
        """Checks that need several fields, or the catalog, together."""
        src, target = ind.source, ind.target
        metric = None
        if src.kind == "mobility_metric" and src.metric:
            metric = self.check_metric(src.metric)
        if target is None:
            return
        tpath = _join(path, "target")
        needs_others = target.rule in CROSS_SECTION_RULES or (
            target.rule == "close_gap_to_benchmark" and isinstance(target.benchmark, str)
        )
        if src.kind == "local" and needs_others:
            self.bad(
                _join(tpath, "rule"),
                f"{target.rule!r} compares with other jurisdictions, "
                "which a local file does not have; use an absolute value or "
                "close_gap_to_benchmark with a number as benchmark",
            )
        if src.kind == "local" and not src.file and target.rule != "value":
            self.bad(
                _join(tpath, "rule"),
                f"{target.rule!r} is computed from data, but this "
                "indicator has no data file yet; give an absolute target value",
            )
        if target.rule == "close_subgroup_gap" and src.subgroup_type != "all":
            self.bad(
                _join(tpath, "rule"),
                "close_subgroup_gap compares two subgroups; remove "
                "subgroup_type/subgroup from the source",
            )
        if (
            target.rule in CROSS_SECTION_RULES
            and not ind.direction
            and metric is not None
            and getattr(metric, "direction", "") not in DIRECTIONS
        ):
            self.bad(
                _join(path, "direction"),
                f"is required for rule {target.rule!r}: the "
                f"catalog gives {src.metric} no better direction; write higher or lower",
            )
        if (
            src.kind in ("acs", "local")
            and not ind.direction
            and target.rule in CROSS_SECTION_RULES
        ):
            self.bad(
                _join(path, "direction"),
                f"is required for rule {target.rule!r} with "
                f"a {src.kind} source (higher or lower is better)",
            )


def _looks_numeric(text: str) -> bool:
    """'60%', '$45,000', '0.6' are typed numbers; 'state_median' is a name."""
    return any(ch.isdigit() for ch in text) and not any(
        ch.isalpha() and ch not in "usdper" for ch in text.lower()
    )


def _typed_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return repr(raw) if isinstance(raw, str) else str(raw)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    if value is _MISSING or value is None:
        return "nothing"
    return {
        dict: "a mapping",
        list: "a list",
        str: f"the text {value!r}",
        bool: str(value),
        int: f"the number {value}",
        float: f"the number {value}",
    }.get(type(value), type(value).__name__)
