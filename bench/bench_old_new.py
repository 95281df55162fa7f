"""Cost per Step 2 page of this checkout against an older commit, measured in one run.

The dev VM's speed drifts by up to ±30% within an hour, so a before/after figure is only
worth something when both sides run back to back on the same sample. This script runs the
same ``mobility-nb batch`` (warm kernels, ``--force``) with each checkout's package first
on ``sys.path`` (``PYTHONPATH``), alternating old and new ``--rounds`` times, and reports
core-seconds per page over the whole process tree (see :func:`bench_batch.measure`), and the
marginal cost of a page once the workers are warm (from a ``--small`` batch run beside it,
which removes the start-up cost both sides pay once per batch).

    git worktree add /tmp/old f93fec4
    .venv/bin/python bench/bench_old_new.py --old /tmp/old --pages 400   # ~10 min on 2 cores

Writes ``bench/results/old-new-latest.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_batch import add_folder_arguments, measure, sample_jurisdictions, write_list

ROOT = Path(__file__).resolve().parents[1]
ENTRY = "import sys; from mobility_nb.cli import main; sys.exit(main())"


def commit_of(checkout: Path) -> str:
    """The short commit of ``checkout`` (worktrees included)."""
    out = subprocess.run(
        ["git", "-C", str(checkout), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()[:72]


def one_batch(
    checkout: Path, jobs: Path, out: Path, workers: int, env: dict[str, str]
) -> dict[str, Any]:
    """One ``batch --force`` of ``jobs`` with ``checkout``'s package; cost of the tree."""
    cmd = [
        sys.executable,
        "-c",
        ENTRY,
        "batch",
        "--list",
        str(jobs),
        "--steps",
        "step2",
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--force",
        "--no-progress",
    ]
    run_env = dict(env, PYTHONPATH=str(checkout))
    m = measure(cmd, run_env, out.parent)
    manifest = json.loads((out / "manifest.json").read_text())
    if m["returncode"] not in (0, 1):
        raise SystemExit(f"batch with {checkout} failed:\n{m['stderr']}")
    return {
        "checkout": str(checkout),
        "ok": manifest["counts"]["ok"],
        "failed": manifest["counts"]["failed"],
        "wall": m["wall"],
        "cpu": m["cpu"],
        "peak_mb": m["peak_mb"],
    }


def markdown(res: dict[str, Any]) -> str:
    lines = [
        "# Step 2 batch: old commit against this checkout, back to back",
        "",
        f"{res['date']}; {res['machine']}; `{res['command']}`",
        f"{res['pages']} pages (stratified national sample), {res['workers']} workers, "
        "`--force`, alternating old/new.",
        "",
        "| side | commit | rounds | core-s/page (each round) | median core-s/page "
        "| marginal core-s/page (median) | wall s/page (median) | peak MB |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for side in ("old", "new"):
        runs = res["runs"][side]
        per = [r["cpu"] / res["pages"] for r in runs]
        wall = [r["wall"] / res["pages"] for r in runs]
        lines.append(
            f"| {side} | `{res['commits'][side]}` | {len(runs)} | "
            + ", ".join(f"{p:.3f}" for p in per)
            + f" | **{statistics.median(per):.3f}** | {res['marginal'][side]:.3f} | "
            f"{statistics.median(wall):.3f} | "
            f"{max(r['peak_mb'] for r in runs):.0f} |"
        )
    lines += [
        "",
        f"New / old (median core-s per page): **{res['ratio']:.3f}**; marginal: "
        f"**{res['marginal_ratio']:.3f}**. Start-up per batch (core-s): old "
        f"{res['startup']['old']:.1f}, new {res['startup']['new']:.1f}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", required=True, help="a checkout (worktree) of the older commit")
    ap.add_argument("--new", default=str(ROOT), help="the checkout to compare (default: this)")
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--small", type=int, default=20, help="pages of the start-up run")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    add_folder_arguments(ap)
    args = ap.parse_args(argv)
    sides = {"old": Path(args.old).resolve(), "new": Path(args.new).resolve()}
    env = dict(os.environ, MOBILITY_NB_DATA=args.data_dir)
    geoids = sample_jurisdictions(args.pages, args.data_dir)
    res: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "command": "python bench/bench_old_new.py " + " ".join(argv or sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at start",
        "pages": len(geoids),
        "workers": args.workers,
        "commits": {side: commit_of(path) for side, path in sides.items()},
        "runs": {"old": [], "new": []},
        "small_runs": {"old": [], "new": []},
    }
    with tempfile.TemporaryDirectory(prefix="mnb-oldnew-") as tmp:
        jobs = write_list(Path(tmp) / "list.csv", geoids)
        small = write_list(Path(tmp) / "small.csv", geoids[: args.small])
        for r in range(args.rounds):
            for side, checkout in sides.items():
                print(f"round {r + 1}: {side} ({args.small}, then {len(geoids)} pages)", flush=True)
                lo = one_batch(checkout, small, Path(tmp) / f"{side}-s{r}", args.workers, env)
                run = one_batch(checkout, jobs, Path(tmp) / f"{side}-{r}", args.workers, env)
                print(f"  {run['cpu'] / len(geoids):.3f} core-s/page, {run['ok']} ok", flush=True)
                res["small_runs"][side].append(lo)
                res["runs"][side].append(run)
    med = {s: statistics.median(r["cpu"] for r in res["runs"][s]) for s in sides}
    lo_med = {s: statistics.median(r["cpu"] for r in res["small_runs"][s]) for s in sides}
    n_lo = min(args.small, len(geoids))
    res["marginal"] = {s: (med[s] - lo_med[s]) / (len(geoids) - n_lo) for s in sides}
    res["startup"] = {s: lo_med[s] - n_lo * res["marginal"][s] for s in sides}
    res["ratio"] = med["new"] / med["old"]
    res["marginal_ratio"] = res["marginal"]["new"] / res["marginal"]["old"]
    results = Path(args.results)
    (results / "old-new-latest.json").write_text(json.dumps(res, indent=2) + "\n")
    (results / "old-new-latest.md").write_text(markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
