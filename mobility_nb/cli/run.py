"""``mobility-nb run STEP``: one page for one jurisdiction, in a fresh kernel.

The jurisdiction is resolved and the parameters checked before any kernel starts, so a
typo fails in a second; the page is then made by the same pipeline a batch uses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mobility_nb.cli.options import add_allow_empty_option, add_data_dir_option, empty_page_warnings
from mobility_nb.errors import ParamsError
from mobility_nb.steps import STEPS


def register(subparsers: Any) -> None:
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
    run.add_argument(
        "--pdf",
        action="store_true",
        help="also print the page to a tagged PDF beside it (needs Chromium and Playwright)",
    )
    add_data_dir_option(run)
    add_allow_empty_option(run)
    run.set_defaults(func=cmd_run)


def _human_bytes(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def cmd_run(args: argparse.Namespace) -> int:
    """Resolve, plan, run, publish, report where the page went."""
    from mobility_nb.data.jurisdictions import resolve
    from mobility_nb.params import check_names, load_params_file
    from mobility_nb.run.one_page import run_single_job
    from mobility_nb.run.planning import make_job
    from mobility_nb.steps import locate_notebook

    notebook = locate_notebook(args.step)
    file_params = load_params_file(args.params) if args.params else {}
    check_names(file_params, notebook)  # a bad key fails before any data loads
    text = args.jurisdiction or file_params.get("jurisdiction")
    if not text:
        raise ParamsError(
            "No jurisdiction given. Pass --jurisdiction with a county FIPS (17031), a city "
            "GEOID (4260000) or a name ('Cook County, IL'), or set jurisdiction in --params."
        )
    data_dir = getattr(args, "data_dir", None) or file_params.get("data_dir") or None
    place = resolve(str(text), level=args.level, data_dir=data_dir)
    job = make_job(args.step, file_params, place, data_dir=data_dir, stem=args.stem)
    empty = empty_page_warnings([job])
    out = Path(args.out) if args.out else Path("outputs") / args.step
    print(f"Building the {args.step} page for {place.describe()} ...", flush=True)
    result = run_single_job(job, out, kernel_name=args.kernel, timeout=args.timeout)
    print(f"Page:       {result.html} ({_human_bytes(result.page_bytes)}, {result.seconds:.1f} s)")
    print(f"Numbers:    {result.csv}")
    print(f"Provenance: {result.provenance}")
    if getattr(args, "pdf", False):
        from mobility_nb.render.pdf import publish_pdfs

        for pdf in publish_pdfs([(result.html, args.step)]):
            print(f"PDF:        {pdf}")
    from mobility_nb.run.batch.index_page import refresh_index_near

    index = refresh_index_near(result.html, args.step)
    if index is not None:
        print(f"Index:      {index} (updated)")
    if empty and not getattr(args, "allow_empty", False):
        print(
            "The page was written but has no ACS data (see the warning above); fill the "
            "store, or pass --allow-empty to accept such pages.",
            file=sys.stderr,
        )
        return 1
    return 0
