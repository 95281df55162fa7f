"""Census of drafted insights: the old rules (commit f93fec4) against the current ones.

For every county and city in the real data, computes the Step 2 page's drafted insight
sentences (strengths, concerns, gaps) with the code of commit ``f93fec4`` (extracted with
``git archive`` into a temporary folder and run in its own process) and with the working
tree, then counts what changed: sentences dropped and added, pages that now disclose
shared survey-area estimates, crime/arrest and neighbor-diversity claims that disappeared,
"better than 100%/0%" and gaps between identical groups. Run from the repository root::

    .venv/bin/python bench/claims_census.py            # ~10 min on 2 cores

Writes ``bench/results/claims-census.md`` and ``claims-census.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD_COMMIT = "f93fec4"
CRIME_WORDS = ("Violent crimes", "Property crimes", "Juvenile arrests")
EXPOSURE_WORDS = ("Neighbor diversity",)


def worker(out: Path, data_dir: str) -> None:
    """Every page's drafted sentences with whichever mobility_nb is on sys.path."""
    from mobility_nb.data.jurisdictions import jurisdiction_table
    from mobility_nb.steps.step2 import Step2Page

    pages = {}
    start = time.process_time()
    for level in ("county", "place"):
        for geoid in sorted(jurisdiction_table(level, data_dir)["geoid"]):
            page = Step2Page(geoid, data_dir=data_dir, level=level)
            ins = page.insights
            pages[geoid] = {
                "level": level,
                "strengths": list(ins.strengths),
                "concerns": list(ins.concerns),
                "gaps": list(ins.gaps),
                "limits": list(getattr(ins, "limits", ())),
                "shared": int(page.standing.get("shared_names", "").astype(bool).sum())
                if "shared_names" in page.standing
                else 0,
            }
    seconds = time.process_time() - start
    out.write_text(json.dumps({"pages": pages, "core_seconds": seconds}))


def run(version: str, path: Path, data_dir: str) -> subprocess.Popen:
    env = dict(os.environ, MOBILITY_NB_DATA=data_dir)
    if version == "old":
        tree = Path(tempfile.mkdtemp(prefix="mnb-old-"))
        archive = subprocess.run(
            ["git", "archive", OLD_COMMIT, "mobility_nb"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
        env["PYTHONPATH"] = str(tree)
    else:
        env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, __file__, "--worker", str(path), "--data-dir", data_dir],
        env=env,
        cwd=tempfile.gettempdir(),  # so the old tree, not ROOT, is imported
    )


def claims(page: dict) -> list[str]:
    return page["strengths"] + page["concerns"] + page["gaps"]


def mentions(sentences: list[str], words: tuple[str, ...]) -> int:
    return sum(any(w in s for w in words) for s in sentences)


def claim_keys(page: dict) -> set[tuple[str, str]]:
    """What each sentence claims, wording aside: (kind, metric label [+ groups])."""
    keys = set()
    for kind in ("strengths", "concerns"):
        for s in page[kind]:
            hit = re.match(r"^\w+: (.+?) was ", s)
            keys.add((kind, hit[1] if hit else s))
    for s in page["gaps"]:
        hit = re.search(
            r"^Gap(?: by [^:]+)?: (.+?) \(\d{4}.*? was \S+ for (.+?) and \S+ for "
            r"(.+?)(?: \(overall|;|\.$)",
            s,
        )
        keys.add(("gaps", f"{hit[1]}: {hit[2]} / {hit[3]}" if hit else s))
    return keys


def identical_groups(sentence: str) -> bool:
    hit = re.search(r" was (\S+) for (.+?) and (\S+) for (.+?)(?: \(overall|;|\.$)", sentence)
    return bool(hit) and (hit[1] == hit[3] or hit[2] == hit[4])


