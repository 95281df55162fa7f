"""``mobility-nb batch``: many pages in one command, resumable, with an index page.

Examples::

    mobility-nb batch --list params/peers.yaml --steps step2
    mobility-nb batch --state PA --level county --out site/
    mobility-nb batch --all --workers 2            # every county and city
    mobility-nb batch --all --dask                 # same, on a local Dask cluster
    mobility-nb batch --all --scheduler tcp://10.0.0.5:8786

Exit status: 0 when every page is written or up to date, 1 when some pages failed (the
others are still written; see manifest.json) or, without --allow-empty, when some Step 5
pages have no ACS data in the local store (warned about before the run), 2 for unusable
input.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from mobility_nb.cli.app import COMMANDS
from mobility_nb.cli.options import add_allow_empty_option, add_data_dir_option, empty_page_warnings
from mobility_nb.config import CENSUS_DATA_ENV as CENSUS_ENV
from mobility_nb.errors import CompareError, ParamsError


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``batch`` subcommand to the ``mobility-nb`` parser."""
    from mobility_nb.run.batch.backends import BACKENDS
    from mobility_nb.run.warm_engine import DEFAULT_CELL_TIMEOUT

    p = subparsers.add_parser(
        "batch",
        help=COMMANDS["batch"],
        description="Build step pages for a list of jurisdictions or every county/city of a "
        "state or the nation, with warm kernels in parallel. Pages already built "
        "from the same notebook, parameters, data and package version are "
        "skipped, so an interrupted batch resumes where it stopped. Writes "
        "OUT/<step>/<page>.html (+ .csv, .provenance.json), OUT/manifest.json "
        "and OUT/index.html.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = p.add_argument_group("what to build (a list, or selectors)")
    what.add_argument(
        "--list",
        metavar="FILE",
        help="YAML or CSV list: jurisdiction, optional peers, optional per-row parameters",
    )
    what.add_argument("--state", metavar="ST", help="only this state (PA, Pennsylvania or 42)")
    what.add_argument(
        "--level", choices=["county", "place"], help="only counties or only cities (places)"
    )
    what.add_argument(
        "--all", action="store_true", help="every county and city with data (both levels)"
    )
    what.add_argument(
        "--steps",
        default="step2",
        metavar="STEPS",
        help="comma-separated steps (default: step2), e.g. step2,step5",
    )
    how = p.add_argument_group("how to run")
    how.add_argument(
        "--out", default="outputs", metavar="DIR", help="output folder (default: outputs)"
    )
    how.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="parallel workers, each with one warm kernel (default: cores)",
    )
    how.add_argument(
        "--force", action="store_true", help="rebuild every page, even those already up to date"
    )
    how.add_argument(
        "--backend",
        choices=list(BACKENDS),
        default="auto",
        help="workers as threads or processes (auto: threads up to 2 workers, "
        "processes beyond), or Dask",
    )
    how.add_argument(
        "--dask",
        action="store_true",
        help="run on a local Dask cluster (one worker process per --workers)",
    )
    how.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run on an existing Dask cluster (shared file system needed)",
    )
    how.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_CELL_TIMEOUT,
        metavar="SECONDS",
        help=f"time limit per notebook cell (default: {DEFAULT_CELL_TIMEOUT})",
    )
    how.add_argument(
        "--kernel", default="python3", metavar="NAME", help="Jupyter kernel (default: python3)"
    )
    how.add_argument("--no-index", action="store_true", help="do not rewrite index.html")
    how.add_argument(
        "--compare",
        action="store_true",
        help="also build comparison reports of the selected places (see mobility-nb compare)",
    )
    how.add_argument(
        "--pdf",
        action="store_true",
        help="also print every page to a tagged PDF beside it (needs Chromium and Playwright)",
    )
    how.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_data_dir_option(p)
    add_allow_empty_option(p)
    p.set_defaults(func=cmd_batch)
    return p


def batch_args(**values: Any) -> argparse.Namespace:
    """The ``batch`` command's arguments with their defaults, overridden by ``values``.

    For commands built on a batch (``demo``), so the defaults live in one place.
    """
    parser = register(argparse.ArgumentParser().add_subparsers())
    args = parser.parse_args([])
    unknown = set(values) - set(vars(args)) - {"data_dir"}
    if unknown:
        raise TypeError(f"batch has no option {sorted(unknown)[0]!r}")
    vars(args).update(values)
    return args


def _rows(args: argparse.Namespace, data_dir: str) -> list[Any]:
    from mobility_nb.run.batch.selection import read_list, select_rows

    selectors = args.state or args.level or args.all
    if args.list and selectors:
        raise ParamsError(
            "Give either --list or selectors (--state/--level/--all), not both. To run a "
            "list plus a state, run two batches into the same --out folder."
        )
    if args.list:
        return read_list(args.list)
    if args.all and (args.state or args.level):
        raise ParamsError("--all means every county and city; drop --state/--level, or --all.")
    if not selectors:
        raise ParamsError(
            "Nothing selected. Use --list FILE, or selectors such as --state PA --level "
            "county, --level place, or --all."
        )
    return select_rows(state=args.state, level=args.level, data_dir=data_dir)


