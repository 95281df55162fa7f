"""``mobility-nb census``: fill and inspect the local ACS store.

``mobility-nb census fetch --state 42 --year 2022`` pulls every indicator table for all
counties, places and tracts of Pennsylvania (key from $CENSUS_API_KEY) into the store the
Step 5 notebooks read; ``--replay`` fills it offline from the bundled ACS extracts;
``mobility-nb census status`` lists what the store holds.
"""

from __future__ import annotations

import argparse
from typing import Any

from mobility_nb.acs import fetch, indicators, store
from mobility_nb.acs.client import LEVELS, CensusClient, build_session
from mobility_nb.data import states
from mobility_nb.errors import ParamsError
from mobility_nb.testing import census_replay as replay


def _default_year() -> int:
    from census.core import ACS5Client

    return int(ACS5Client.default_year)


def _states(text: str) -> list[str]:
    out = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        fips = states.state_fips(part)
        if fips is None:
            raise ParamsError(
                f"--state {part!r} is not a US state: use a 2-digit FIPS code "
                "(42), a postal code (PA) or a name (Pennsylvania)."
            )
        out.append(fips)
    return out


def _levels(text: str) -> list[str]:
    levels = [p.strip() for p in text.split(",") if p.strip()]
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad or not levels:
        raise ParamsError(
            f"--level {text!r}: use one or more of {', '.join(LEVELS)}, separated by commas."
        )
    return levels


def cmd_fetch(args: argparse.Namespace) -> int:
    store_dir = store.resolve_store_dir(args.store)
    if args.replay:
        reports = replay.populate_store_from_extracts(
            args.census_data or None,
            store_dir,
            progress=not args.no_progress,
            only_states=_states(args.state) if args.state else None,
        )
        for r in reports:
            print("\n".join(r.lines()))
        print(f"Store: {store_dir} (offline replay; pages will say so).")
        return 0
    if not args.state:
        raise ParamsError(
            "Give --state (e.g. --state 42 or --state PA), or --replay for the offline extracts."
        )
    chosen_states, levels = _states(args.state), _levels(args.level)  # fail before any I/O
    tables = [t.strip().upper() for t in args.tables.split(",")] if args.tables else None
    variables = indicators.needed_variables(tables)
    if not variables:
        known = sorted({t for i in indicators.REGISTRY for t in i.tables})
        raise ParamsError(
            f"--tables {args.tables!r} matches no indicator table. Known tables: "
            f"{', '.join(known)}."
        )
    session = build_session(args.cache) if args.cache else None
    client = CensusClient(session=session)
    status = 0
    for state in chosen_states:
        report = fetch.fetch_state(
            state,
            args.year,
            variables,
            levels=levels,
            client=client,
            store_dir=store_dir,
            progress=not args.no_progress,
            raise_on_error=False,
        )
        print("\n".join(report.lines()))
        if not report.ok:
            status = 2
    if status:
        print("Some levels failed (see above); the store keeps its earlier data for them.")
    return status


def cmd_status(args: argparse.Namespace) -> int:
    directory = store.resolve_store_dir(args.store)
    inv = store.inventory(directory)
    if inv.empty:
        print(
            f"The ACS store at {directory} is empty. Fill it with "
            "'mobility-nb census fetch --state XX' (needs CENSUS_API_KEY) or "
            "'mobility-nb census fetch --replay' (offline extracts)."
        )
        return 0
    print(f"ACS store: {directory}")
    for r in inv.itertuples():
        print(
            f"  {r.vintage:22} {r.level:6} state {r.state}  {r.geographies:>6} geographies  "
            f"{r.variables:>4} variables  fetched {r.fetched_at}  [{r.source}]"
        )
    return 0


def register(subparsers: Any) -> None:
    """Add ``mobility-nb census fetch`` and ``mobility-nb census status``."""
    census = subparsers.add_parser(
        "census",
        help="fill or inspect the local ACS store used by the Step 5 pages",
        description="The Step 5 notebooks read ACS tables from a local store and never call "
        "the Census API. Fill it once per state and vintage with 'fetch'.",
    )
    sub = census.add_subparsers(dest="census_command", metavar="ACTION")
    f = sub.add_parser(
        "fetch",
        help="download ACS tables for whole states into the store",
        description="Fetch the Step 5 ACS tables (with margins of error) for every county, "
        "place and tract of one or more states. The Census API key is read from "
        "$CENSUS_API_KEY only. Answers are cached, so re-running is cheap.",
    )
    f.add_argument(
        "--state",
        default="",
        help="state(s): FIPS, postal code or name; comma-separated (e.g. 42 or PA,IL)",
    )
    f.add_argument(
        "--year",
        type=int,
        default=_default_year(),
        help="ACS 5-year end year (default: %(default)s)",
    )
    f.add_argument(
        "--level",
        default=",".join(LEVELS),
        help="geography levels, comma-separated (default: %(default)s)",
    )
    f.add_argument(
        "--tables",
        default="",
        help="only these tables, e.g. B19013,B17001 "
        "(race iterations B-I come with their base table); default: all indicators",
    )
    f.add_argument(
        "--store",
        default="",
        metavar="DIR",
        help=f"store folder (default: ${store.ENV_STORE} or the user cache)",
    )
    f.add_argument(
        "--cache",
        default="",
        metavar="FILE",
        help="HTTP cache file (default: $MOBILITY_NB_CENSUS_CACHE or the user cache)",
    )
    f.add_argument(
        "--replay",
        action="store_true",
        help="fill the store offline from the ACS extracts instead of the API",
    )
    f.add_argument(
        "--census-data",
        default="",
        metavar="DIR",
        help="folder with the ACS extracts for --replay (default: "
        "$MOBILITY_NB_CENSUS_DATA or ../shared/data/census)",
    )
    f.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    f.set_defaults(func=cmd_fetch)
    s = sub.add_parser("status", help="list what the store holds")
    s.add_argument("--store", default="", metavar="DIR")
    s.set_defaults(func=cmd_status)
    census.set_defaults(func=lambda _args: (census.print_help(), 2)[1])
