"""Shared helpers for the batch tests (no tests here).

The fixture data (tests/fixtures/batch/data) follows Urban's wide layout for 51 counties
in five states (one, Hollow County PA 42999, has no values) and three cities, so the
real jurisdiction lookup and metrics loader run against it. The fixture notebook
(page.ipynb) stands in for Step 2: same parameters, same package calls, small page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from support.paths import FIXTURES as FIXTURES_ROOT

FIXTURES = FIXTURES_ROOT / "batch"
DATA = FIXTURES / "data"
PAGE_NB = FIXTURES / "page.ipynb"
STEP2_FILE = "step2_mobility_metrics.ipynb"


def notebooks_dir(tmp_path: Path, source: Path = PAGE_NB) -> Path:
    """A notebooks folder whose Step 2 notebook is ``source`` (for $MOBILITY_NB_NOTEBOOKS)."""
    folder = tmp_path / "notebooks"
    folder.mkdir(exist_ok=True)
    shutil.copy(source, folder / STEP2_FILE)
    return folder


def cli_env(notebooks: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["MOBILITY_NB_NOTEBOOKS"] = str(notebooks)
    env["MOBILITY_NB_DATA"] = str(DATA)
    env.pop("CENSUS_API_KEY", None)
    return env


def batch_command(*args: str) -> list[str]:
    """``mobility-nb batch ...`` through this interpreter."""
    code = "import sys; from mobility_nb.cli.app import main; sys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", code, "batch", *args]


def run_batch_cli(notebooks: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        batch_command(*args),
        env=cli_env(notebooks),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def pages(out: Path, step: str = "step2") -> list[Path]:
    return sorted((out / step).glob("*.html"))


_VOLATILE = [
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\+00:00| UTC|Z)?"),  # run times
    re.compile(r"/tmp/[^\s\"'<&]+"),  # temporary artifacts folders shown in provenance
    re.compile(r"[A-Za-z0-9_./-]*mnb-batch-[A-Za-z0-9_]+[^\s\"'<&]*"),
    # the navigation names the page's own files and the folder's index, which depend on
    # where the page was written, not on what it says
    re.compile(r'<nav class="mnb-nav".*?</nav>', re.DOTALL),
]


def stable_html(text: str) -> str:
    """A page with run times and temporary paths blanked, for equality checks."""
    for pattern in _VOLATILE:
        text = pattern.sub("<volatile>", text)
    return text
