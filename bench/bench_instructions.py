"""Instructions per Step 2 page, old commit against this checkout: a figure the VM's drift
cannot move.

Seconds on the shared dev VM drift by up to ±30% within an hour, so a 5% change in a
page's cost hides in the noise of back-to-back timings. Instructions executed do not
drift: this script renders the same pages' sections in-process (as
``bench_step2_sections.py`` does) under Valgrind's cachegrind, once with one pass and once
with ``--repeat`` more, for each checkout; the difference divided by the pages rendered is
the steady-state cost of a page, without start-up. Start-up (imports, data load, national
rankings, the first pass) is reported apart. Runs in parallel (load does not change the
counts) and needs ``valgrind`` (``apt install valgrind``)::

    git worktree add /tmp/old f93fec4
    .venv/bin/python bench/bench_instructions.py --old /tmp/old     # ~10 min on 2 cores

Writes ``bench/results/instructions-latest.md`` and ``.json``. Covers the page's Python
work only: the kernel's messaging and the HTML export are measured by
``bench_old_new.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench_batch import add_folder_arguments, sample_jurisdictions
from bench_old_new import commit_of

ROOT = Path(__file__).resolve().parents[1]

# Rendered inside the checkout's own package (PYTHONPATH): works with the old layout
# (mobility_nb.step2, mobility_nb.tables) and the new one (mobility_nb.steps.step2).
_RENDER = """
import sys, tempfile
geoids, passes, data = sys.argv[1].split(","), int(sys.argv[2]), sys.argv[3]
try:
    import mobility_nb.steps.step2.page as page_module, mobility_nb.render.tables as tables
    from mobility_nb.steps.step2 import Step2Page
except ImportError:
    import mobility_nb.step2.page as page_module, mobility_nb.tables as tables
    from mobility_nb.step2 import Step2Page
for module in (page_module, tables):
    module.show_html = lambda fragment: None
SECTIONS = ("show_header", "show_insights", "show_standing_chart", "show_standing_tables",
            "show_peers", "show_trends", "show_gaps", "show_missing", "show_methods", "finish")
artifacts = tempfile.mkdtemp(prefix="mnb-instr-")
for _ in range(passes):
    for geoid in geoids:
        page = Step2Page(geoid, data_dir=data, artifacts_dir=artifacts,
                         params={"jurisdiction": geoid})
        for name in SECTIONS:
            if hasattr(page, name):
                getattr(page, name)()
"""
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def count(
    side: str, checkout: Path, geoids: list[str], passes: int, data_dir: str, work: Path
) -> int:
    """Instructions cachegrind counts for ``passes`` renders of ``geoids`` with ``checkout``."""
    script = work / "render.py"
    script.write_text(_RENDER)
    out = work / f"cg-{side}-{passes}.out"
    proc = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            f"--cachegrind-out-file={out}",
            sys.executable,
            str(script),
            ",".join(geoids),
            str(passes),
            data_dir,
        ],
        env=dict(os.environ, PYTHONPATH=str(checkout)),
        cwd=work,  # not the repository: its package must not shadow the checkout's
        capture_output=True,
        text=True,
    )
    found = _REFS.search(proc.stderr)
    if proc.returncode != 0 or not found:
        raise SystemExit(f"rendering with {checkout} failed:\n{proc.stderr[-3000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", required=True, help="a checkout (worktree) of the older commit")
    ap.add_argument("--new", default=str(ROOT), help="the checkout to compare (default: this)")
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=1, help="measured passes after the first")
    add_folder_arguments(ap)
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt install valgrind).")
    sides = {"old": Path(args.old).resolve(), "new": Path(args.new).resolve()}
    geoids = sample_jurisdictions(args.pages, args.data_dir)
    started = time.strftime("%Y-%m-%d %H:%M")
    with tempfile.TemporaryDirectory(prefix="mnb-instr-") as tmp:
        runs = {(s, p): (c, 1 + p) for s, c in sides.items() for p in (0, args.repeat)}
        with ThreadPoolExecutor(max_workers=len(runs)) as pool:
            futures = {
                key: pool.submit(count, key[0], c, geoids, passes, args.data_dir, Path(tmp))
                for key, (c, passes) in runs.items()
            }
            refs = {key: f.result() for key, f in futures.items()}
    pages = len(geoids) * args.repeat
    res = {
        "started": started,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "command": "python bench/bench_instructions.py " + " ".join(argv or sys.argv[1:]),
        "geoids": geoids,
        "sides": {
            s: {
                "checkout": str(c),
                "commit": commit_of(c),
                "startup_instructions": refs[(s, 0)],
                "instructions_per_page": (refs[(s, args.repeat)] - refs[(s, 0)]) / pages,
            }
            for s, c in sides.items()
        },
    }
    per_page = {s: v["instructions_per_page"] for s, v in res["sides"].items()}
    ratio = per_page["new"] / per_page["old"]
    res["new_over_old"] = round(ratio, 4)
    _write(Path(args.results), res, pages)
    print(f"new / old instructions per page: {ratio:.3f}")
    return 0


def _write(folder: Path, res: dict, pages: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "instructions-latest.json").write_text(json.dumps(res, indent=1) + "\n")
    lines = [
        "# Step 2 page sections: instructions, old commit against this checkout",
        "",
        f"{res['started']}; {res['machine']}; `{res['command']}`",
        f"{len(res['geoids'])} places ({', '.join(res['geoids'])}), {pages} measured renders "
        "per side after a first pass; in-process sections (no kernel, no export).",
        "",
        "| side | commit | G instructions per page | start-up and first pass (G) |",
        "|---|---|---:|---:|",
    ]
    for side, s in res["sides"].items():
        lines.append(
            f"| {side} | `{s['commit']}` | {s['instructions_per_page'] / 1e9:.3f} "
            f"| {s['startup_instructions'] / 1e9:.1f} |"
        )
    lines += ["", f"New / old (instructions per page): **{res['new_over_old']:.3f}**.", ""]
    (folder / "instructions-latest.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