def data_roots(steps: list[str], data_dir: str) -> dict[str, list[str]]:
    """Folders whose files a step's pages may read (their checksums go in fingerprints)."""
    census = os.environ.get(CENSUS_ENV, "").strip()
    roots = {}
    for step in steps:
        roots[step] = [data_dir] + ([census] if census and step != "step2" else [])
    return roots


def cmd_batch(args: argparse.Namespace) -> int:
    """Plan, run, summarise; returns the exit status."""
    from mobility_nb.config import resolve_data_dir
    from mobility_nb.run.batch.orchestrate import make_fingerprinter, run_batch
    from mobility_nb.run.batch.selection import parse_steps, plan_jobs
    from mobility_nb.run.warm_engine import WorkerSettings

    steps = parse_steps(args.steps)
    if args.workers is not None and args.workers < 1:
        raise ParamsError(f"--workers must be 1 or more, not {args.workers}.")
    data_dir = str(resolve_data_dir(getattr(args, "data_dir", None)))
    rows = _rows(args, data_dir)
    plan = plan_jobs(rows, steps, data_dir, make_fingerprinter(data_roots(steps, data_dir)))
    _drop_planning_data()
    empty = empty_page_warnings(plan.jobs)
    out = Path(args.out)
    backend = "dask" if (args.dask or args.scheduler) else args.backend
    print(
        f"{len(plan.jobs)} page(s) planned ({', '.join(steps)}) into {out}"
        + (f"; {len(plan.failures)} row(s) could not be resolved" if plan.failures else "")
        + ".",
        flush=True,
    )
    report = run_batch(
        plan.jobs,
        out,
        workers=args.workers,
        force=args.force,
        backend=backend,
        scheduler=args.scheduler,
        prior_failures=plan.failures,
        settings=WorkerSettings(
            out_dir=str(out), kernel_name=args.kernel, cell_timeout=args.timeout
        ),
        progress=False if args.no_progress else None,
        write_index=not args.no_index,
        info={"data_dir": data_dir, "selection": _describe(args)},
    )
    print(report.manifest.summary(), flush=True)
    if getattr(args, "pdf", False):
        from mobility_nb.render.pdf import publish_pdfs

        pages = [
            (out / o.page, o.step)
            for o in report.manifest.outcomes
            if o.status in ("ok", "skipped") and o.page and (out / o.page).is_file()
        ]
        written = publish_pdfs(pages, only_stale=True)
        print(f"PDF: {len(written)} page(s) printed beside their HTML.", flush=True)
    if args.compare:
        _compare(args, out, data_dir)
    if report.index:
        print(f"Index: {report.index}")
    if empty and not getattr(args, "allow_empty", False):
        print(
            f"{len(empty)} page(s) have no ACS data (warned above); fill the store, or pass "
            "--allow-empty to accept such pages.",
            file=sys.stderr,
        )
        return max(report.exit_code, 1)
    return report.exit_code


def _compare(args: argparse.Namespace, out: Path, data_dir: str) -> None:
    """The comparison reports of the batch's selection, linked from the index."""
    from mobility_nb.cli.compare import run_compare
    from mobility_nb.compare import selection as sel

    if args.list:
        chosen = sel.list_selections(args.list, data_dir, args.level)
    else:
        levels = [args.level] if args.level else ["county", "place"]
        chosen = []
        for level in levels:
            try:
                chosen.append(
                    sel.state_selection(args.state, level, data_dir)
                    if args.state
                    else sel.nation_selection(level, data_dir)
                )
            except CompareError:
                continue  # e.g. a state without large cities
    written = run_compare(chosen, out, data_dir, write_index=not args.no_index)
    for w in written[:3]:
        print(f"Comparison: {w.html} ({w.places:,} places)")
    if len(written) > 3:
        print(f"... and {len(written) - 3} more comparison reports in {written[0].html.parent}")


def _drop_planning_data() -> None:
    """The orchestrator needed the data only to list jurisdictions; give the memory back."""
    import gc

    from mobility_nb.data.metrics import clear_cache
    from mobility_nb.run.kernel_state import release_memory

    clear_cache()
    gc.collect()
    release_memory()


def _describe(args: argparse.Namespace) -> dict[str, Any]:
    """The selection, for the manifest (file names and selectors, no parameter values)."""
    return {
        k: v
        for k, v in {
            "list": args.list,
            "state": args.state,
            "level": args.level,
            "all": args.all or None,
            "steps": args.steps,
            "compare": args.compare or None,
        }.items()
        if v
    }
