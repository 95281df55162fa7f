"""Benchmark: comparison reports on the real data (issue 15, item 3).

Run from the repository root (real data read in place)::

    MOBILITY_NB_DATA=../shared/data/mobility-metrics \\
    MOBILITY_NB_CENSUS_DATA=../shared/data/census .venv/bin/python bench/bench_compare.py

Loads the data once (the county table, its rankings and shared estimates, the county
boundaries), then builds and writes, in one process: Pennsylvania's county report, Texas's
(254 counties, a map per metric), the demo's peer set (Philadelphia city and its five
peers), the national county report alone, and the national report with every state's
report from the same computed table. Each build is timed in wall seconds and in CPU
seconds of this process (the machine is shared; CPU time is what the build costs). Page
and file sizes are listed. With ``--browser``, the national page is opened in headless
Chromium: time to load, to open one state's section and to filter by a place name.
Writes ``bench/results/compare-latest.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from mobility_nb.claims.artifacts import shared_estimates
from mobility_nb.compare import build, selection
from mobility_nb.data.metrics import load_metrics
from mobility_nb.steps.step2.standing import ranked

RESULTS = Path(__file__).parent / "results"
TARGETS = {"tx": 10.0, "nation": 60.0}  # seconds (issue 15)
MAX_PAGE = 10_000_000  # bytes, the national page


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def sizes(written) -> dict:
    first = written[0]
    return {
        "page": first.html.name,
        "places": first.places,
        "html_bytes": first.size,
        "csv_bytes": first.csv.stat().st_size,
        "xlsx_bytes": first.xlsx.stat().st_size,
        "reports": len(written),
        "all_bytes": sum(w.html.stat().st_size for w in written),
    }


def browser_times(page: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from mobility_nb.testing.pagecheck import CHROMIUM_ARGS, find_chromium

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=list(CHROMIUM_ARGS))
        tab = browser.new_context(viewport={"width": 1280, "height": 800}, offline=True).new_page()
        start = time.perf_counter()
        tab.goto(page.as_uri(), wait_until="load")
        out["load_s"] = time.perf_counter() - start
        out["height_px"] = tab.evaluate("document.documentElement.scrollHeight")
        start = time.perf_counter()
        tab.click("#st-TX > summary")
        tab.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
        out["open_texas_s"] = time.perf_counter() - start
        tab.click("#st-TX > summary")
        start = time.perf_counter()
        tab.fill("#mnb-f-place", "loving")
        tab.wait_for_function("document.getElementById('mnb-f-count').textContent !== ''")
        out["filter_s"] = time.perf_counter() - start
        out["matches"] = tab.text_content("#mnb-f-count")
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="output folder (default: a temporary one)")
    parser.add_argument("--browser", action="store_true", help="also time the national page")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-compare-"))

    def load():
        tidy = load_metrics("county")
        ranked(tidy)
        shared_estimates(tidy, "county")
        from mobility_nb.geo import load_atlas

        load_atlas()

    _, load_wall, load_cpu = timed(load)
    rows = []
    runs = [
        ("pa", "Pennsylvania (67 counties, maps)", lambda: selection.state_selection("PA")),
        ("tx", "Texas (254 counties, maps)", lambda: selection.state_selection("TX")),
        ("peers", "Philadelphia city and 5 peers", lambda: selection.peer_selection("4260000")),
        ("nation", "Nation, national page only", lambda: selection.nation_selection()),
    ]
    results: dict = {}
    for key, label, choose in runs:
        written, wall, cpu = timed(lambda choose=choose: build(choose(), out, with_states=False))
        results[key] = {"label": label, "wall_s": wall, "cpu_s": cpu, **sizes(written)}
    written, wall, cpu = timed(lambda: build(selection.nation_selection(), out))
    results["nation_states"] = {
        "label": "Nation, national page + 51 state reports",
        "wall_s": wall,
        "cpu_s": cpu,
        **sizes(written),
    }
    if args.browser:
        results["browser"] = browser_times(out / "compare" / "us-counties.html")
    load_avg = os.getloadavg()[0]
    stamp = time.strftime("%Y-%m-%d %H:%M")
    for key, r in results.items():
        if key == "browser":
            continue
        target = TARGETS.get(key)
        verdict = "" if target is None else ("yes" if r["cpu_s"] < target else "NO")
        rows.append(
            f"| {r['label']} | {r['places']:,} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | "
            f"{'< ' + str(int(target)) + ' s: ' + verdict if target else ''} | "
            f"{r['html_bytes'] / 1e6:.2f} | {r['csv_bytes'] / 1e6:.1f} | "
            f"{r['xlsx_bytes'] / 1e6:.2f} |"
        )
    nation = results["nation"]
    lines = [
        "# Comparison reports benchmark",
        "",
        f"`bench/bench_compare.py{' --browser' if args.browser else ''}`, {stamp}, "
        f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores "
        f"shared with other work (load average {load_avg:.1f} at the end).",
        "",
        f"Data loaded once for every report: county table, rankings, shared estimates and "
        f"county boundaries in {load_wall:.1f} s wall, {load_cpu:.1f} s CPU.",
        "",
        "| report | places | wall s | CPU s | target (CPU) | page MB | CSV MB | XLSX MB |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
        *rows,
        "",
        f"National page {nation['html_bytes'] / 1e6:.2f} MB (limit {MAX_PAGE / 1e6:.0f} MB): "
        f"{'within' if nation['html_bytes'] <= MAX_PAGE else 'OVER'}. The national run with "
        "state reports writes "
        f"{results['nation_states']['reports']} pages "
        f"({results['nation_states']['all_bytes'] / 1e6:.1f} MB in all).",
    ]
    if "browser" in results:
        b = results["browser"]
        lines += [
            "",
            f"National page in headless Chromium (1280×800): loads in {b['load_s']:.1f} s; "
            f"opening Texas's section (254 counties, 6 tables) {b['open_texas_s']:.1f} s; "
            f"filtering by a name ('loving': {b['matches']}) {b['filter_s']:.1f} s; page "
            f"height with every state closed {b['height_px']:,} px.",
        ]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "compare-latest.md").write_text(text, encoding="utf-8")
    (RESULTS / "compare-latest.json").write_text(
        json.dumps({"load_s": load_wall, "load_cpu_s": load_cpu, **results}, indent=2) + "\n"
    )
    print(text)
    print(f"Reports in {out / 'compare'}")


if __name__ == "__main__":
    main()
