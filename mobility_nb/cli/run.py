"""``mobility-nb run STEP``: one page for one jurisdiction, in a fresh kernel.

Everything a user can get wrong is checked before any kernel starts, in the order that
answers fastest: the jurisdiction and ``--peers`` names (a light index, about a second),
a Step 8 plan file (every problem at once), then the parameters against the notebook.
The page is then made by the same pipeline a batch uses. A page never silently replaces
one built with other settings: it gets its own file name (or ``--force`` replaces it),
and a folder holding a batch's ``index.html`` gets the page listed there.

Each step is its own subcommand, so ``mobility-nb run step2 --help`` lists that
notebook's parameters with their defaults (read from the notebook only when asked).
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
import textwrap
import tokenize
from pathlib import Path
from typing import Any

from mobility_nb.cli.app import COMMANDS, add_debug_option
from mobility_nb.cli.options import (
    add_allow_empty_option,
    add_data_dir_option,
    empty_page_warnings,
)
from mobility_nb.errors import NotebookRunError, ParamsError
from mobility_nb.steps import REGISTRY, get_step

PEER_STEPS = ("step2",)  # steps whose notebook takes peers
PLAN_STEPS = ("step8",)  # steps that read a measurement plan
_PEER_SPLIT = re.compile(r"\s*[;|]\s*")
_HIDDEN_PARAMS = {"artifacts_dir"}  # set by the runner, never by the user


class StepParser(argparse.ArgumentParser):
    """A step's parser whose help ends with the notebook's parameters (read lazily)."""

    def __init__(self, *args: Any, step_key: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step_key = step_key

    def format_help(self) -> str:
        text = super().format_help()
        if not self.step_key:
            return text
        return text + "\n" + parameters_help(self.step_key)


def parameters_help(step: str) -> str:
    """'notebook parameters' section: name, type, default and help of each parameter."""
    book = get_step(step).notebook()
    lines = [
        f"notebook parameters ({book.name}; set them in a --params YAML file, "
        "one 'name: value' line each):"
    ]
    for name, kind, default, words in cell_parameters(book):
        if name in _HIDDEN_PARAMS:
            continue
        lines.append(f"  {name} ({kind}, default: {_default_text(default)})")
        if words:
            lines.extend(
                textwrap.wrap(words, 76, initial_indent=" " * 6, subsequent_indent=" " * 6)
            )
    return "\n".join(lines) + "\n"


def _default_text(value: Any) -> str:
    if value == "" or value is None:
        return "empty"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def cell_parameters(book: Path) -> list[tuple[str, str, Any, str]]:
    """(name, type, default, help) of each parameter, read from the parameters cell.

    Read with :mod:`ast` rather than papermill so a step's ``--help`` answers at once;
    the help is the line's comment, also inside a wrapped ``x = (...)`` (where papermill
    finds none). A test keeps the names and defaults equal to papermill's reading.
    """
    import json

    cells = json.loads(book.read_text(encoding="utf-8")).get("cells", [])
    source = next(
        (
            "".join(c.get("source", ""))
            for c in cells
            if c.get("cell_type") == "code"
            and "parameters" in c.get("metadata", {}).get("tags", [])
        ),
        "",
    )
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    out = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            name, value = node.target.id, node.value
            kind = ast.unparse(node.annotation)
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, value, kind = node.targets[0].id, node.value, ""
        else:
            continue
        try:
            default = ast.literal_eval(value)
        except ValueError:
            default = ast.unparse(value)
        words = next(
            (
                comments[line]
                for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)
                if line in comments
            ),
            "",
        )
        out.append((name, kind or type(default).__name__, default, words))
    return out


def register(subparsers: Any) -> None:
    run = subparsers.add_parser(
        "run",
        help=COMMANDS["run"],
        description="Run a step notebook for one county or city and write <stem>.html, "
        "<stem>.csv and <stem>.provenance.json. 'mobility-nb run STEP --help' lists the "
        "step's options and its notebook's parameters.",
    )
    steps = run.add_subparsers(dest="step", metavar="STEP", required=True, parser_class=StepParser)
    for key, step in REGISTRY.items():
        p = steps.add_parser(
            key,
            step_key=key,
            help=f"the {step.title} page ({step.notebook_stem}.ipynb)",
            description=f"Build the {step.title} page ({step.notebook_stem}.ipynb) for one "
            "county or city: <stem>.html, <stem>.csv and <stem>.provenance.json"
            + (", <stem>.plan.csv and <stem>.plan.xlsx" if key in PLAN_STEPS else "")
            + ".",
        )
        _step_options(p, key)
    run.set_defaults(func=lambda _args: (run.print_help(), 2)[1])


def _step_options(p: argparse.ArgumentParser, key: str) -> None:
    p.add_argument(
        "-j",
        "--jurisdiction",
        metavar="X",
        help="county FIPS (48453), city GEOID (4805000) or a name ('Travis County, TX', "
        "'Austin city, TX'); may also come from --params"
        + (" or the plan" if key in PLAN_STEPS else ""),
    )
    p.add_argument(
        "--level",
        choices=["county", "place"],
        help="only look among counties or among cities (places): 'Austin, TX' --level place",
    )
    if key in PEER_STEPS:
        p.add_argument(
            "--peers",
            action="append",
            metavar="LIST",
            help="places to compare with, codes or names separated by ';' "
            "(--peers 'Dallas County, TX; Harris County, TX; 48029'); repeatable; "
            "replaces peers from --params",
        )
    if key in PLAN_STEPS:
        p.add_argument(
            "--plan",
            metavar="FILE",
            help="the measurement plan: an Excel workbook (from 'mobility-nb plan template') "
            "or a plan YAML; its problems are all listed before anything runs",
        )
    p.add_argument("--params", metavar="FILE", help="YAML file with notebook parameters")
    p.add_argument(
        "--out",
        metavar="DIR",
        help=f"output folder (default: outputs/{key}; a folder with a batch's index.html "
        f"gets the page in {key}/ and listed in the index)",
    )
    p.add_argument(
        "--stem", metavar="NAME", help="file name without extension (default: <geoid>-<name>)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace a page of the same name built with other settings (default: this "
        "page gets its own name)",
    )
    p.add_argument(
        "--timeout",
        type=int,
        default=600,
        metavar="SECONDS",
        help="time limit per notebook cell (default: 600)",
    )
    p.add_argument(
        "--kernel",
        default="python3",
        metavar="NAME",
        help="Jupyter kernel to run the notebook with (default: python3)",
    )
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also print the page to a tagged PDF beside it (needs Chromium and Playwright)",
    )
    add_data_dir_option(p)
    add_allow_empty_option(p)
    add_debug_option(p)
    p.set_defaults(func=cmd_run)


def _human_bytes(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def split_peers(values: list[str] | None) -> list[str] | None:
    """``--peers 'A, ST; B'`` (repeatable) -> ``['A, ST', 'B']``; None when not given."""
    if not values:
        return None
    return [p for value in values for p in _PEER_SPLIT.split(value.strip()) if p]


def _plan_path(args: argparse.Namespace, file_params: dict[str, Any]) -> Path | None:
    """The plan file of a Step 8 run (``--plan``, else ``plan_file`` in --params), absolute."""
    text = getattr(args, "plan", None) or file_params.get("plan_file") or ""
    if not text:
        return None
    path = Path(str(text)).expanduser()
    if not path.is_absolute() and args.params and not path.exists():
        beside = Path(args.params).parent / path  # relative to the params file
        path = beside if beside.exists() else path
    return path.resolve() if path.exists() else path


def _jurisdiction_text(
    args: argparse.Namespace, file_params: dict[str, Any], plan: Path | None
) -> str:
    text = args.jurisdiction or file_params.get("jurisdiction")
    if not text and plan is not None and plan.is_file():
        from mobility_nb.plan.schema import plan_jurisdiction

        text = plan_jurisdiction(plan)
    if not text:
        from mobility_nb.params import check_names
        from mobility_nb.steps import locate_notebook

        check_names(file_params, locate_notebook(args.step))  # 'jurisdicton:' explains it
        where = "in --params or on the plan's Settings sheet" if plan is not None else "in --params"
        raise ParamsError(
            "No jurisdiction given. Pass --jurisdiction with a county FIPS (48453), a city "
            f"GEOID (4805000) or a name ('Travis County, TX'), or set jurisdiction {where}."
        )
    return str(text)


def _check_plan(plan: Path, place: Any, data_dir: str | None) -> None:
    """Read and check the plan now, so its problems come before any kernel starts."""
    from mobility_nb.data.jurisdictions import resolve
    from mobility_nb.errors import PlanError
    from mobility_nb.plan.schema import load_plan

    def resolve_place(text: str, level: str | None) -> str:
        return resolve(text, level=level or place.level, data_dir=data_dir).geoid

    parsed = load_plan(plan, resolve_place=resolve_place, level=place.level)
    if parsed.jurisdiction and parsed.jurisdiction != place.geoid:
        raise PlanError(
            str(plan),
            [
                f"jurisdiction: the plan is for {parsed.jurisdiction!r} but the page is for "
                f"{place.geoid!r} ({place.display_name}); pass the matching --plan or "
                "--jurisdiction"
            ],
        )


def cmd_run(args: argparse.Namespace) -> int:
    """Resolve, check, plan, run, publish, report where the page went."""
    from mobility_nb.data.jurisdictions import resolve
    from mobility_nb.params import load_params_file
    from mobility_nb.run.planning import plan_by_file

    file_params = plan_by_file(load_params_file(args.params), args.params) if args.params else {}
    plan = _plan_path(args, file_params) if args.step in PLAN_STEPS else None
    data_dir = getattr(args, "data_dir", None) or file_params.get("data_dir") or None
    text = _jurisdiction_text(args, file_params, plan)
    place = resolve(text, level=args.level, data_dir=data_dir)
    names = split_peers(getattr(args, "peers", None))
    peers = None
    if names is not None:
        peers = [resolve(n, level=place.level, data_dir=data_dir).geoid for n in names]
    if plan is not None:
        _check_plan(plan, place, data_dir)
        file_params["plan_file"] = str(plan)
        file_params.pop("plan", None)  # an inline plan would win over the file
    return _build(args, file_params, place, peers, data_dir)


def _build(
    args: argparse.Namespace,
    file_params: dict[str, Any],
    place: Any,
    peers: list[str] | None,
    data_dir: str | None,
) -> int:
    from mobility_nb.params import check_names
    from mobility_nb.run.one_page import run_single_job
    from mobility_nb.run.outdir import prepare_output_folder
    from mobility_nb.run.planning import make_job
    from mobility_nb.steps import locate_notebook

    check_names(file_params, locate_notebook(args.step))  # a bad key: every one named
    job = make_job(args.step, file_params, place, data_dir=data_dir, stem=args.stem, peers=peers)
    out, index_dir = output_folders(args.out, args.step)
    prepare_output_folder(out)  # a file, read-only or under a file: say so before running
    job = _unique_page(job, out, force=args.force, named=bool(args.stem))
    empty = empty_page_warnings([job])
    print(f"Building the {args.step} page for {place.describe()} ...", flush=True)
    try:
        result = run_single_job(job, out, kernel_name=args.kernel, timeout=args.timeout)
    except NotebookRunError:
        if getattr(args, "debug", False):
            _print_failed_traceback(out, job.stem)
        raise
    print(f"Page:       {result.html} ({_human_bytes(result.page_bytes)}, {result.seconds:.1f} s)")
    print(f"Numbers:    {result.csv}")
    print(f"Provenance: {result.provenance}")
    if getattr(args, "pdf", False):
        from mobility_nb.render.pdf import publish_pdfs

        for pdf in publish_pdfs([(result.html, args.step)]):
            print(f"PDF:        {pdf}")
    for extra in sorted(out.glob(f"{job.stem}.plan.*")):
        print(f"Plan:       {extra}")
    if index_dir is not None:
        from mobility_nb.run.batch.index_page import write_index

        print(f"Index:      {write_index(index_dir)} (updated)")
    if empty and not getattr(args, "allow_empty", False):
        print(
            "The page was written but has no ACS data (see the warning above); fill the "
            "store, or pass --allow-empty to accept such pages.",
            file=sys.stderr,
        )
        return 1
    return 0


def output_folders(out_arg: str | None, step: str) -> tuple[Path, Path | None]:
    """Where the page goes, and the folder whose ``index.html`` (ours) should list it.

    ``--out DIR`` holding a batch's index puts the page in ``DIR/<step>/`` as a batch
    would; a step folder inside such a folder (the default ``outputs/<step>``) updates
    the index one level up.
    """
    from mobility_nb.run.batch.index_page import INDEX_NAME, is_our_index

    out = Path(out_arg) if out_arg else Path("outputs") / step
    if is_our_index(out / INDEX_NAME):
        return out / step, out
    if out.name == step and is_our_index(out.parent / INDEX_NAME):
        return out, out.parent
    return out, None


def _unique_page(job: Any, out: Path, *, force: bool, named: bool) -> Any:
    """The job, renamed when its page would replace one built with other settings."""
    from dataclasses import replace

    from mobility_nb.run.fingerprint import params_digest, read_sidecar, sidecar_path
    from mobility_nb.run.paths import page_paths, variant_stem

    page = out / f"{job.stem}.html"
    if force or not page.exists():
        return job
    mine = params_digest(job.params)
    side = read_sidecar(sidecar_path(out, f"{job.stem}.html"))
    differ = _differences(page_paths(out, job.stem)[2], job.params)
    if side is not None and "params_digest" not in side:  # built before digests were kept
        same = differ == ""
    else:
        same = side is not None and side.get("params_digest") == mine
    if same:
        return job  # the same page again: rebuilt in place
    if side is None or named:
        why = "was not made by mobility-nb" if side is None else "was built with other settings"
        raise ParamsError(
            f"{page} already exists and {why}. Pass --force to replace it, --stem NAME "
            "for another file name, or --out DIR for another folder."
        )
    stem = variant_stem(job.stem, mine)
    print(
        f"Note: {page} shows other settings{differ}; this page is written as {stem}.html "
        "beside it (--force replaces the first, --stem NAME chooses the name)."
    )
    return replace(job, stem=stem)


def _differences(provenance: Path, params: dict[str, Any]) -> str:
    """' (peers differ)': the parameters an existing page was built with differently."""
    import json

    try:
        prov = json.loads(provenance.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    old = prov.get("parameters") or {}
    keys = sorted(
        k
        for k in set(old) | set(params)
        if k not in ("data_dir", "artifacts_dir", "plan_file", "plan")
        and str(old.get(k, "")) != str(params.get(k, ""))
    )
    return f" ({', '.join(keys)} differ)" if keys else ""


def _print_failed_traceback(out: Path, stem: str) -> None:
    """With --debug: the kernel's full traceback, from the notebook kept under _failed/."""
    import sys

    import nbformat

    from mobility_nb.run.paths import FAILED_DIR

    path = out / FAILED_DIR / f"{stem}.ipynb"
    try:
        nb = nbformat.read(str(path), as_version=4)
    except (OSError, ValueError):
        return
    ansi = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                lines = (ansi.sub("", t) for t in output.get("traceback", []))
                print("\n".join(lines), file=sys.stderr)
                return
