"""Fixtures of the fault-and-abuse suite: the case log, hostile data, notebooks, the CLI.

Every data file here is made at test time from the suite's own fixtures
(tests/fixtures/batch: invented numbers in Urban's layout), with hostile names and
codes written into some rows.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from support.batch import DATA, PAGE_NB, STEP2_FILE
from support.faults import HOSTILE_NAMES, PROPERTY, FaultLog


@pytest.fixture
def faults(request) -> FaultLog:
    """The cases of this test; their records go to the suite's summary line."""
    log = FaultLog()
    failures = request.session.testsfailed
    yield log
    passed = request.session.testsfailed == failures  # the call phase is reported by now
    request.node.user_properties.append((PROPERTY, json.dumps(log.records(passed))))


@pytest.fixture(scope="session")
def hostile_data(tmp_path_factory) -> Path:
    """The batch fixture's Alabama counties, with hostile names and a hostile county code.

    ``Evil, AL`` has the county code ``/../../../../../tmp/mnb-faults-evil``.
    """
    folder = tmp_path_factory.mktemp("hostile-data")
    for src in DATA.iterdir():
        shutil.copy(src, folder / src.name)
    county = folder / "11_mobility-metrics_county_longitudinal.csv"
    with county.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["state"].zfill(2) == "01"]  # Alabama only
    fields = list(rows[0])
    extra = []
    for row in rows:
        geoid = row["state"].zfill(2) + row["county"].zfill(3)
        if geoid in HOSTILE_NAMES:
            row["county_name"] = HOSTILE_NAMES[geoid]
        if geoid == "01013":  # a row whose code climbs out of any folder
            evil = dict(row, county="/../../../../../tmp/mnb-faults-evil", county_name="Evil")
            extra.append(evil)
    with county.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows + extra)
    return folder


def _notebooks(folder: Path, first_cell: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(PAGE_NB, as_version=4)
    # The fixture page prints the place name as raw HTML; pages of the package escape it.
    nb.cells[2].source = nb.cells[2].source.replace(
        'show_html(f"<h2>{place.display_name}</h2>")',
        "show_html(f\"<h2>{__import__('html').escape(place.display_name)}</h2>\")",
    )
    assert "html').escape" in nb.cells[2].source
    if first_cell:
        nb.cells[2].source = first_cell + "\n" + nb.cells[2].source
    nbformat.write(nb, folder / STEP2_FILE)
    return folder


@pytest.fixture(scope="session")
def books(tmp_path_factory) -> Path:
    """A notebooks folder whose Step 2 notebook is the small fixture page."""
    return _notebooks(tmp_path_factory.mktemp("books"))


@pytest.fixture(scope="session")
def slow_books(tmp_path_factory) -> Path:
    """The fixture page, taking 2 s more per page (for interrupting batches and runs)."""
    return _notebooks(tmp_path_factory.mktemp("slow-books"), "import time; time.sleep(2)")
