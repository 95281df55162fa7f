"""``mobility-nb compare``: many places on one offline page, with a CSV and an Excel file.

Examples::

    mobility-nb compare --state PA                  # Pennsylvania's counties, with maps
    mobility-nb compare --state TX --level place    # Texas's large cities
    mobility-nb compare --peers-of 4260000          # Philadelphia and its Step 2 peers
    mobility-nb compare --list params/demo.yaml     # the places of a batch list
    mobility-nb compare --from outputs              # the places with pages in a folder
    mobility-nb compare --all                       # every county, and each state's report

Reports go to OUT/compare/<name>.html (+ .csv, .xlsx, .provenance.json); OUT/index.html
is rewritten to list them. Exit status 0, or 2 for unusable input.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from mobility_nb.cli.app import COMMANDS
from mobility_nb.cli.options import add_data_dir_option
from mobility_nb.errors import ParamsError


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "compare",
        help=COMMANDS["compare"],
        description="Build one self-contained comparison page for a selection of counties or "
        "cities: every metric's value, quality flag and national standing as each place's "
        "Step 2 page shows them, where each place stands by pillar, and (for a state) a map "
        "per metric. Writes OUT/compare/<name>.html, .csv, .xlsx and .provenance.json.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = p.add_argument_group("what to compare (one of)")
    what.add_argument("--state", metavar="ST", help="every county (or city) of a state")
    what.add_argument("--all", action="store_true", help="every county (or city) of the nation")
    what.add_argument("--list", metavar="FILE", help="the jurisdictions of a batch list")
    what.add_argument(
        "--from",
        dest="from_dir",
        metavar="DIR",
        help="the places with Step 2 pages in a batch's output folder (writes into it)",
    )
    what.add_argument("--peers-of", metavar="X", help="one place and its Step 2 peers")
    p.add_argument(
        "--peers",
        metavar="LIST",
        help="with --peers-of: the peers, comma-separated (default: Step 2's automatic peers)",
    )
    p.add_argument(
        "--level", choices=["county", "place"], help="counties (default) or cities (places)"
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: outputs, or --from)")
    p.add_argument("--no-maps", action="store_true", help="leave the state maps out")
    p.add_argument("--no-states", action="store_true", help="with --all: no separate state reports")
    p.add_argument("--no-index", action="store_true", help="do not rewrite OUT/index.html")
    add_data_dir_option(p)
    p.set_defaults(func=cmd_compare)
    return p


def selections(args: argparse.Namespace, data_dir: str | None) -> list[Any]:
    """The selection(s) the options ask for."""
    from mobility_nb.compare import selection as sel

    chosen = [
        name
        for name, value in (
            ("--state", args.state),
            ("--all", args.all),
            ("--list", args.list),
            ("--from", args.from_dir),
            ("--peers-of", args.peers_of),
        )
        if value
    ]
    if len(chosen) != 1:
        raise ParamsError(
            "Say what to compare with exactly one of --state ST, --all, --list FILE, --from "
            f"DIR or --peers-of PLACE{' (got ' + ', '.join(chosen) + ')' if chosen else ''}."
        )
    if args.peers and not args.peers_of:
        raise ParamsError("--peers goes with --peers-of PLACE (the place they are peers of).")
    if args.state:
        return [sel.state_selection(args.state, args.level, data_dir)]
    if args.all:
        return [sel.nation_selection(args.level, data_dir)]
    if args.list:
        return sel.list_selections(args.list, data_dir, args.level)
    if args.from_dir:
        return sel.folder_selections(args.from_dir, data_dir, args.level)
    peers = [x.strip() for x in (args.peers or "").split(",") if x.strip()]
    return [sel.peer_selection(args.peers_of, peers, data_dir, args.level)]


def cmd_compare(args: argparse.Namespace) -> int:
    from mobility_nb.config import resolve_data_dir

    data_dir = str(resolve_data_dir(getattr(args, "data_dir", None)))
    out = Path(args.out or args.from_dir or "outputs")
    started = time.perf_counter()
    written = run_compare(
        selections(args, data_dir),
        out,
        data_dir,
        draw_maps=not args.no_maps,
        with_states=not args.no_states,
        write_index=not args.no_index,
    )
    for w in written[:5]:
        print(f"{w.html} ({w.places:,} places, {w.size / 1e6:.1f} MB), {w.csv.name}, {w.xlsx.name}")
    if len(written) > 5:
        print(f"... and {len(written) - 5} more reports in {written[0].html.parent}")
    print(f"{len(written)} comparison report(s) in {time.perf_counter() - started:.1f} s.")
    return 0


def run_compare(
    chosen: list[Any],
    out: Path,
    data_dir: str | None,
    *,
    draw_maps: bool = True,
    with_states: bool = True,
    write_index: bool = True,
) -> list[Any]:
    """Build every selection's report(s) into ``out``, then refresh the index (batch, demo)."""
    from mobility_nb.compare import build

    written = []
    for selection in chosen:
        written += build(selection, out, data_dir, draw_maps=draw_maps, with_states=with_states)
    if write_index:
        from mobility_nb.run.batch.index_page import write_index as rewrite

        rewrite(out)
    return written
