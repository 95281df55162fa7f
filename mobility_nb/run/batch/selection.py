"""Turn a jurisdiction list or selectors into batch jobs.

Lists come as YAML or CSV, one row per page set:

* CSV: a ``jurisdiction`` column (FIPS, GEOID or name), optional ``peers`` (GEOIDs or
  names separated by ``;`` or ``|``), optional ``level``, any other column is a notebook
  parameter. Cells are read as text, so ``06037`` keeps its leading zero.
* YAML: a list of rows (a bare string is a jurisdiction; a mapping has ``jurisdiction``,
  optional ``peers``, ``level``, ``params``, ``params_file`` (a ``--params`` YAML file,
  whose jurisdiction is used when the row names none) and/or further parameter keys),
  or a mapping
  with ``defaults`` (parameters for every row) and ``jurisdictions`` (that list).

Selectors (``--state PA --level county``, ``--all``) list jurisdictions from the data.
A row that names an unknown jurisdiction becomes a recorded failure, not an abort; a
column that no selected notebook declares aborts before anything runs.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from mobility_nb.errors import (
    BatchListError,  # noqa: F401 (defined there)
    JurisdictionError,
    MobilityNBError,
    ParamsError,
)
from mobility_nb.params import check_no_secrets, notebook_parameters, parse_yaml
from mobility_nb.run.fingerprint import params_digest
from mobility_nb.run.jobs import Job, Outcome
from mobility_nb.run.paths import variant_stem
from mobility_nb.run.planning import make_job, plan_by_file
from mobility_nb.steps import STEPS, locate_notebook

RESERVED = {"jurisdiction", "peers", "level", "params", "params_file", "steps"}
_PEER_SPLIT = re.compile(r"\s*[;|]\s*")
Resolver = Callable[..., Any]  # resolve(text, level=None, data_dir=None) -> Jurisdiction


@dataclass
class Row:
    """One requested jurisdiction with its own parameters."""

    jurisdiction: str
    number: int  # 1-based position in the list, for messages (0: from selectors)
    level: str | None = None
    peers: list[str] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    place: Any = None  # an already resolved Jurisdiction (selectors)
    steps: list[str] | None = None  # only these of the batch's steps (None: all of them)


@dataclass
class Plan:
    """Jobs to run plus rows that failed before running (unknown jurisdictions)."""

    jobs: list[Job]
    failures: list[Outcome]


# --- reading lists ------------------------------------------------------------------------


def _text(value: Any) -> str:
    return str(value).strip()


def _peers(value: Any, where: str) -> list[str] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return [p for p in _PEER_SPLIT.split(value.strip()) if p]
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value]
    if isinstance(value, int):
        return [str(value)]
    raise BatchListError(
        f'{where}: peers must be a list of FIPS codes or names, e.g. peers: ["42003", '
        f'"42091"], not {value!r}.'
    )


def _params_file(item: Mapping[str, Any], where: str, base: Path | None) -> dict[str, Any]:
    """A row's ``params_file``: the same YAML ``mobility-nb run --params`` takes."""
    name = item.get("params_file")
    if not name:
        return {}
    from mobility_nb.params import load_params_file

    path = Path(str(name))
    if not path.is_absolute() and base is not None and not path.exists():
        path = base / path  # relative to the list file when not relative to the cwd
    if not path.is_file():
        raise BatchListError(f"{where}: params_file {str(name)!r} does not exist.")
    return plan_by_file(load_params_file(path), path)


def _row_from_mapping(
    item: Mapping[str, Any],
    number: int,
    where: str,
    defaults: Mapping[str, Any],
    base: Path | None = None,
) -> Row:
    from_file = _params_file(item, where, base)
    if from_file.get("jurisdiction") and not item.get("jurisdiction"):
        item = {**item, "jurisdiction": from_file["jurisdiction"]}
    from_file.pop("jurisdiction", None)
    if "jurisdiction" not in item or item["jurisdiction"] in (None, ""):
        raise BatchListError(
            f"{where} has no jurisdiction. Each row needs jurisdiction: a county FIPS "
            '("17031"), a city GEOID ("4260000") or a name ("Cook County, IL").'
        )
    extra = item.get("params") or {}
    if not isinstance(extra, Mapping):
        raise BatchListError(f"{where}: params must be a mapping of name: value.")
    params = {
        **defaults,
        **from_file,
        **{k: v for k, v in item.items() if k not in RESERVED},
        **extra,
    }
    level = item.get("level") or None
    if level is not None and level not in ("county", "place"):
        raise BatchListError(f"{where}: level must be county or place, not {level!r}.")
    try:
        steps = parse_steps(item["steps"]) if item.get("steps") else None
    except MobilityNBError as exc:
        raise BatchListError(f"{where}: {exc}") from None
    return Row(
        jurisdiction=_text(item["jurisdiction"]),
        number=number,
        level=level,
        peers=_peers(item.get("peers"), where),
        params=params,
        steps=steps,
    )


