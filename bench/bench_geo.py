"""Benchmark: county atlas decode, adjacency, and SVG state maps (issue 9 item 7, issue 15).

Run from the repository root (the real atlas must be present; it is read in place)::

    MOBILITY_NB_CENSUS_DATA=../shared/data/census .venv/bin/python bench/bench_geo.py

Measures CPU time of this process: the one-time decode of ``counties-10m.json`` (JSON parse +
arc decoding; median of ``--repeat`` fresh decodes), building the whole county adjacency,
and ``state_map`` for Texas, Pennsylvania, Virginia and Alaska after the decode (median of
``--repeat`` renders, with Weak, no-data, focus and labels), with the SVG size of each.
Writes ``bench/results/geo-latest.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from mobility_nb.geo import atlas_path, county_adjacency, load_topology, state_map, state_paths
from mobility_nb.geo.adjacency import _adjacency
from mobility_nb.geo.svgmap import _geometry
from mobility_nb.geo.topojson import clear_cache

STATES = {
    "TX": ("48", "48453"),
    "PA": ("42", "42101"),
    "VA": ("51", "51003"),
    "AK": ("02", "02020"),
}


def timed(fn, repeat: int) -> tuple[float, object]:
    """Median CPU seconds of this process per call (steadier than wall time on a busy box)."""
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    path = atlas_path(download=False)

    def decode():
        clear_cache()
        return load_topology(path)

    decode_s, topo = timed(decode, args.repeat)

    def adjacency():
        _adjacency.cache_clear()
        return county_adjacency(topo)

    adjacency_s, _ = timed(adjacency, args.repeat)
    rng = np.random.default_rng(1)
    rows = []
    state_map({}, state="PA", title="warm-up: colour tables, imports", topology=topo)
    for abbr, (fips, focus) in STATES.items():
        ids = [g for g in topo.features("counties") if g.startswith(fips)]
        values = {g: (None if rng.random() < 0.05 else float(rng.uniform(40, 90))) for g in ids}
        weak = {g for g in ids if rng.random() < 0.1}

        def render(values=values, weak=weak, abbr=abbr, focus=focus):
            return state_map(
                values, state=abbr, title="Share of adults employed, 2023", weak=weak,
                value_format=lambda v: f"{v:.1f}%", higher_is_better=True, focus=focus,
                labels=[focus], topology=topo,
            )  # fmt: skip

        cold, m = timed(lambda render=render: (_geometry.cache_clear(), render())[1], args.repeat)
        seconds, m = timed(render, args.repeat)  # the state's drawing is reused
        lean = state_map(values, state=abbr, title="t", weak=weak, paths_id="s", topology=topo)
        shapes = state_paths(abbr, paths_id="s", topology=topo)
        sizes = (len(m.svg.encode()), len(lean.svg.encode()), len(shapes.encode()))
        rows.append((abbr, len(ids), cold, seconds, *sizes))

    lines = [
        "# County geometry benchmark",
        "",
        f"`bench/bench_geo.py --repeat {args.repeat}`, {time.strftime('%Y-%m-%d')}, "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
        f"atlas {path} ({path.stat().st_size:,} bytes). Medians of process CPU time; "
        f"load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
        "",
        f"- decode counties-10m.json (JSON + arcs, once per process): {decode_s * 1000:.0f} ms",
        f"- whole county adjacency (3,231 counties, once per process): {adjacency_s * 1000:.0f} ms",
        "",
        "state_map CPU ms: first map of a state (projects and writes every county path) and",
        "later maps of the same state (the drawing is cached per process). SVG bytes: a",
        "self-contained map; a map referencing shapes shared on the page (`paths_id`); the",
        "shared shapes (`state_paths`, once per page).",
        "",
        "| state | counties | first map ms | next maps ms | SVG bytes | with shared shapes "
        "| shapes once |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {a} | {n} | {c * 1000:.1f} | {w * 1000:.1f} | {b:,} | {lb:,} | {sb:,} |"
            for a, n, c, w, b, lb, sb in rows
        ],
        "",
    ]
    text = "\n".join(lines)
    out = Path(__file__).parent / "results" / "geo-latest.md"
    out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
