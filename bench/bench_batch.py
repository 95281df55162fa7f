"""Benchmark: cold papermill + nbconvert per page vs ``mobility-nb batch`` warm kernels.

Run from the repository root (the real data must be present)::

    .venv/bin/python bench/bench_batch.py                       # ~5 min on 2 cores
    .venv/bin/python bench/bench_batch.py --pages 120 --cold 5  # steadier numbers
    .venv/bin/python bench/bench_batch.py --national            # + all 3,641 pages (~25 min)

In one run on the same machine it measures, for the Step 2 notebook:

* cold: the plain ``papermill`` CLI then ``jupyter nbconvert --to html --no-input`` per
  page (a new kernel every page), on ``--cold`` jurisdictions;
* batch: ``mobility-nb batch --force`` on a stratified sample of ``--pages``
  jurisdictions (counties and cities in national proportion) for each backend, plus a
  quarter-size batch so start-up can be separated from the per-page (marginal) cost;
* a profile of one warm kernel: seconds per page in parameter injection, kernel-side
  execution, HTML export + writing, and state reset, per-cell times, and the package
  functions that dominate kernel time.

CPU is measured as core-seconds of the whole process tree (getrusage of waited-for
children: orchestrator, worker processes, kernels), so numbers stay meaningful on a busy
machine; wall times are reported too. Peak memory is the largest sum of RSS over the
process tree, polled every 0.2 s (an upper bound: shared pages count once per process).
Results go to ``bench/results/latest.json`` and ``latest.md`` (and a dated copy).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
NATIONAL_PAGES = 3629
TARGET_CORE_S = 0.66


def add_folder_arguments(ap: argparse.ArgumentParser, results: bool = True) -> None:
    """``--data-dir`` (``$MOBILITY_NB_DATA``, else ``../shared``) and ``--results``, for
    every benchmark."""
    ap.add_argument(
        "--data-dir",
        default=os.environ.get(
            "MOBILITY_NB_DATA", str(ROOT.parent / "shared" / "data" / "mobility-metrics")
        ),
    )
    if results:
        ap.add_argument("--results", default=str(ROOT / "bench" / "results"))


# --- measuring a command ------------------------------------------------------------------


class TreeMemory:
    """Polls the summed RSS of a process and all its descendants; keeps the peak.

    Also remembers each process's last seen CPU time, a cross-check on getrusage that
    does not depend on every descendant being waited for.
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0
        self.cpu: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(self.pid)
            while not self._stop.is_set():
                total = 0
                with contextlib.suppress(psutil.Error):
                    procs = [root, *root.children(recursive=True)]
                    for p in procs:
                        with contextlib.suppress(psutil.Error):
                            total += p.memory_info().rss
                            t = p.cpu_times()
                            self.cpu[(p.pid, p.create_time())] = t.user + t.system
                self.peak = max(self.peak, total)
                self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(cmd: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """Wall seconds, core-seconds of the process tree and its peak memory for ``cmd``."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    with TreeMemory(proc.pid) as mem:
        out, err = proc.communicate()
    return {
        "wall": time.perf_counter() - t0,
        "cpu": _children_cpu() - cpu0,
        "cpu_polled": sum(mem.cpu.values()),
        "peak_mb": mem.peak / 2**20,
        "returncode": proc.returncode,
        "stdout": out[-2000:],
        "stderr": err[-2000:],
    }


# --- the sample --------------------------------------------------------------------------


def sample_jurisdictions(n: int, data_dir: str) -> list[str]:
    """``n`` GEOIDs spread evenly over all counties and cities (national proportions)."""
    from mobility_nb.data.jurisdictions import all_jurisdictions

    everyone = all_jurisdictions(data_dir=data_dir)
    if n >= len(everyone):
        return [j.geoid for j in everyone]
    step = len(everyone) / n
    return [everyone[int(i * step)].geoid for i in range(n)]


def write_list(path: Path, geoids: list[str]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["jurisdiction"])
        w.writerows([g] for g in geoids)
    return path


# --- the three measurements ---------------------------------------------------------------


def bin_path(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def cold_runs(
    geoids: list[str], notebook: Path, data_dir: str, env: dict[str, str], work: Path
) -> dict[str, Any]:
    """papermill CLI + jupyter nbconvert, one new kernel per page."""
    runs = []
    for g in geoids:
        art = work / f"art-{g}"
        art.mkdir()
        executed = work / f"{g}.ipynb"
        pm = measure(
            [
                bin_path("papermill"),
                str(notebook),
                str(executed),
                "-k",
                "python3",
                "-r",
                "jurisdiction",
                g,
                "-r",
                "data_dir",
                data_dir,
                "-r",
                "artifacts_dir",
                str(art),
                "--no-progress-bar",
            ],
            env,
            work,
        )
        nbc = measure(
            [
                bin_path("jupyter"),
                "nbconvert",
                "--to",
                "html",
                "--no-input",
                "--log-level",
                "WARN",
                str(executed),
            ],
            env,
            work,
        )
        if pm["returncode"] or nbc["returncode"]:
            raise SystemExit(f"cold run failed for {g}:\n{pm['stderr']}\n{nbc['stderr']}")
        runs.append(
            {
                "geoid": g,
                "papermill_wall": pm["wall"],
                "nbconvert_wall": nbc["wall"],
                "wall": pm["wall"] + nbc["wall"],
                "cpu": pm["cpu"] + nbc["cpu"],
                "peak_mb": max(pm["peak_mb"], nbc["peak_mb"]),
            }
        )
    n = len(runs)
    return {
        "pages": n,
        "runs": runs,
        "wall_per_page": sum(r["wall"] for r in runs) / n,
        "papermill_wall_per_page": sum(r["papermill_wall"] for r in runs) / n,
        "nbconvert_wall_per_page": sum(r["nbconvert_wall"] for r in runs) / n,
        "core_s_per_page": sum(r["cpu"] for r in runs) / n,
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


def batch_run(
    geoids: list[str],
    backend: str,
    workers: int,
    env: dict[str, str],
    work: Path,
    extra: list[str] = (),
) -> dict[str, Any]:
    out = work / f"site-{backend}-{len(geoids)}"
    jobs = write_list(work / f"list-{len(geoids)}.csv", geoids)
    cmd = [
        bin_path("mobility-nb"),
        "batch",
        "--list",
        str(jobs),
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--force",
        "--no-progress",
        "--backend",
        backend,
        *extra,
    ]
    m = measure(cmd, env, work)
    manifest = json.loads((out / "manifest.json").read_text())
    if m["returncode"] not in (0, 1):
        raise SystemExit(f"batch failed ({backend}):\n{m['stderr']}")
    ok = manifest["counts"]["ok"]
    sizes = [p.stat().st_size for p in (out / "step2").glob("*.html")]
    return {
        "backend": backend,
        "workers": workers,
        "pages": len(geoids),
        "ok": ok,
        "failed": manifest["counts"]["failed"],
        "wall": m["wall"],
        "cpu": m["cpu"],
        "cpu_polled": m["cpu_polled"],
        "peak_mb": m["peak_mb"],
        "wall_per_page": m["wall"] / len(geoids),
        "core_s_per_page": m["cpu"] / len(geoids),
        "mean_page_kb": (sum(sizes) / len(sizes) / 1024) if sizes else 0,
        "failures": [
            f"{p['jurisdiction']}: {p.get('ename')}: {p.get('evalue', '')[:120]}"
            for p in manifest["pages"]
            if p["status"] == "failed"
        ][:5],
    }


def profile_warm_kernel(geoids: list[str], data_dir: str, out: Path) -> dict[str, Any]:
    """Phase times and the hottest package functions in one warm kernel."""
    import pstats

    import nbclient

    from mobility_nb.run.batch.orchestrate import make_fingerprinter
    from mobility_nb.run.batch.selection import Row, plan_jobs
    from mobility_nb.run.warm_engine import WarmKernelEngine, WorkerSettings

    plan = plan_jobs(
        [Row(g, i + 1) for i, g in enumerate(geoids)],
        ["step2"],
        data_dir,
        make_fingerprinter({"step2": []}),
    )
    ex = WarmKernelEngine(WorkerSettings(out_dir=str(out)))
    cells: dict[int, list[float]] = {}
    orig = nbclient.NotebookClient.async_execute_cell

    async def timed(self, cell, index, **kw):
        t = time.perf_counter()
        try:
            return await orig(self, cell, index, **kw)
        finally:
            if cell.cell_type == "code":
                cells.setdefault(index, []).append(time.perf_counter() - t)

    try:
        t0 = time.perf_counter()
        ex.run(plan.jobs[0])  # kernel start, imports, data load
        first = time.perf_counter() - t0
        ex.timings = dict.fromkeys(ex.timings, 0.0)
        nbclient.NotebookClient.async_execute_cell = timed
        kproc = psutil.Process(ex.kernel.pid)
        k0, me0 = kproc.cpu_times(), psutil.Process().cpu_times()
        stats_file = out / "kernel.pstats"
        ex.kernel.run(
            ex.kernel._silent("import cProfile, builtins; builtins._mnb_prof = cProfile.Profile()")
        )
        half = len(plan.jobs[1:]) // 2
        t1 = time.perf_counter()
        for i, job in enumerate(plan.jobs[1:]):
            if i == half:  # profile the second half only: the first half gives clean times
                kern_cpu = sum(kproc.cpu_times()[:2]) - sum(k0[:2])
                orch_cpu = sum(psutil.Process().cpu_times()[:2]) - sum(me0[:2])
                wall = time.perf_counter() - t1
                phases = {k: v / half for k, v in ex.timings.items()}
                ex.kernel.run(ex.kernel._silent("__import__('builtins')._mnb_prof.enable()"))
            ex.run(job)
        ex.kernel.run(
            ex.kernel._silent(
                f"__import__('builtins')._mnb_prof.disable(); "
                f"__import__('builtins')._mnb_prof.dump_stats({str(stats_file)!r})"
            )
        )
        rss_mb = kproc.memory_info().rss / 2**20
    finally:
        nbclient.NotebookClient.async_execute_cell = orig
        ex.shutdown()
    stats = pstats.Stats(str(stats_file))
    n_prof = len(plan.jobs[1:]) - half
    hot = []
    for (path, line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        if "mobility_nb" in path and "/batch/" not in path:
            rel = path.split("mobility_nb/", 1)[1]
            hot.append((ct / n_prof, f"mobility_nb/{rel}:{line} {func}"))
    hot.sort(reverse=True)
    return {
        "first_page_seconds": first,
        "pages": half,
        "wall_per_page": wall / half,
        "kernel_cpu_per_page": kern_cpu / half,
        "orchestrator_cpu_per_page": orch_cpu / half,
        "phases_per_page": phases,
        "cell_seconds": {
            str(k): sum(v[:half]) / max(len(v[:half]), 1) for k, v in sorted(cells.items())
        },
        "kernel_rss_mb": rss_mb,
        "hot_package_functions": [
            {"seconds_per_page_profiled": round(s, 4), "function": f} for s, f in hot[:20]
        ],
    }


# --- report -------------------------------------------------------------------------------


def markdown(res: dict[str, Any]) -> str:
    cold, prof = res["cold"], res.get("profile")
    lines = [
        f"# Batch benchmark ({res['date']})",
        "",
        f"Machine: {res['machine']}. Command: `{res['command']}`.",
        "",
        "| run | pages | wall s/page | core-s/page | pages per core-s | peak MB |",
        "|---|---:|---:|---:|---:|---:|",
        f"| cold papermill + nbconvert | {cold['pages']} | {cold['wall_per_page']:.2f} | "
        f"{cold['core_s_per_page']:.2f} | {1 / cold['core_s_per_page']:.2f} | "
        f"{cold['peak_mb']:.0f} |",
    ]
    for b in res["batches"]:
        lines.append(
            f"| batch {b['backend']} ×{b['workers']} | {b['pages']} | {b['wall_per_page']:.2f} "
            f"| {b['core_s_per_page']:.2f} | {1 / b['core_s_per_page']:.2f} | "
            f"{b['peak_mb']:.0f} |"
        )
    lines += ["", "Per backend (marginal = cost of one more page once workers are warm):", ""]
    for name, s in res["summary"].items():
        lines.append(
            f"- **{name}**: marginal {s['marginal_core_s_per_page']:.2f} core-s/page "
            f"(target ≤ {TARGET_CORE_S}); start-up {s['startup_core_s']:.1f} core-s; "
            f"{s['speedup_core_s']:.1f}× less CPU and {s['speedup_wall']:.1f}× less wall per "
            f"page than cold papermill (target ≥ 5×); projected national run "
            f"({NATIONAL_PAGES} pages) on 2 cores ≈ {s['national_minutes_2_cores']:.0f} min "
            f"(target ≤ 20); peak memory {s['peak_mb']:.0f} MB (target ≤ 2048)."
        )
    lines.append(
        f"\nCold split: papermill {cold['papermill_wall_per_page']:.2f} s + nbconvert "
        f"{cold['nbconvert_wall_per_page']:.2f} s wall per page."
    )
    if prof:
        ph = prof["phases_per_page"]
        lines += [
            "",
            "## Where a warm page's time goes (one worker, no contention from others)",
            "",
            f"Wall {prof['wall_per_page']:.3f} s/page; kernel CPU "
            f"{prof['kernel_cpu_per_page']:.3f} s; worker CPU (nbclient + export + write) "
            f"{prof['orchestrator_cpu_per_page']:.3f} s. First page (kernel start, imports, "
            f"data load) {prof['first_page_seconds']:.1f} s; kernel RSS "
            f"{prof['kernel_rss_mb']:.0f} MB.",
            "",
            f"- parameter injection: {ph.get('inject', math.nan):.4f} s",
            f"- kernel-side execution (incl. ZMQ round trips): {ph.get('execute', math.nan):.3f} s",
            f"- HTML export + atomic writes: {ph.get('publish', math.nan):.3f} s",
            f"- state reset: {ph.get('reset', math.nan):.4f} s",
            "",
            "Seconds per code cell: "
            + ", ".join(f"cell {k}: {v:.3f}" for k, v in prof["cell_seconds"].items()),
            "",
            "Hottest package functions (cumulative s/page, under cProfile):",
            "",
        ]
        lines += [
            f"- {h['seconds_per_page_profiled']:.3f} {h['function']}"
            for h in prof["hot_package_functions"][:12]
        ]
    if res.get("national"):
        n = res["national"]
        lines += [
            "",
            "## National run",
            "",
            f"{n['ok']} pages ok, {n['failed']} failed of {n['pages']} in "
            f"{n['wall'] / 60:.1f} min wall, {n['core_s_per_page']:.2f} core-s/page, "
            f"peak {n['peak_mb']:.0f} MB ({n['backend']} ×{n['workers']}).",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=60, help="batch sample size (default 60)")
    ap.add_argument("--cold", type=int, default=3, help="cold papermill pages (default 3)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--backends", default="processes,threads")
    ap.add_argument("--profile-pages", type=int, default=16)
    ap.add_argument(
        "--national", action="store_true", help="also run every county and city (--all) once"
    )
    add_folder_arguments(ap)
    args = ap.parse_args(argv)

    from mobility_nb.steps import locate_notebook

    env = dict(os.environ, MOBILITY_NB_DATA=args.data_dir)
    notebook = locate_notebook("step2")
    geoids = sample_jurisdictions(args.pages, args.data_dir)
    small = geoids[: max(4, args.pages // 4)]
    res: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "command": "python bench/bench_batch.py " + " ".join(argv or sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GB, load average "
        f"{os.getloadavg()[0]:.1f} at start",
        "notebook": str(notebook.relative_to(ROOT)),
        "sample": geoids,
    }
    with tempfile.TemporaryDirectory(prefix="mnb-bench-") as tmp:
        work = Path(tmp)
        print(f"cold papermill + nbconvert on {args.cold} page(s) ...", flush=True)
        res["cold"] = cold_runs(geoids[: args.cold], notebook, args.data_dir, env, work)
        res["batches"], res["summary"] = [], {}
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            print(f"batch {backend}: {len(small)} then {len(geoids)} pages ...", flush=True)
            lo = batch_run(small, backend, args.workers, env, work)
            hi = batch_run(geoids, backend, args.workers, env, work)
            res["batches"] += [lo, hi]
            marginal = (hi["cpu"] - lo["cpu"]) / (hi["pages"] - lo["pages"])
            marginal_wall = (hi["wall"] - lo["wall"]) / (hi["pages"] - lo["pages"])
            startup = max(hi["cpu"] - marginal * hi["pages"], 0.0)
            res["summary"][backend] = {
                "marginal_core_s_per_page": marginal,
                "marginal_wall_s_per_page": marginal_wall,
                "startup_core_s": startup,
                "speedup_core_s": res["cold"]["core_s_per_page"] / marginal,
                "speedup_wall": res["cold"]["wall_per_page"] / max(marginal_wall, 1e-9),
                "national_minutes_2_cores": (startup + marginal * NATIONAL_PAGES) / 2 / 60,
                "peak_mb": max(lo["peak_mb"], hi["peak_mb"]),
            }
        if args.profile_pages:
            print(f"profiling one warm kernel over {args.profile_pages} pages ...", flush=True)
            res["profile"] = profile_warm_kernel(
                geoids[: args.profile_pages + 1], args.data_dir, work / "profile"
            )
        if args.national:
            print(f"national batch ({NATIONAL_PAGES} pages) ...", flush=True)
            out = work / "national"
            cmd = [
                bin_path("mobility-nb"),
                "batch",
                "--all",
                "--out",
                str(out),
                "--workers",
                str(args.workers),
                "--no-progress",
            ]
            m = measure(cmd, env, work)
            man = json.loads((out / "manifest.json").read_text())
            res["national"] = {
                "pages": len(man["pages"]),
                "ok": man["counts"]["ok"],
                "failed": man["counts"]["failed"],
                "wall": m["wall"],
                "core_s_per_page": m["cpu"] / max(len(man["pages"]), 1),
                "peak_mb": m["peak_mb"],
                "backend": man["backend"],
                "workers": man["workers"],
            }
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    # the figures first: a report that cannot be drawn must not lose a 20-minute run
    (results / "latest.json").write_text(json.dumps(res, indent=1, default=str) + "\n")
    text = markdown(res)
    (results / "latest.md").write_text(text)
    stamp = time.strftime("%Y%m%d-%H%M")
    shutil.copy(results / "latest.md", results / f"bench-{stamp}.md")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
