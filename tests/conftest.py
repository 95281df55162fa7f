"""Shared test fixtures: the small Mobility Metrics fixture folder and the real data folder.

The fixture files under ``tests/fixtures/mm`` hold made-up numbers in Urban's column
layout (see the README there for the hand calculations the tests rely on). The real data
are read in place from the shared folder and never copied; tests that need them skip with
a reason when the folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.paths import FIXTURES as FIXTURES_ROOT
from support.paths import shared_census_path, shared_mm_path

MM_FIXTURES = FIXTURES_ROOT / "mm"
# Files the real-data tests read; without them the shared tests skip.
SHARED_MM_FILES = (
    "assembled/11_mobility-metrics_county_longitudinal.csv",
    "assembled/61_mobility-metrics_place_longitudinal.csv",
)


@pytest.fixture
def mm_fixture_dir() -> Path:
    """The small fixture folder (Urban's layout, our own numbers)."""
    return MM_FIXTURES


@pytest.fixture(scope="session")
def shared_mm_dir() -> Path:
    """The real Mobility Metrics folder; skips the test when it is not on this machine."""
    root = shared_mm_path()
    missing = [name for name in SHARED_MM_FILES if not (root / name).is_file()]
    if not root.is_dir() or missing:
        pytest.skip(
            f"real Mobility Metrics data not found at {root} (set MOBILITY_NB_DATA to the "
            "folder holding assembled/ and upstream/)"
        )
    return root


def shared_atlas_path() -> Path:
    """The real us-atlas county file below the shared Census folder."""
    return shared_census_path() / "geo" / "us-atlas-3.0.1" / "counties-10m.json"


@pytest.fixture(scope="session")
def shared_atlas():
    """The decoded real county topology; skips the test when the file is not on this machine."""
    path = shared_atlas_path()
    if not path.is_file():
        pytest.skip(
            f"real county boundaries not found at {path} (set MOBILITY_NB_CENSUS_DATA to the "
            "folder holding geo/us-atlas-3.0.1/counties-10m.json)"
        )
    from mobility_nb.geo import load_topology

    return load_topology(path)


def _clear_mobility_caches() -> None:
    """Forget every per-process table so one test's data never leaks into the next."""
    from mobility_nb.data import metrics as metrics_data

    metrics_data.clear_cache()  # also drops rankings and lookup tables derived from them


@pytest.fixture(autouse=True)
def _exports_in_tmp(monkeypatch, tmp_path_factory):
    """Pages built by hand in tests export into a temporary folder, not the checkout."""
    monkeypatch.setenv("MOBILITY_NB_OUTPUTS", str(tmp_path_factory.mktemp("outputs")))


@pytest.fixture(autouse=True)
def _fresh_metrics_caches():
    _clear_mobility_caches()
    yield
    _clear_mobility_caches()
