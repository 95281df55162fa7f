"""``mobility-nb plan template``: a measurement-plan workbook to fill in for Step 8.

Analysts plan in Excel: the workbook is laid out like the guide's measurement-plan
worksheet, with drop-down lists, the unit beside each target cell, instructions, and
(for a named place) its current values for reference. ``mobility-nb run step8 --plan
FILE`` then reads it back and lists every problem by sheet and cell.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

from mobility_nb.cli.app import COMMANDS, add_debug_option
from mobility_nb.cli.options import add_data_dir_option
from mobility_nb.errors import ParamsError

DEFAULT_OUT = "plan.xlsx"


def register(subparsers: Any) -> None:
    plan = subparsers.add_parser(
        "plan",
        help=COMMANDS["plan"],
        description="Measurement plans for Step 8. 'template' writes an Excel workbook to "
        "fill in; build the page from it with 'mobility-nb run step8 --plan FILE'.",
    )
    actions = plan.add_subparsers(dest="plan_command", metavar="ACTION")
    t = actions.add_parser(
        "template",
        help="write an Excel measurement-plan workbook to fill in",
        description="Write an Excel workbook laid out like the guide's measurement-plan "
        "worksheet: one row per indicator (strategic action, indicator, source, baseline "
        "year, target and rule, frequency, owner, disaggregation, notes), drop-down lists, "
        "the unit beside each target, an Instructions sheet and, with --jurisdiction, the "
        "place's latest value of every metric on a Reference sheet.",
    )
    t.add_argument(
        "-j",
        "--jurisdiction",
        metavar="X",
        help="the county or city the plan is for: FIPS, GEOID or a name ('Travis County, TX')",
    )
    t.add_argument("--level", choices=["county", "place"], help="only counties or only cities")
    t.add_argument(
        "--out",
        metavar="FILE",
        default=DEFAULT_OUT,
        help=f"the workbook to write (default: {DEFAULT_OUT})",
    )
    t.add_argument(
        "--force", action="store_true", help="replace FILE if it exists (it may hold your plan)"
    )
    add_data_dir_option(t)
    add_debug_option(t)
    t.set_defaults(func=cmd_template)
    plan.set_defaults(func=lambda _args: (plan.print_help(), 2)[1])


def cmd_template(args: argparse.Namespace) -> int:
    """Resolve the place (fast, before the data load), then write the workbook."""
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise ParamsError(
            f"--out {args.out!r}: the template is an Excel workbook, so its name must end "
            "in .xlsx (e.g. --out travis_plan.xlsx)."
        )
    if out.exists() and not args.force:
        raise ParamsError(
            f"{out} already exists and may hold your plan, so it was left alone. Pass "
            "--out with another file name, or --force to replace it."
        )
    data_dir = getattr(args, "data_dir", None)
    place = None
    if args.jurisdiction:
        from mobility_nb.data.jurisdictions import resolve

        place = resolve(args.jurisdiction, level=args.level, data_dir=data_dir)
    from mobility_nb.plan.workbook import write_template

    path = write_template(out, place, data_dir=data_dir)
    where = f" for {place.describe()}" if place is not None else ""
    print(f"Wrote {path}: a measurement-plan workbook{where}.")
    if place is not None:
        print("Its Reference sheet lists the place's latest value of every metric.")
    else:
        print("Write the county or city on its Settings sheet (or pass --jurisdiction to run).")
    print(
        "Fill in the Plan sheet (one row per indicator; the Instructions sheet explains "
        "each column), save it, then build the page:\n"
        f"  mobility-nb run step8 --plan {shlex.quote(str(path))}"
    )
    return 0
