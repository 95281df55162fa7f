"""Where the tests find things: the repository, the fixtures, and the real data beside it.

The real data (``../shared/data`` beside the repository, or the folders named by
``MOBILITY_NB_DATA`` / ``MOBILITY_NB_CENSUS_DATA``) are read in place and never copied;
this is the one place that works out where they are.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
FIXTURES = TESTS / "fixtures"
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_mm_path() -> Path:
    """The real Mobility Metrics: $MOBILITY_NB_DATA, else ../shared beside the repository."""
    env = os.environ.get("MOBILITY_NB_DATA", "").strip()
    return Path(env) if env else SHARED_DATA / "mobility-metrics"


def shared_census_path() -> Path:
    """The real Census extracts: $MOBILITY_NB_CENSUS_DATA, else ../shared beside the repository."""
    env = os.environ.get("MOBILITY_NB_CENSUS_DATA", "").strip()
    return Path(env) if env else SHARED_DATA / "census"
