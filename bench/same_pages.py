"""Prove a refactoring changed no page: build a fixed set of pages, compare with a reference.

    python bench/same_pages.py build DIR      # build the 20 reference pages into DIR
    python bench/same_pages.py compare A B    # exit 1 and list differences if A and B differ

The pages (14 Step 2, 2 Step 5 through the offline ACS replay, 2 Step 8 plans, plus two
Step 2 pages with chosen peers) come from ``bench/same_pages.yaml``. Compared: every
``.html``, ``.csv``, ``.provenance.json`` and plan export below the two folders, after
masking what legitimately differs between runs (package version, run time, absolute
paths, checksums of the code). Needs the real data (``MOBILITY_NB_DATA``,
``MOBILITY_NB_CENSUS_DATA``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIST = HERE / "same_pages.yaml"
COMPARED = (".html", ".csv", ".provenance.json", ".xlsx")
_MASKS = (
    (re.compile(r"mobility-nb \d+\.\d+\.\d+[^ <]*"), "mobility-nb VERSION"),
    (re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?(\+00:00)?( UTC)?"), "TIME"),
    (re.compile(r"(/[\w.+-]+)+/(shared|main|wt)/[\w./+-]*"), "PATH"),
    (re.compile(r"/tmp/[\w./+-]*"), "PATH"),
)
_PROVENANCE_DROP = {"package_version", "run_at"}


def build(out: Path) -> int:
    """Run the reference list through the same command users run."""
    cmd = [
        str(Path(sys.executable).with_name("mobility-nb")),
        "batch",
        "--list",
        str(LIST),
        "--steps",
        "step2,step5,step8",
        "--out",
        str(out),
        "--force",
        "--no-progress",
    ]
    return subprocess.call(cmd)


def _normal_text(text: str) -> str:
    for pattern, repl in _MASKS:
        text = pattern.sub(repl, text)
    return text


def _normal(path: Path) -> str:
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path)
        return "\n".join(
            f"{ws.title}!{c.coordinate}={c.value!r}"
            for ws in book.worksheets
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        )
    text = path.read_text(encoding="utf-8")
    if path.name.endswith(".provenance.json"):
        data = json.loads(text)
        for key in _PROVENANCE_DROP:
            data.pop(key, None)
        for f in data.get("data_files", []):
            f.pop("path", None)
        text = json.dumps(data, indent=1, sort_keys=True)
    return _normal_text(text)


def pages(root: Path) -> dict[str, Path]:
    return {
        p.relative_to(root).as_posix(): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name.endswith(COMPARED) and "_failed" not in p.parts
    }


def compare(a: Path, b: Path) -> int:
    left, right = pages(a), pages(b)
    problems = [f"only in {a}: {n}" for n in sorted(set(left) - set(right))]
    problems += [f"only in {b}: {n}" for n in sorted(set(right) - set(left))]
    for name in sorted(set(left) & set(right)):
        x, y = _normal(left[name]), _normal(right[name])
        if x != y:
            at = next(
                (i for i, (c, d) in enumerate(zip(x, y, strict=False)) if c != d),
                min(len(x), len(y)),
            )
            problems.append(
                f"differs: {name} at char {at}: {x[at - 60 : at + 60]!r} vs "
                f"{y[at - 60 : at + 60]!r}"
            )
    for line in problems:
        print(line)
    print(f"{len(set(left) & set(right))} files compared, {len(problems)} difference(s).")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "build":
        sys.exit(build(Path(sys.argv[2])))
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
    print(__doc__)
    sys.exit(2)