def summarise(old: dict, new: dict) -> dict:
    out: dict = {"pages": {}, "old_core_s_per_page": 0.0, "new_core_s_per_page": 0.0}
    for level in ("county", "place"):
        codes = [g for g, p in new["pages"].items() if p["level"] == level]
        o = [claims(old["pages"][g]) for g in codes]
        n = [claims(new["pages"][g]) for g in codes]
        old_strength_concern = [
            old["pages"][g]["strengths"] + old["pages"][g]["concerns"] for g in codes
        ]
        new_strength_concern = [
            new["pages"][g]["strengths"] + new["pages"][g]["concerns"] for g in codes
        ]
        out["pages"][level] = {
            "pages": len(codes),
            "old_sentences": sum(map(len, o)),
            "new_sentences": sum(map(len, n)),
            "old_sentences_gone": sum(len(set(a) - set(b)) for a, b in zip(o, n, strict=True)),
            "new_sentences_added": sum(len(set(b) - set(a)) for a, b in zip(o, n, strict=True)),
            "pages_changed": sum(a != b for a, b in zip(o, n, strict=True)),
            "old_claims_withdrawn": sum(
                len(claim_keys(old["pages"][g]) - claim_keys(new["pages"][g])) for g in codes
            ),
            "new_claims_not_made_before": sum(
                len(claim_keys(new["pages"][g]) - claim_keys(old["pages"][g])) for g in codes
            ),
            "pages_with_a_claim_withdrawn": sum(
                bool(claim_keys(old["pages"][g]) - claim_keys(new["pages"][g])) for g in codes
            ),
            "pages_disclosing_shared_estimates": sum(
                any("estimates for a wider area" in x for x in new["pages"][g]["limits"])
                for g in codes
            ),
            "old_crime_claims": sum(mentions(s, CRIME_WORDS) for s in old_strength_concern),
            "new_crime_claims": sum(mentions(s, CRIME_WORDS) for s in new_strength_concern),
            "old_exposure_claims": sum(mentions(s, EXPOSURE_WORDS) for s in old_strength_concern),
            "new_exposure_claims": sum(mentions(s, EXPOSURE_WORDS) for s in new_strength_concern),
            "old_better_than_100_or_0": sum(
                bool(re.search(r"better than (100|0)%", x)) for s in o for x in s
            ),
            "new_better_than_100_or_0": sum(
                bool(re.search(r"better than (100|0)%", x)) for s in n for x in s
            ),
            "old_identical_group_gaps": sum(
                identical_groups(x) for g in codes for x in old["pages"][g]["gaps"]
            ),
            "new_identical_group_gaps": sum(
                identical_groups(x) for g in codes for x in new["pages"][g]["gaps"]
            ),
        }
    total = len(new["pages"])
    out["old_core_s_per_page"] = old["core_seconds"] / total
    out["new_core_s_per_page"] = new["core_seconds"] / total
    return out


def examples(old: dict, new: dict, codes: list[str]) -> str:
    lines = []
    for code in codes:
        lines.append(f"\n### {code}\n\nBefore ({OLD_COMMIT}):\n")
        lines += [f"- {s}" for s in claims(old["pages"][code])] or ["- (none)"]
        lines.append("\nAfter:\n")
        lines += [f"- {s}" for s in claims(new["pages"][code])] or ["- (none)"]
        lines.append("\nWhat these data cannot tell you (after):\n")
        lines += [f"- {s}" for s in new["pages"][code]["limits"]] or ["- (none)"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    from bench_batch import add_folder_arguments

    add_folder_arguments(ap, results=False)
    ap.add_argument("--examples", default="36061,20001,4260000")
    args = ap.parse_args(argv)
    if args.worker:
        worker(Path(args.worker), args.data_dir)
        return 0
    work = Path(tempfile.mkdtemp(prefix="mnb-census-"))
    started = time.time()
    procs = {
        v: (run(v, work / f"{v}.json", args.data_dir), work / f"{v}.json") for v in ("old", "new")
    }
    for version, (proc, _) in procs.items():
        if proc.wait():
            raise SystemExit(f"the {version} run failed (exit {proc.returncode})")
    old, new = (json.loads(path.read_text()) for _, path in procs.values())
    summary = summarise(old, new)
    summary["wall_minutes"] = round((time.time() - started) / 60, 1)
    results = ROOT / "bench" / "results"
    (results / "claims-census.json").write_text(json.dumps(summary, indent=2) + "\n")
    rows = ["| | counties | cities |", "|---|---:|---:|"]
    for key in summary["pages"]["county"]:
        rows.append(
            f"| {key.replace('_', ' ')} | {summary['pages']['county'][key]:,} | "
            f"{summary['pages']['place'][key]:,} |"
        )
    text = (
        "# Claims census: drafted insights before and after issue 9\n\n"
        f"`python bench/claims_census.py`; old = commit {OLD_COMMIT}, new = working tree; "
        "insight sentences = strengths + concerns + gaps (the page's Step 2.3 draft), for "
        f"every county and city of the real data. Wall time {summary['wall_minutes']} min. "
        "Every sentence's wording changed (comparison set and certainty are now stated), so "
        "'claims' compare what is claimed: strength or concern on which metric, gap on which "
        "metric between which groups.\n\n"
        + "\n".join(rows)
        + f"\n\nCore-seconds per page for standing, gaps, trends and insights only (no charts, "
        f"tables or peers; first page includes data loading): old "
        f"{summary['old_core_s_per_page']:.3f}, new {summary['new_core_s_per_page']:.3f}.\n\n"
        "## Examples\n" + examples(old, new, args.examples.split(",")) + "\n"
    )
    (results / "claims-census.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