def _read_yaml(path: Path) -> list[Row]:
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f", line {mark.line + 1}" if mark else ""
        raise BatchListError(
            f"The list {path}{line} is not valid YAML: {exc.problem}. Quote names that "
            "contain ':' or '#', and quote FIPS codes (\"06037\")."
        ) from None
    defaults: Mapping[str, Any] = {}
    if isinstance(data, Mapping):
        defaults = data.get("defaults") or {}
        if not isinstance(defaults, Mapping):
            raise BatchListError(f"The list {path}: defaults must be a mapping of name: value.")
        unknown = set(data) - {"defaults", "jurisdictions"}
        if unknown or "jurisdictions" not in data:
            raise BatchListError(
                f"The list {path} must be a list of rows, or a mapping with 'jurisdictions' "
                f"(and optionally 'defaults'); found keys {sorted(map(str, data))}."
            )
        data = data["jurisdictions"]
    if not isinstance(data, list) or not data:
        raise BatchListError(
            f"The list {path} holds no rows. Write one row per jurisdiction, e.g.\n"
            '- jurisdiction: "42101"\n  peers: ["42003", "42091"]'
        )
    rows = []
    problems: list[str] = []
    for number, item in enumerate(data, start=1):
        where = f"{path}, row {number}"
        try:
            if isinstance(item, (str, int)):
                rows.append(Row(jurisdiction=_text(item), number=number, params=dict(defaults)))
            elif isinstance(item, Mapping):
                rows.append(_row_from_mapping(item, number, where, defaults, path.parent))
            else:
                raise BatchListError(f"{where} is {item!r}; expected a jurisdiction or a mapping.")
        except MobilityNBError as exc:
            problems.append(str(exc))
    _raise_all(problems, path)
    return rows


def _raise_all(problems: list[str], path: Path) -> None:
    """Every bad row of a list at once: one paragraph for one, one line each for more."""
    if len(problems) == 1:
        raise BatchListError(problems[0])
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise BatchListError(
            f"The list {path} has {len(problems)} problems:\n{lines}\nFix these rows and run again."
        )


