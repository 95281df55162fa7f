"""Benchmark: ``mobility-nb data diff`` on real-size files.

Run from the repository root (the real data must be present)::

    .venv/bin/python bench/bench_release_diff.py [--keep]

It builds a second "release" in a temporary folder (never in the repository) from the
shared real data: a copy of every Mobility Metrics file the loaders read, where the county
file gets a 2024 year (the 2023 rows again), ``share_debt_coll`` renamed to its older alias
``share_debt_col``, ``share_hs_degree`` dropped, and 1% more ``pctl_income_50`` in 2022 for
the first 500 counties; the city file loses its 2014 rows; a subgroup file gets a few
revised values. It then times :func:`mobility_nb.data.release_diff.diff` of the shared
folder against that copy: the whole comparison, and with one place (Travis County, TX).
Timings go to stdout and ``bench/results/release_diff.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mobility_nb.config import find_file  # noqa: E402 (after the sys.path line)
from mobility_nb.data.metrics import MAIN_FILES, SUBGROUP_FILES  # noqa: E402 (after the sys.path line)
from mobility_nb.data.release_diff import diff  # noqa: E402 (after the sys.path line)

SHARED = Path(
    os.environ.get("MOBILITY_NB_DATA") or REPO.parent / "shared" / "data" / "mobility-metrics"
)
if not SHARED.is_dir():  # a worktree sits one level deeper than the main checkout
    SHARED = Path("/work/shared/data/mobility-metrics")


def _write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, na_rep="NA")


def build_new_release(target: Path) -> dict[str, str]:
    """Copy the real files into ``target`` and change them as the docstring says."""
    names = list(MAIN_FILES.values()) + [s.name for specs in SUBGROUP_FILES.values() for s in specs]
    copied = {}
    for name in names:
        source = find_file(SHARED, name)
        if source is not None:
            shutil.copy2(source, target / name)
            copied[name] = str(source)
    county = target / MAIN_FILES["county"]
    df = pd.read_csv(county, dtype=str, keep_default_na=False)
    df = df.rename(columns={c: c.replace("share_debt_coll", "share_debt_col") for c in df.columns})
    df = df.drop(columns=[c for c in df.columns if c.startswith("share_hs_degree")])
    in_2022 = df["year"] == "2022"
    rows_2022 = df.index[in_2022][:500].union(
        df.index[in_2022 & (df["county"] == "453") & (df["state"] == "48")]
    )
    income = pd.to_numeric(df.loc[rows_2022, "pctl_income_50"], errors="coerce") * 1.01
    df.loc[rows_2022, "pctl_income_50"] = income.round(0).map(
        lambda v: "NA" if pd.isna(v) else str(int(v))
    )
    extra = df[df["year"] == "2023"].copy()
    extra["year"] = "2024"
    _write(pd.concat([df, extra], ignore_index=True), county)
    city = target / MAIN_FILES["place"]
    cf = pd.read_csv(city, dtype=str, keep_default_na=False)
    _write(cf[cf["year"] != "2014"], city)
    gender = target / "66_mobility-metrics_place_gender_longitudinal.csv"
    if gender.exists():
        gf = pd.read_csv(gender, dtype=str, keep_default_na=False)
        col = next(c for c in gf.columns if c == "share_employed")
        gf.loc[gf.index[:40], col] = "0.5"
        _write(gf, gender)
    return copied


def _timed(label: str, fn, repeats: int = 3) -> tuple[float, float, object]:
    """Best wall and CPU seconds of ``repeats`` runs (CPU counts every thread of the process,
    so it stays meaningful when other work shares the machine)."""
    best, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    print(f"{label}: best of {repeats}: {best:.2f} s wall, {best_cpu:.2f} s CPU")
    return best, best_cpu, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args()
    if not (SHARED / "assembled").is_dir():
        print(f"real data not found at {SHARED}", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="mnb-release-diff-"))
    try:
        copied = build_new_release(tmp)
        size = sum(p.stat().st_size for p in tmp.glob("*.csv"))
        print(f"second release: {len(copied)} files, {size / 1e6:.1f} MB in {tmp}")
        whole, whole_cpu, result = _timed("diff, all files", lambda: diff(SHARED, tmp))
        place, place_cpu, with_place = _timed(
            "diff, all files + Travis County, TX", lambda: diff(SHARED, tmp, "Travis County, TX")
        )
        summary = result.summary()  # type: ignore[union-attr]
        county = next(f for f in result.files if f.name == MAIN_FILES["county"])  # type: ignore[union-attr]
        print(with_place.text()[-1500:])  # type: ignore[union-attr]
        out = {
            "when": time.strftime("%Y-%m-%d %H:%M"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "python": platform.python_version(),
            "files": len(copied),
            "bytes_new_release": size,
            "load_average_1min": round(os.getloadavg()[0], 1),
            "seconds_diff": round(whole, 3),
            "cpu_seconds_diff": round(whole_cpu, 3),
            "seconds_diff_with_place": round(place, 3),
            "cpu_seconds_diff_with_place": round(place_cpu, 3),
            "metrics_with_changes": len(summary),
            "county_renamed": county.renamed,
            "county_years_added": county.years_added,
            "travis_changes": len(with_place.place_changes),  # type: ignore[union-attr]
        }
        (REPO / "bench" / "results").mkdir(exist_ok=True)
        (REPO / "bench" / "results" / "release_diff.json").write_text(json.dumps(out, indent=2))
        print(json.dumps(out, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
