"""Shared survey estimates, breaks in series and the registry of documented artifacts.

Made-up county rows of two states. Kansas (20) counties 20001, 20003 and 20005 hold one
survey-area estimate: equal median, 20th and 80th percentile incomes and employment in
2023. 20007 shares only its median income with them (a heaped value: coincidence, not a
shared area). 20009 and 20011 share a low birth weight (pooled small counties: no second
metric needed). Missouri 29001 has Kansas's median income, but another state.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mobility_nb.claims import artifacts
from mobility_nb.claims.uncertainty import Estimate
from mobility_nb.data import catalog
from mobility_nb.errors import ArtifactRegistryError

ROWS = [
    # geoid, metric, value
    *[(g, "pctl_income_50", 61171.08) for g in ("20001", "20003", "20005", "20007", "29001")],
    *[(g, "pctl_income_20", 30585.54) for g in ("20001", "20003", "20005")],
    *[(g, "pctl_income_80", 112000.0) for g in ("20001", "20003", "20005")],
    *[(g, "share_employed", 0.7515) for g in ("20001", "20003", "20005")],
    ("20007", "pctl_income_20", 25000.0),
    ("20007", "pctl_income_80", 99000.0),
    ("20009", "share_low_birth_weight", 0.0806),
    ("20011", "share_low_birth_weight", 0.0806),
    ("20013", "share_low_birth_weight", 0.0900),
    # Boundary values recur by chance: two 0% shares are not a shared estimate.
    ("20015", "share_employed", 1.0),
    ("20017", "share_employed", 1.0),
]


def tidy(rows=ROWS, year=2023) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "geoid": g,
                "level": "county",
                "name": g,
                "state": g[:2],
                "year": year,
                "metric": m,
                "value": v,
                "lower": float("nan"),
                "upper": float("nan"),
                "quality": "Weak",
                "subgroup_type": "all",
                "subgroup": "All",
            }
            for g, m, v in rows
        ]
    )


def test_a_shared_survey_area_is_found_and_named():
    shared = artifacts.shared_estimates(tidy(), "county")
    got = shared.for_place("20001")
    assert got[("pctl_income_50", 2023)] == ("20003", "20005")  # not 20007, not Missouri
    assert got[("share_employed", 2023)] == ("20003", "20005")
    assert set(got) == {
        ("pctl_income_20", 2023),
        ("pctl_income_50", 2023),
        ("pctl_income_80", 2023),
        ("share_employed", 2023),
    }


def test_one_heaped_value_alone_is_not_a_shared_area():
    shared = artifacts.shared_estimates(tidy(), "county")
    assert shared.for_place("20007") == {}
    assert shared.for_place("29001") == {}


def test_pooled_low_birth_weight_needs_no_second_metric():
    shared = artifacts.shared_estimates(tidy(), "county")
    assert shared.for_place("20009") == {("share_low_birth_weight", 2023): ("20011",)}
    assert shared.for_place("20013") == {}


def test_boundary_values_are_not_shared_estimates():
    shared = artifacts.shared_estimates(tidy(), "county")
    assert shared.for_place("20015") == {} and shared.for_place("20017") == {}


def test_found_once_per_table():
    table = tidy()
    assert artifacts.shared_estimates(table, "county") is artifacts.shared_estimates(
        table, "county"
    )


def points(*rows):
    return [(y, Estimate(v, lo, hi, q)) for y, v, lo, hi, q in rows]


def test_break_at_the_2022_survey_area_change():
    m = catalog.get_metric("share_employed")
    # A borrowed (Weak) value jumping 0.60 -> 0.75 with tight bounds: z = 0.15 / 0.0102 = 14.7.
    jump = points(
        (2021, 0.60, 0.59, 0.61, "Weak"),
        (2022, 0.75, 0.74, 0.76, "Weak"),
        (2023, 0.76, 0.75, 0.77, "Weak"),
    )
    cut = artifacts.geography_break(m, jump)
    assert (cut.before, cut.after) == (2021, 2022) and "2022" in cut.reason
    # The same jump in a Strong county's own sample is reported as change.
    own = points((2021, 0.60, 0.59, 0.61, "Strong"), (2022, 0.75, 0.74, 0.76, "Strong"))
    assert artifacts.geography_break(m, own) is None
    # ... unless its value was a shared estimate in one of the two years.
    assert artifacts.geography_break(m, own, {2021}) is not None
    # A step within the margin of error is no jump: 0.60 -> 0.61 with +-0.05 bounds.
    small = points((2021, 0.60, 0.55, 0.65, "Weak"), (2022, 0.61, 0.56, 0.66, "Weak"))
    assert artifacts.geography_break(m, small) is None
    # Not an ACS microdata metric, or no step across the change: no break.
    assert artifacts.geography_break(catalog.get_metric("rate_injury_death"), jump) is None
    assert artifacts.geography_break(m, jump[1:]) is None


def test_registry_entries_have_a_source_sentence():
    entries = artifacts.known_artifacts()
    assert {a.effect for a in entries} <= set(artifacts.EFFECTS)
    for a in entries:
        assert a.quote and a.source.startswith("upstream/") and a.says
    nyc = artifacts.not_own_value("county", "36061", "rate_crime_violent", 2023)
    assert nyc is not None
    assert "all of New York City in the New York County observation" in nyc.quote
    assert artifacts.not_own_value("county", "36047", "rate_crime_violent", 2023) is None
    assert artifacts.not_own_value("place", "36061", "rate_crime_violent", 2023) is None


def test_every_zero_unreported_metric_has_its_sentence():
    for m in catalog.metrics_for("county"):
        if m.zero_unreported:
            assert artifacts.zero_unreported("county", m.metric) is not None, m.metric
    assert artifacts.possibly_unreported(catalog.get_metric("rate_juv_arrest"), 0.0)
    assert not artifacts.possibly_unreported(catalog.get_metric("rate_juv_arrest"), 3.0)
    assert not artifacts.possibly_unreported(catalog.get_metric("share_poverty_exposure"), 0.0)


def test_quoted_sentences_are_in_urbans_documentation(shared_mm_dir):
    for a in artifacts.known_artifacts():
        path = shared_mm_dir / a.source.split(",")[0]
        text = " ".join(path.read_text(encoding="utf-8").split())
        assert a.quote in text, a.id


def test_a_malformed_registry_is_our_error(monkeypatch, tmp_path):
    bad = tmp_path / "known_artifacts.yaml"
    bad.write_text(
        "- id: x\n  level: any\n  metrics: [not_a_metric]\n  effect: note\n"
        "  says: s\n  quote: q\n  source: upstream/overview.md\n"
    )

    class Files:
        def joinpath(self, _):
            return bad

    monkeypatch.setattr(artifacts.resources, "files", lambda _: Files())
    artifacts.known_artifacts.cache_clear()
    try:
        with pytest.raises(ArtifactRegistryError, match="not_a_metric"):
            artifacts.known_artifacts()
    finally:
        artifacts.known_artifacts.cache_clear()
