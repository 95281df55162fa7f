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

from mobility_nb.errors import MobilityNBError, ParamsError

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


class PlanError(MobilityNBError):
    """A measurement plan is malformed; lists every problem with its field path."""

    def __init__(self, where: str, problems: Sequence[str]) -> None:
        self.where = where
        self.problems = list(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"The measurement plan {where} has {count} {noun}:\n{lines}\n"
            "Fix these fields in the plan and run again (params/step8_*.yaml are worked "
            "examples)."
        )


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


def load_plan(
    plan: str | os.PathLike[str] | Mapping[str, Any],
    base_dir: str | os.PathLike[str] | None = None,
    check_metric: Callable[[str], Any] | None = None,
) -> Plan:
    """Read and validate a plan file (or an inline mapping) into a :class:`Plan`.

    A file may hold the plan at top level or under ``plan:`` beside ``jurisdiction:``
    (so the same file is a valid papermill parameters file). Relative local-data paths are
    resolved against the file's folder (or ``base_dir`` for inline plans).
    ``check_metric`` defaults to :func:`mobility_nb.data.catalog.get_metric`.
    """
    if isinstance(plan, Mapping):
        data: Any = dict(plan)
        where, path = "(inline plan)", ""
        base = Path(base_dir) if base_dir else Path.cwd()
    else:
        from mobility_nb.params import load_params_file

        file = Path(plan)
        try:
            data = load_params_file(file)
        except ParamsError as exc:
            raise PlanError(str(file), [str(exc)]) from None
        where, path = str(file), str(file)
        base = Path(base_dir) if base_dir else file.parent
    return parse_plan(data, where=where, base_dir=base, path=path, check_metric=check_metric)


def parse_plan(
    data: Any,
    where: str = "(inline plan)",
    base_dir: Path | None = None,
    path: str = "",
    check_metric: Callable[[str], Any] | None = None,
) -> Plan:
    """Validate an already-parsed mapping; raises one :class:`PlanError` listing all problems."""
    if check_metric is None:
        check_metric = _catalog_lookup()
    v = _Validator(base_dir or Path.cwd(), check_metric)
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
    from mobility_nb.data.catalog import get_metric

    return get_metric


def _acs_indicator_names() -> tuple[str, ...]:
    """Indicator keys of the Step 5 ACS layer (empty when the layer is not installed)."""
    try:
        from mobility_nb.acs.indicators import BY_KEY
    except ImportError:
        return ()
    return tuple(BY_KEY)


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


_MISSING = object()


class _Validator:
    """Walks the raw mapping, collecting ``path: message`` problems instead of raising."""

    def __init__(self, base_dir: Path, check_metric: Callable[[str], Any]) -> None:
        self.base_dir = base_dir
        self.check_metric = check_metric
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
        value = self.number(m, key, path)
        if value is not None and not 0 < value <= 100:
            self.bad(
                _join(path, key),
                f"{value:g} is not a percentage between 0 and 100 (write 50 for half the gap)",
            )
            return None
        return value

    def geoids(self, m: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = m.get(key, _MISSING)
        if value is _MISSING or value is None:
            return ()
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            self.bad(
                _join(path, key),
                f'must be a list of FIPS codes such as ["17043", "17197"], not {_kind(value)}',
            )
            return ()
        out = []
        for i, item in enumerate(value):
            geoid = self.geoid(item, f"{_join(path, key)}[{i}]")
            if geoid:
                out.append(geoid)
        return tuple(out)

    def geoid(self, value: Any, where: str) -> str:
        if isinstance(value, int) and not isinstance(value, bool) and len(str(value)) in (5, 7):
            return str(value)  # unambiguous: YAML turned a quoteless code into a number
        if isinstance(value, str) and value.isdigit() and len(value) in (5, 7):
            return value
        self.bad(
            where,
            f"{value!r} is not a 5-digit county FIPS or 7-digit place GEOID; "
            'write it in quotes, e.g. "06037"',
        )
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
                if top.get("jurisdiction") is not None
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
        if m.get("jurisdiction") is not None:
            inner = self.geoid(m["jurisdiction"], _join(body_path, "jurisdiction"))
            if jurisdiction and inner and inner != jurisdiction:
                self.bad(
                    _join(body_path, "jurisdiction"),
                    f"{inner!r} differs from the file's jurisdiction {jurisdiction!r}",
                )
            jurisdiction = jurisdiction or inner
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
        target = None
        if m.get("target") is not None:
            target = self.target(m["target"], _join(path, "target"), baseline_year)
        direction = self.choice(m, "direction", path, DIRECTIONS)
        unit = self.choice(m, "unit", path, UNITS)
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
                    self.check_metric(metric)
                except MobilityNBError as exc:
                    self.bad(_join(path, "metric"), str(exc))
                    metric = ""
        elif kind == "acs" and not indicator:
            self.bad(
                _join(path, "indicator"),
                "is required for an acs source (an indicator name from the Step 5 ACS layer)",
            )
        elif kind == "acs":
            known = _acs_indicator_names()
            if known and indicator not in known:
                self.bad(
                    _join(path, "indicator"),
                    f"{indicator!r} is not an ACS indicator of "
                    f"the Step 5 layer{_suggest(indicator, known)}; use one of " + ", ".join(known),
                )
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

    def target(self, raw: Any, path: str, baseline_year: int | None) -> Target | None:
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
        value = self.number(m, "value", path)
        percent = self.percent(m, "percent", path)
        benchmark: float | str | None = None
        raw_bench = m.get("benchmark")
        if isinstance(raw_bench, str):
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
            benchmark = self.number(m, "benchmark", path)
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
        )

    def cross_check(self, ind: Indicator, path: str) -> None:
        """Checks that need several fields, or the catalog, together."""
        src, target = ind.source, ind.target
        metric = None
        if src.kind == "mobility_metric" and src.metric:
            metric = self.check_metric(src.metric)
        unit = ind.unit or (getattr(metric, "unit", "") if metric is not None else "")
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
        if unit == "share":
            for key in ("value", "benchmark"):
                number = getattr(target, key)
                if isinstance(number, float) and not 0 <= number <= 1:
                    self.bad(
                        _join(tpath, key),
                        f"{number:g} is outside 0-1, but this indicator "
                        f"is a share stored as a fraction; write {number / 100:g} for "
                        f"{number:g}%",
                    )


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
