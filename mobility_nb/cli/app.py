"""The ``mobility-nb`` command: the parser, one subcommand per module, and error handling.

Errors a user can cause print their message and exit with status 2: one paragraph, or
for errors that collect several problems (plans, parameters, lists) one line per
problem, never shortened. There is no traceback unless ``--debug`` is given (which also
sets ``$MOBILITY_NB_DEBUG`` so notebook kernels show theirs). Each command module
(``run``, ``batch``, ``plan``, ``demo``, ``census``, ``data``, ``init``) has a
``register(subparsers)`` function that adds its parser and sets ``func=handler`` with
``handler(args) -> int | None``. Only the command being run is imported and registered
(the others appear by name and one line of help), so ``mobility-nb --help`` and a typo
in a name answer in a second.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from mobility_nb import __version__
from mobility_nb.config import DEBUG_ENV
from mobility_nb.errors import MobilityNBError

# name -> the one line ``mobility-nb --help`` shows; mobility_nb.cli.<name> registers it.
COMMANDS: dict[str, str] = {
    "run": "run one step notebook for one jurisdiction and write its HTML page",
    "batch": "build pages for many jurisdictions (lists, states, all), resumably",
    "plan": "write a measurement-plan workbook to fill in for Step 8 (Excel)",
    "demo": "build the demo pages (Steps 2, 5 and 8) and their index",
    "census": "fill, import into or inspect the local ACS store used by Step 5",
    "data": "which Urban release the data are; download another; compare two",
    "init": "create your own workbook folder (notebooks, example params, outputs/)",
}
_GLOBAL_WITH_VALUE = {"--data-dir"}


def command_module(name: str) -> Any:
    """The module of command ``name`` (imported on demand: some pull in pandas)."""
    return importlib.import_module(f"mobility_nb.cli.{name}")


def _chosen(argv: Sequence[str]) -> str | None:
    """The command named in ``argv`` ('' when none is), skipping global options."""
    skip = False
    for word in argv:
        if skip:
            skip = False
            continue
        if word in _GLOBAL_WITH_VALUE:
            skip = True
            continue
        if word.startswith("-"):
            continue
        return word
    return ""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``argv``, only the command it names is fully registered."""
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
    add_debug_option(parser, default=False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = None if argv is None else _chosen(argv)
    for name, summary in COMMANDS.items():
        if chosen is None or chosen == name:
            command_module(name).register(subparsers)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


def add_debug_option(parser: argparse.ArgumentParser, default: Any = argparse.SUPPRESS) -> None:
    """``--debug``, accepted before or after a subcommand."""
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="show full tracebacks for errors (also in notebook kernels: $MOBILITY_NB_DEBUG=1)",
    )


def _say(message: str) -> None:
    from mobility_nb.params import redact_secrets

    print(f"mobility-nb: {redact_secrets(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mobility-nb`` console script; returns the exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words)
    args = parser.parse_args(words)
    debug = bool(getattr(args, "debug", False))
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    before = os.environ.get(DEBUG_ENV)
    if debug:
        os.environ[DEBUG_ENV] = "1"  # kernels started by this command inherit it
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
    finally:
        if debug and before is None:
            os.environ.pop(DEBUG_ENV, None)  # main() may be called again in one process
