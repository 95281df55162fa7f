"""The ``mobility-nb`` command.

``mobility-nb run step2 --jurisdiction "Cook County, IL"`` resolves the jurisdiction first
(so a typo fails in a second, not after a kernel start), runs the step notebook and
publishes the page. Errors a user can cause print one paragraph and exit with status 2;
there is no traceback unless ``--debug`` is given.

Other modules add subcommands: each module listed in :data:`EXTENSIONS` exposes
``register(subparsers)``, which adds its parser and sets ``func=handler`` with
``handler(args) -> int | None``. A module that is missing is skipped, so ``run`` keeps
working while the others are being built.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mobility_nb import __version__
from mobility_nb.errors import MobilityNBError, ParamsError

# --- hooks for other engineers: modules exposing register(subparsers) -----------------------
EXTENSIONS: list[str] = [
    "mobility_nb.cli.demo",  # mobility-nb demo
    "mobility_nb.cli.batch",  # mobility-nb batch
    "mobility_nb.cli.census",  # mobility-nb census
    "mobility_nb.data.releases",  # mobility-nb data status|update|diff
]


def add_data_dir_option(parser: argparse.ArgumentParser) -> None:
    """Accept ``--data-dir`` after a subcommand too, without hiding the global value."""
    parser.add_argument(
        "--data-dir",
        dest="data_dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="folder holding the Mobility Metrics files (default: $MOBILITY_NB_DATA, then "
        "the download cache)",
    )


def _register_extensions(subparsers: Any, warnings: list[str]) -> None:
    for module_name in EXTENSIONS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
                continue  # not written yet
            warnings.append(f"the commands from {module_name} are unavailable: {exc}")
            continue
        except Exception as exc:  # a broken extension must not break `run`
            warnings.append(f"the commands from {module_name} are unavailable: {exc}")
            continue
        register = getattr(module, "register", None)
        if callable(register):
            register(subparsers)


def build_parser(warnings: list[str] | None = None) -> argparse.ArgumentParser:
    """The full argument parser, including subcommands registered by other modules."""
    from mobility_nb.steps import STEPS

    parser = argparse.ArgumentParser(
        prog="mobility-nb",
        description="Findings pages for Urban's 'Boosting Upward Mobility' planning guide.",
    )
    parser.add_argument("--version", action="version", version=f"mobility-nb {__version__}")
    parser.add_argument(
        "--data-dir",
        dest="data_dir",
        metavar="DIR",
        default=None,
        help="folder holding the Mobility Metrics files",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks for errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = subparsers.add_parser(
        "run",
        help="run one step notebook for one jurisdiction and write its HTML page",
        description="Run a step notebook for one county or city and write <stem>.html, "
        "<stem>.csv and <stem>.provenance.json.",
    )
    run.add_argument("step", choices=list(STEPS), help="which step's page to build")
    run.add_argument(
        "-j",
        "--jurisdiction",
        metavar="X",
        help="county FIPS (17031), city GEOID (4260000) or a name "
        "('Cook County, IL'); may also come from --params",
    )
    run.add_argument(
        "--level",
        choices=["county", "place"],
        help="only look among counties or among cities (places)",
    )
    run.add_argument("--params", metavar="FILE", help="YAML file with notebook parameters")
    run.add_argument("--out", metavar="DIR", help="output folder (default: outputs/<step>)")
    run.add_argument(
        "--stem", metavar="NAME", help="file name without extension (default: <geoid>-<name>)"
    )
    run.add_argument(
        "--timeout",
        type=int,
        default=600,
        metavar="SECONDS",
        help="time limit per notebook cell (default: 600)",
    )
    run.add_argument(
        "--kernel",
        default="python3",
        metavar="NAME",
        help="Jupyter kernel to run the notebook with (default: python3)",
    )
    add_data_dir_option(run)
    run.set_defaults(func=cmd_run)

    _register_extensions(subparsers, warnings if warnings is not None else [])
    return parser


def _human_bytes(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def cmd_run(args: argparse.Namespace) -> int:
    """``mobility-nb run STEP``: resolve, run, publish, report where the page went."""
    from mobility_nb.data.jurisdictions import resolve
    from mobility_nb.params import load_params_file, validate_params
    from mobility_nb.run.single import default_stem, run_page
    from mobility_nb.steps import STEP_TITLES, locate_notebook

    notebook = locate_notebook(args.step)
    file_params = load_params_file(args.params) if args.params else {}
    checked = validate_params(file_params, notebook)  # a bad key fails before any data loads
    text = args.jurisdiction or checked.get("jurisdiction")
    if not text:
        raise ParamsError(
            "No jurisdiction given. Pass --jurisdiction with a county FIPS (17031), a city "
            "GEOID (4260000) or a name ('Cook County, IL'), or set jurisdiction in --params."
        )
    data_dir = getattr(args, "data_dir", None) or checked.get("data_dir") or None
    place = resolve(text, level=args.level, data_dir=data_dir)
    described = place.describe() if hasattr(place, "describe") else place.display_name
    params = {**checked, "jurisdiction": place.geoid}
    params.pop("data_dir", None)  # passed separately so run_page can set it
    stem = args.stem or default_stem(place)
    out = Path(args.out) if args.out else Path("outputs") / args.step
    print(f"Building the {args.step} page for {described} ...", flush=True)
    result = run_page(
        args.step,
        params,
        out,
        stem,
        data_dir=data_dir,
        kernel_name=args.kernel,
        execution_timeout=args.timeout,
        default_title=f"{STEP_TITLES[args.step]}: {place.display_name}",
    )
    print(f"Page:       {result.html} ({_human_bytes(result.page_bytes)}, {result.seconds:.1f} s)")
    print(f"Numbers:    {result.csv}")
    print(f"Provenance: {result.provenance}")
    return 0


def _say(message: str) -> None:
    from mobility_nb.params import redact_secrets

    print(f"mobility-nb: {redact_secrets(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mobility-nb`` console script; returns the exit status."""
    warnings: list[str] = []
    parser = build_parser(warnings)
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    if debug:
        for warning in warnings:
            _say(warning)
    func = getattr(args, "func", None)
    if func is None:
        for warning in warnings:
            _say(warning)
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        _say("interrupted; no partial page was written.")
        return 130
    except MobilityNBError as exc:
        if debug:
            traceback.print_exc()
        _say(str(exc))
        return 2
    except Exception as exc:
        if debug:
            traceback.print_exc()
        _say(f"unexpected error: {type(exc).__name__}: {exc}. Run with --debug for the traceback.")
        return 1
