"""The Step 8 plan fixtures: Alpha County and the small tidy tables of tests/fixtures/plan."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from mobility_nb.plan.sources import MetricsSource, Sources
from support.paths import FIXTURES as _ROOT

FIXTURES = _ROOT / "plan"
ALPHA = SimpleNamespace(geoid="42001", level="county", name="Alpha County", state="42")


def fixture_sources() -> Sources:
    dtypes = {"geoid": str, "state": str}
    frame = pd.read_csv(FIXTURES / "metrics_county_tidy.csv", dtype=dtypes)
    subgroups = pd.read_csv(FIXTURES / "subgroups_county_tidy.csv", dtype=dtypes)
    return Sources(
        metrics=MetricsSource(frames={"county": frame}, subgroup_frames={"county": subgroups})
    )
