"""``mobility-nb census``: fill and inspect the local ACS store.

``mobility-nb census fetch --state 42 --year 2022`` pulls every indicator table for all
counties, places and tracts of Pennsylvania (key from $CENSUS_API_KEY) into the store the
Step 5 notebooks read; ``--replay`` fills it offline from the bundled ACS extracts;
``mobility-nb census import`` brings in ACS tables an analyst already has (tidycensus,
data.census.gov, saved API answers, SVI files, labelled tables through an import plan);
``mobility-nb census status`` lists what the store holds, where each value came from and
whether it is a raw ACS variable or a published value.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

import pandas as pd

from mobility_nb.acs import fetch, importers, indicators, store
from mobility_nb.acs.client import LEVELS, CensusClient, build_session
from mobility_nb.cli.app import COMMANDS
from mobility_nb.data import states
from mobility_nb.errors import ParamsError


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


def _state_list(fips: list[str] | set[str]) -> str:
    return ", ".join(f"{states.name(f)} ({f})" for f in sorted(fips))


def cmd_replay(args: argparse.Namespace, store_dir: Path) -> int:
    """``fetch --replay``: fill the store from the offline extracts, honest about gaps."""
    from mobility_nb.testing import census_replay as replay  # offline demo data only

    wanted = _states(args.state) if args.state else None
    reports = replay.populate_store_from_extracts(
        args.census_data or None, store_dir, progress=not args.no_progress, only_states=wanted
    )
    for r in reports:
        print("\n".join(r.lines()))
        store.record_refill(
            store_dir,
            [lv.path for lv in r.levels if lv.path],
            f"mobility-nb census fetch --replay --state {states.abbr(r.state)}",
        )
    filled = {r.state for r in reports}
    missing = sorted(set(wanted or []) - filled)
    covered = {info["state"] for info in replay.SOURCES.values()}
    if missing or not reports:
        who = _state_list(missing) if missing else "any state"
        first = states.abbr(missing[0]) if missing else "XX"
        print(
            f"The offline extracts hold no ACS data for {who}; the replay covers "
            f"{_state_list(covered)}. Nothing was stored for "
            f"{'it' if len(missing) == 1 else 'them'}. Fill the store with a Census API key "
            f"('mobility-nb census fetch --state {first}') or import ACS files you have "
            "('mobility-nb census import FILE ...', see --help)."
        )
        return 2
    print(f"Store: {store_dir} (offline replay; pages will say so).")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    store_dir = store.ensure_store_dir(store.resolve_store_dir(args.store))
    if args.replay:
        return cmd_replay(args, store_dir)
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
    if args.deadline is not None and args.deadline <= 0:
        raise ParamsError(f"--deadline {args.deadline:g}: give a positive number of seconds.")
    options = {"deadline": args.deadline} if args.deadline is not None else {}
    session = build_session(args.cache, **options) if args.cache or options else None
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
        store.record_refill(
            store_dir,
            [lv.path for lv in report.levels if lv.path],
            store.fetch_command(state, args.year, levels),
        )
    if status:
        print("Some levels failed (see above); the store keeps its earlier data for them.")
    return status


SUMMARY_ABOVE = 60  # slices; above this an unfiltered status groups them by vintage


def _filtered(inv: pd.DataFrame, args: argparse.Namespace) -> pd.DataFrame:
    if args.state:
        inv = inv[inv["state"].isin(_states(args.state))]
    if args.year:
        inv = inv[inv["year"] == args.year]
    if args.level:
        inv = inv[inv["level"].isin(_levels(args.level))]
    return inv


def _slice_line(r: Any) -> str:
    raw = int(r.variables) - int(r.published)
    sources = (
        "; ".join(r.sources)
        if len(r.sources) <= 2
        else f"{r.sources[0]}; and {len(r.sources) - 1} more sources"
    )
    return (
        f"  {r.vintage:22} {r.level:6} state {r.state}  {r.geographies:>6} geographies  "
        f"{r.variables:>4} variables ({raw} raw ACS, {r.published} published)  updated "
        f"{r.fetched_at}  [{sources}]"
    )


def _source_lines(path: str) -> list[str]:
    out = []
    for src in store.slice_sources(path).itertuples():
        out.append(
            f"      {src.source}: {src.raw} raw ACS variables, {src.published} published "
            f"values, {src.geographies} geographies"
        )
    return out


def cmd_status(args: argparse.Namespace) -> int:
    directory = store.ensure_store_dir(store.resolve_store_dir(args.store), create=False)
    inv = store.inventory(directory, include_damaged=True)
    if inv.empty:
        print(
            f"The ACS store at {directory} is empty. Fill it with "
            "'mobility-nb census fetch --state XX' (needs CENSUS_API_KEY), "
            "'mobility-nb census import FILE ...' (ACS tables you have) or "
            "'mobility-nb census fetch --replay' (offline extracts)."
        )
        return 0
    shown = _filtered(inv, args)
    damaged = shown[shown["error"] != ""]
    good = shown[shown["error"] == ""]
    print(f"ACS store: {directory}")
    if shown.empty:
        print("  Nothing matches --state/--year/--level; drop them to see everything.")
        return 0
    filtered = bool(args.state or args.year or args.level)
    if len(good) > SUMMARY_ABOVE and not filtered and not args.sources:
        groups = good.groupby(["year", "vintage", "level"], sort=True)
        for (_, vintage, level), g in groups:
            sources = sorted({s for row in g["sources"] for s in row})
            print(
                f"  {vintage:22} {level:6} {len(g):>3} states  {int(g['geographies'].sum()):>6} "
                f"geographies  up to {int(g['variables'].max())} variables ("
                f"{int(g['published'].max())} published)  [{len(sources)} sources]"
            )
        print(
            f"  ({len(good)} files; add --state, --year or --level for one line per file, "
            "--sources for where each value came from)"
        )
    else:
        for r in good.itertuples():
            print(_slice_line(r))
            if args.sources:
                print("\n".join(_source_lines(r.path)))
    for r in damaged.itertuples():
        print(f"  DAMAGED {r.vintage} {r.level} state {r.state}: {r.error}")
    return 1 if len(damaged) else 0


# --- import ----------------------------------------------------------------------------------


def _variable_names(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, code = pair.partition("=")
        if not sep or not name.strip() or not code.strip():
            raise ParamsError(
                f"--variable-name {pair!r}: write NAME=CODE, e.g. "
                "--variable-name medincome=B19013_001."
            )
        out[name.strip()] = code.strip()
    return out


def _command_line(args: argparse.Namespace) -> str:
    """The import as a command someone can rerun (absolute paths; no secrets involved)."""
    parts = ["mobility-nb", "census", "import"]
    parts += [str(Path(f).resolve()) for f in args.files]
    for flag, value in (
        ("--plan", args.plan and str(Path(args.plan).resolve())),
        ("--census-data", args.census_data),
        ("--format", args.format if args.format != "auto" else ""),
        ("--year", args.year),
        ("--level", args.level),
        ("--geoid-column", args.geoid_column),
        ("--name-column", args.name_column),
        ("--source", args.source),
        ("--summary-variable", args.summary_variable),
    ):
        if value:
            parts += [flag, str(value)]
    for pair in args.variable_name:
        parts += ["--variable-name", pair]
    if args.store:
        parts += ["--store", str(Path(args.store).resolve())]
    return shlex.join(parts)


def cmd_import(args: argparse.Namespace) -> int:
    if not args.files and not args.plan:
        raise ParamsError(
            "Give the files to import (e.g. mobility-nb census import "
            "ACSDT5Y2022.B19013-Data.csv) or an import plan with --plan."
        )
    if args.plan and (args.format != "auto" or args.geoid_column or args.name_column):
        raise ParamsError(
            "--format, --geoid-column and --name-column describe single files; "
            "with --plan, put them into the plan's entries instead."
        )
    directory = store.resolve_store_dir(args.store)
    store.ensure_store_dir(directory, create=not args.dry_run)
    batch = importers.ImportBatch()
    if args.plan:
        importers.read_plan(args.plan, batch, args.census_data or None)
    names = _variable_names(args.variable_name)
    for file in args.files:
        importers.read_file(
            file,
            batch,
            fmt=args.format,
            source=args.source,
            year=args.year,
            level=args.level,
            geoid_column=args.geoid_column,
            name_column=args.name_column,
            variable_names=names,
            summary_variable=args.summary_variable,
        )
    report = importers.commit(batch, directory, command=_command_line(args), dry_run=args.dry_run)
    print("\n".join(report.lines()))
    if not args.dry_run:
        print("See what the store holds with 'mobility-nb census status --sources'.")
    return 0


def register(subparsers: Any) -> None:
    """Add ``mobility-nb census fetch``, ``import`` and ``status``."""
    census = subparsers.add_parser(
        "census",
        help=COMMANDS["census"],
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
    f.add_argument(
        "--deadline",
        type=float,
        default=None,
        metavar="SECONDS",
        help="most time one API request may take, retries and a slow answer "
        "included (default: $MOBILITY_NB_CENSUS_DEADLINE or 300)",
    )
    f.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    f.set_defaults(func=cmd_fetch)

    i = sub.add_parser(
        "import",
        help="import ACS tables you already have into the store",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Import ACS 5-year tables into the same local store 'fetch' fills, "
        "keeping each value's vintage, source and margin of error. Formats:\n"
        "  tidycensus-long  get_acs() output: GEOID, NAME, variable, estimate, moe\n"
        "  tidycensus-wide  get_acs(output='wide'): <code>E / <code>M columns\n"
        "  census-csv       a data.census.gov download (codes row, labels row)\n"
        "  api-json         a saved Census API answer (list of lists)\n"
        "  svi              a CDC/ATSDR Social Vulnerability Index file\n"
        "Tables with readable labels instead of ACS codes (such as a data "
        "centre's\nreshaped files) need an import plan (--plan) saying which label "
        "is which\nvariable; see params/census/albemarle.yaml. Values a file's "
        "author computed\n(sums, percentages) are stored as published values, "
        "apart from raw ACS\nvariables. A bad file stops the import with its line "
        "and column; nothing is\nwritten unless every file is good.",
    )
    i.add_argument("files", nargs="*", metavar="FILE", help="files to import (CSV or JSON)")
    i.add_argument(
        "--plan",
        default="",
        metavar="YAML",
        help="import plan listing files and, for labelled tables, which column and "
        "label is which ACS variable or published value",
    )
    i.add_argument(
        "--format",
        default="auto",
        choices=[f for f in importers.FORMATS if f != "labelled"],
        help="layout of FILE (default: recognised from its first lines)",
    )
    i.add_argument(
        "--year",
        type=int,
        default=None,
        help="ACS 5-year end year of FILE, e.g. 2022 for 2018-2022 (needed when "
        "neither the file nor its name says it)",
    )
    i.add_argument(
        "--level",
        default=None,
        choices=list(LEVELS),
        help="geography level of FILE (default: from the GEOID length)",
    )
    i.add_argument(
        "--geoid-column",
        default=None,
        metavar="NAME",
        help="column holding the GEOID when it is not GEOID/GEO_ID (e.g. stco_code)",
    )
    i.add_argument(
        "--name-column",
        default=None,
        metavar="NAME",
        help="column holding the place name when it is not NAME",
    )
    i.add_argument(
        "--variable-name",
        action="append",
        default=[],
        metavar="NAME=CODE",
        help="tidycensus long files: the ACS code of a named variable, e.g. "
        "medincome=B19013_001 (repeatable)",
    )
    i.add_argument(
        "--summary-variable",
        default=None,
        metavar="CODE",
        help="tidycensus long files: the ACS code of summary_est/summary_moe",
    )
    i.add_argument(
        "--source",
        default="",
        metavar="TEXT",
        help="who made FILE, recorded with each value (default: format and file name)",
    )
    i.add_argument(
        "--census-data",
        default="",
        metavar="DIR",
        help="folder the import plan's paths are relative to (default: "
        "$MOBILITY_NB_CENSUS_DATA or ../shared/data/census)",
    )
    i.add_argument(
        "--store",
        default="",
        metavar="DIR",
        help=f"store folder (default: ${store.ENV_STORE} or the user cache)",
    )
    i.add_argument(
        "--dry-run",
        action="store_true",
        help="read and check everything, report what would be written, write nothing",
    )
    i.set_defaults(func=cmd_import)

    s = sub.add_parser(
        "status",
        help="list what the store holds",
        description="List the store's files: vintage, level, state, how many geographies and "
        "variables, how many of those are published values (computed by a source) "
        "rather than raw ACS variables, and where the values came from. Damaged "
        "files are listed with the command that refills them (exit status 1).",
    )
    s.add_argument(
        "--store",
        default="",
        metavar="DIR",
        help=f"store folder (default: ${store.ENV_STORE} or the user cache)",
    )
    s.add_argument(
        "--state", default="", help="only these states (FIPS, postal code or name; comma-separated)"
    )
    s.add_argument("--year", type=int, default=None, help="only this ACS 5-year end year")
    s.add_argument("--level", default="", help="only these levels (county, place, tract)")
    s.add_argument(
        "--sources",
        action="store_true",
        help="under each file, list every source with its counts of raw ACS "
        "variables and published values",
    )
    s.set_defaults(func=cmd_status)
    census.set_defaults(func=lambda _args: (census.print_help(), 2)[1])
