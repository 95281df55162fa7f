"""``mobility-nb demo``: the demo batch, built from the data in the configured directory.

One batch (``params/demo.yaml``: Step 2 for eight places, Step 5 and Step 8 for three
each) into one output folder with its manifest and index page. Step 5 needs American
Community Survey data; offline, the demo fills its own ACS store from
``$MOBILITY_NB_CENSUS_DATA`` in three steps, in this order:

1. the offline replay of the Philadelphia, Cook and New York extracts, through the same
   fetch code path the Census API uses (the pages say so);
2. ``census import`` of the national county files (``params/census/national.yaml``:
   state and national context);
3. ``census import`` of Albemarle County's files (``params/census/albemarle.yaml``), last,
   so the county's own files win where both hold a cell.

Each step is skipped while the store already holds it (its plan and source files are
unchanged since it ran); once one step runs again, the steps after it run too, so the
order above always holds. The national import is the slow one (~20 s): it happens once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections.abc import Callable
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
IMPORT_PLANS = ("national.yaml", "albemarle.yaml")  # in this order: the county's files last
STATE_FILE = "demo-store.json"  # in the store folder: what each filling step ran on


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


def _stamp(paths: list[Path], *extra: str) -> str:
    """Identifies the inputs of one filling step: file names, sizes and change times."""
    h = hashlib.sha256("\n".join(extra).encode())
    for path in sorted(paths):
        st = path.stat()
        h.update(f"{path}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _replay_step(census_dir: Path, store: Path) -> tuple[str, Callable[[], None]]:
    from mobility_nb.testing import census_replay as replay

    files = [census_dir / f for info in replay.SOURCES.values() for f in info["files"]]
    stamp = _stamp([f for f in files if f.is_file()], "replay")

    def run() -> None:
        replay.populate_store_from_extracts(census_dir, store)

    return stamp, run


def _import_step(census_dir: Path, store: Path, name: str) -> tuple[str, Callable[[], None]]:
    from mobility_nb.acs import importers
    from mobility_nb.acs.importers.plan import load_plan

    plan_file = examples_dir() / "census" / name
    plan = load_plan(plan_file, census_dir)
    files = [plan_file, *(f for e in plan.entries for f in e.files)]
    stamp = _stamp([f for f in files if f.is_file()], "import", name)

    def run() -> None:
        import_batch = importers.ImportBatch()
        importers.read_plan(plan, import_batch, census_dir)
        importers.commit(
            import_batch, store, command=f"mobility-nb census import --plan params/census/{name}"
        )

    return stamp, run


def fill_demo_store(census_dir: Path, store: Path) -> list[str]:
    """Replay, then the import plans, each skipped while the store holds it; one line each."""
    store.mkdir(parents=True, exist_ok=True)
    record_file = store / STATE_FILE
    try:
        done = json.loads(record_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        done = {}
    done = done if isinstance(done, dict) else {}
    steps = [("offline replay", *_replay_step(census_dir, store))]
    steps += [(f"import {name}", *_import_step(census_dir, store, name)) for name in IMPORT_PLANS]
    lines, again = [], False
    for label, stamp, run in steps:
        if not again and done.get(label) == stamp:
            lines.append(f"  {label}: already in the store")
            continue
        again = True  # a step that ran again may overwrite cells the later steps set
        started = time.perf_counter()
        done.pop(label, None)
        record_file.write_text(json.dumps(done, indent=1), encoding="utf-8")
        run()
        done[label] = stamp
        record_file.write_text(json.dumps(done, indent=1), encoding="utf-8")
        lines.append(f"  {label}: {time.perf_counter() - started:.1f} s")
    return lines


def _demo_store(census_dir: str) -> Path | None:
    """Fill the demo's own ACS store from the census data folder; None when there is none."""
    if not census_dir or not Path(census_dir).is_dir():
        return None
    store = Path(user_cache_dir("mobility-nb")) / "demo-acs-store"
    lines = fill_demo_store(Path(census_dir), store)
    print(f"ACS store for the Step 5 demo: {store}")
    print("\n".join(lines), flush=True)
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
    options = {"list": str(DEMO_LIST), "steps": ",".join(steps), "out": args.out}
    options.update(workers=args.workers, force=args.force)
    if getattr(args, "data_dir", None):
        options["data_dir"] = args.data_dir
    return batch.cmd_batch(batch.batch_args(**options))
