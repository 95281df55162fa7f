"""``mobility-nb demo``: the demo batch, built from the data in the configured directory.

One batch (``params/demo.yaml``: Step 2 for seven places, Step 5 and Step 8 for two each)
into one output folder with its manifest and index page. Step 5 needs American Community
Survey data; offline, the demo fills its own ACS store from the extracts in
``$MOBILITY_NB_CENSUS_DATA`` through the same fetch code path the Census API uses, and the
pages say so.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir

from mobility_nb.cli import batch
from mobility_nb.cli.app import COMMANDS
from mobility_nb.cli.options import add_data_dir_option
from mobility_nb.config import ACS_STORE_ENV, examples_dir
from mobility_nb.config import CENSUS_DATA_ENV as CENSUS_ENV

DEMO_LIST = examples_dir() / "demo.yaml"
STEPS = ("step2", "step5", "step8")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "demo",
        help=COMMANDS["demo"],
        description="Build the demo pages listed in params/demo.yaml into OUT, resumably "
        "(pages already up to date are skipped), then OUT/index.html.",
    )
    p.add_argument("--out", default="outputs", metavar="DIR", help="output folder")
    p.add_argument(
        "--workers", type=int, default=None, metavar="N", help="parallel workers (default: cores)"
    )
    p.add_argument("--force", action="store_true", help="rebuild every page")
    add_data_dir_option(p)
    p.set_defaults(func=cmd_demo)


def _demo_store(census_dir: str) -> Path | None:
    """Fill the demo's own ACS store from local extracts; None when there are none."""
    from mobility_nb.testing.census_replay import populate_store_from_extracts

    if not census_dir or not Path(census_dir).is_dir():
        return None
    store = Path(user_cache_dir("mobility-nb")) / "demo-acs-store"
    populate_store_from_extracts(census_dir, store)
    return store


def cmd_demo(args: argparse.Namespace) -> int:
    steps = list(STEPS)
    store = _demo_store(os.environ.get(CENSUS_ENV, ""))
    if store is None:
        print(
            f"Step 5 demo skipped: set ${CENSUS_ENV} to a folder with ACS extracts "
            "(e.g. ../shared/data/census), or fetch real data with `mobility-nb census "
            "fetch` and run Step 5 pages with `mobility-nb run step5`."
        )
        steps.remove("step5")
    else:
        os.environ[ACS_STORE_ENV] = str(store)  # kernels inherit it
        print(f"ACS store for the Step 5 demo (offline replay of local extracts): {store}")
    options = {"list": str(DEMO_LIST), "steps": ",".join(steps), "out": args.out}
    options.update(workers=args.workers, force=args.force)
    if getattr(args, "data_dir", None):
        options["data_dir"] = args.data_dir
    return batch.cmd_batch(batch.batch_args(**options))