def _read_csv(path: Path) -> list[Row]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or []]
            if "jurisdiction" not in header:
                raise BatchListError(
                    f"The list {path} has no 'jurisdiction' column (columns: "
                    f"{', '.join(header) or 'none'}). The first line must name the columns, "
                    "e.g. jurisdiction,peers."
                )
            rows = []
            problems: list[str] = []
            for number, raw in enumerate(reader, start=1):
                item = {
                    (k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None
                }
                if not any(item.values()):
                    continue  # blank line
                where = f"{path}, line {number + 1}"
                item = {k: v for k, v in item.items() if v != ""}
                try:
                    rows.append(_row_from_mapping(item, number, where, {}))
                except MobilityNBError as exc:
                    problems.append(str(exc))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BatchListError(f"Cannot read the list {path}: {exc}.") from None
    _raise_all(problems, path)
    if not rows:
        raise BatchListError(f"The list {path} has a header but no rows.")
    return rows


def read_list(path: str | Path) -> list[Row]:
    """Rows of a YAML (.yaml/.yml) or CSV (.csv) jurisdiction list."""
    file = Path(path)
    if not file.is_file():
        raise BatchListError(f"The list {file} does not exist. Check the path given to --list.")
    suffix = file.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return _read_yaml(file)
    if suffix == ".csv":
        return _read_csv(file)
    raise BatchListError(
        f"The list {file} must end in .yaml, .yml or .csv (got {suffix or 'no extension'})."
    )


# --- turning rows into jobs ---------------------------------------------------------------


def parse_steps(text: str | Sequence[str]) -> list[str]:
    """``"step2,step5"`` -> ``["step2", "step5"]``, checked against the known steps."""
    items = text.split(",") if isinstance(text, str) else list(text)
    steps = list(dict.fromkeys(s.strip().lower() for s in items if s.strip()))
    bad = [s for s in steps if s not in STEPS]
    if bad or not steps:
        raise ParamsError(
            f"Unknown step {bad[0] if bad else text!r}. Choose from {', '.join(STEPS)}, "
            "comma-separated (--steps step2,step5)."
        )
    return steps


def _coerce_text(value: Any, declared: str) -> Any:
    """CSV cells are text; read them as YAML scalars unless the parameter is text."""
    if not isinstance(value, str) or declared.lower() == "str":
        return value
    if declared.lower().startswith("list"):
        return [v for v in _PEER_SPLIT.split(value) if v]
    try:
        return parse_yaml(value, "a list cell")
    except yaml.YAMLError:
        return value


def _row_steps(row: Row, steps: Sequence[str]) -> list[str]:
    """The batch's steps that apply to a row (a row may narrow them with ``steps``)."""
    return [s for s in steps if row.steps is None or s in row.steps]


def _check_columns(rows: Iterable[Row], notebooks: Mapping[str, Path]) -> None:
    """Refuse settings no selected notebook takes: every such name, with the rows using it."""
    unknown: dict[str, list[int]] = {}
    valid: set[str] = set()
    names: set[str] = set()
    for row in rows:
        mine = {s: nb for s, nb in notebooks.items() if row.steps is None or s in row.steps}
        if row.steps and not mine:
            continue  # a row for steps this batch does not run: --steps filters the list
        declared: set[str] = set()
        for nb in mine.values():
            declared |= set(notebook_parameters(nb))
        names |= {p.name for p in mine.values()}
        valid |= declared - {"artifacts_dir"}
        for key in sorted(set(row.params) - declared):
            unknown.setdefault(key, []).append(row.number)
        check_no_secrets(row.params)
    if not unknown:
        return
    notebooks_text = ", ".join(sorted(names))
    problems = [
        f"{_rows_text(numbers)} {'sets' if len(numbers) == 1 else 'set'} {key!r}, which no "
        f"selected notebook ({notebooks_text}) takes"
        + (f" (did you mean {close[0]!r}?)" if (close := _close(key, valid)) else "")
        for key, numbers in unknown.items()
    ]
    valid_text = f"Valid parameters: {', '.join(sorted(valid))}. Fix the column or key name."
    if len(problems) == 1:
        raise BatchListError(f"{problems[0]}. {valid_text}")
    lines = "\n".join(f"  - {p}" for p in problems)
    raise BatchListError(f"The list has {len(problems)} unknown settings:\n{lines}\n{valid_text}")


def _close(name: str, valid: Iterable[str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(name, sorted(valid), n=1, cutoff=0.5)


def _rows_text(numbers: list[int]) -> str:
    """'Row 3', 'Rows 1-4, 7'."""
    spans: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        spans.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ("Row " if len(numbers) == 1 else "Rows ") + ", ".join(spans)


def _failure(row: Row, step: str, exc: MobilityNBError) -> Outcome:
    return Outcome(
        step=step,
        jurisdiction=row.jurisdiction,
        name="",
        state="",
        level=row.level or "",
        status="failed",
        ename=type(exc).__name__,
        evalue=str(exc),
        message=f"Row {row.number} ({row.jurisdiction!r}): {exc}",
        row=row.number,
    )


def plan_jobs(
    rows: Sequence[Row],
    steps: Sequence[str],
    data_dir: str | None,
    fingerprint: Callable[[str, Path, dict[str, Any]], str],
    resolver: Resolver | None = None,
    notebooks: Mapping[str, Path] | None = None,
) -> Plan:
    """One job per row and step; unresolvable rows become failures."""
    if resolver is None:
        from mobility_nb.data.jurisdictions import resolve as resolver
    books = {
        s: Path(notebooks[s]) if notebooks and s in notebooks else locate_notebook(s) for s in steps
    }
    _check_columns(rows, books)
    declared = {s: notebook_parameters(p) for s, p in books.items()}
    jobs: list[Job] = []
    failures: list[Outcome] = []
    seen: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        try:
            place = row.place or resolver(row.jurisdiction, level=row.level, data_dir=data_dir)
            peers = None
            if row.peers is not None:
                peers = [resolver(p, level=place.level, data_dir=data_dir).geoid for p in row.peers]
        except MobilityNBError as exc:
            failures.extend(_failure(row, s, exc) for s in _row_steps(row, steps))
            continue
        for step in _row_steps(row, steps):
            params = {
                k: _coerce_text(v, declared[step][k][0])
                for k, v in row.params.items()
                if k in declared[step]
            }
            try:
                job = make_job(
                    step,
                    params,
                    place,
                    data_dir=data_dir,
                    peers=peers,
                    subdir=step,
                    notebook=books[step],
                    row=row.number or None,
                )
            except MobilityNBError as exc:
                failures.append(_failure(row, step, exc))
                continue
            # The same jurisdiction twice with different settings needs two file names.
            digest = params_digest(job.params)
            variants = seen.setdefault((step, job.stem), set())
            if digest in variants:
                continue  # an exact duplicate row
            stem = variant_stem(job.stem, digest) if variants else job.stem
            variants.add(digest)
            jobs.append(
                replace(job, stem=stem, fingerprint=fingerprint(step, books[step], job.params))
            )
    return Plan(jobs=jobs, failures=failures)


def select_rows(
    state: str | None = None,
    level: str | None = None,
    data_dir: str | None = None,
    lister: Callable[..., Sequence[Any]] | None = None,
) -> list[Row]:
    """Rows for every jurisdiction of a level and/or state (both levels when none given)."""
    if lister is None:
        from mobility_nb.data.jurisdictions import all_jurisdictions as lister
    places = lister(level=level, state=state, data_dir=data_dir)
    if not places:
        where = f" in {state}" if state else ""
        raise JurisdictionError(
            f"No {level or 'county or city'} with data was found{where}. Check --state and "
            "--level (county or place)."
        )
    # number 0: selector rows have no list line to point at
    return [Row(jurisdiction=p.geoid, number=0, level=p.level, place=p) for p in places]
