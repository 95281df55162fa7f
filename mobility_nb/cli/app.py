"""The ``mobility-nb`` command: the parser, one subcommand per module, and error handling.

Errors a user can cause print one paragraph and exit with status 2; there is no
traceback unless ``--debug`` is given. Each command module (``run``, ``batch``, ``demo``,
``census``, ``data``) has a ``register(subparsers)`` function that adds its parser and
sets ``func=handler`` with ``handler(args) -> int | None``; heavy imports stay inside the
handlers so ``mobility-nb --help`` is quick.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from mobility_nb import __version__
from mobility_nb.cli import batch, census, data, demo, init, run
from mobility_nb.errors import MobilityNBError

COMMANDS = (run, batch, demo, census, data, init)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every subcommand."""
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
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def _say(message: str) -> None:
    from mobility_nb.params import redact_secrets

    print(f"mobility-nb: {redact_secrets(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mobility-nb`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    func = getattr(args, "func", None)
    if func is None:
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
