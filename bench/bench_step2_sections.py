"""Benchmark: CPU per Step 2 page section, in-process (no kernel, no export).

The quick loop for work on Step 2's own cost: it runs every ``show_*`` call of the
notebook for a stratified sample of jurisdictions in this process, after two warm-up
pages, and reports core-seconds per page per section. ``--profile`` adds a cProfile
listing of the package functions. Run from the repository root (real data needed)::

    .venv/bin/python bench/bench_step2_sections.py              # 60 pages, ~30 s
    .venv/bin/python bench/bench_step2_sections.py --profile    # + where the time goes

A batch page costs this plus the kernel's message handling, the HTML export and the
state reset (see ``bench_batch.py``, "Where a warm page's time goes").
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = (
    "show_header",
    "show_insights",
    "show_standing_chart",
    "show_standing_tables",
    "show_peers",
    "show_trends",
    "show_gaps",
    "show_missing",
    "show_methods",
    "finish",
)


def main(argv: list[str] | None = None) -> int:
    from bench_batch import add_folder_arguments, sample_jurisdictions

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--profile", action="store_true", help="also print a cProfile listing")
    add_folder_arguments(ap, results=False)
    args = ap.parse_args(argv)

    import mobility_nb.render.tables
    import mobility_nb.steps.step2.page
    from mobility_nb.steps.step2 import Step2Page

    # Built HTML is discarded: this measures producing it, not a notebook displaying it.
    for module in (mobility_nb.steps.step2.page, mobility_nb.render.tables):
        module.show_html = lambda fragment: None

    geoids = sample_jurisdictions(args.pages, args.data_dir)
    artifacts = tempfile.mkdtemp(prefix="mnb-sections-")
    seconds = dict.fromkeys(SECTIONS, 0.0)

    def render(geoid: str, timed: bool) -> None:
        page = Step2Page(
            geoid, data_dir=args.data_dir, artifacts_dir=artifacts, params={"jurisdiction": geoid}
        )
        for name in SECTIONS:
            start = time.process_time()
            getattr(page, name)()
            if timed:
                seconds[name] += time.process_time() - start

    for geoid in geoids[:2]:  # data load, rankings, fonts: paid once per kernel in a batch
        render(geoid, timed=False)
    start = time.process_time()
    for geoid in geoids:
        render(geoid, timed=True)
    total = (time.process_time() - start) / len(geoids)
    print(f"Step 2 sections, {len(geoids)} pages in-process: {total:.3f} core-s per page")
    for name, s in seconds.items():
        print(f"  {name:22s} {s / len(geoids):.4f}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for geoid in geoids:
            render(geoid, timed=False)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats("mobility_nb", 30)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
