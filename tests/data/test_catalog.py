"""The shipped metric catalog: coverage of the real files, meanings, display rules."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from support.paths import shared_mm_path

from mobility_nb.data import catalog
from mobility_nb.data.catalog import (
    ALIASES,
    COMBINED_QUALITY_FLAGS,
    PILLAR_COLORS,
    PILLARS,
    REDEFINED,
    Metric,
    UnknownMetricError,
    canonical_name,
    get_metric,
    load_catalog,
    metrics_by_pillar,
    metrics_for,
)
from mobility_nb.errors import MobilityNBError
from mobility_nb.render.formats import MISSING

SHARED = shared_mm_path()
ID_COLUMNS = {"year", "state", "county", "place", "state_name", "county_name", "place_name"}
ID_COLUMNS |= {"population", "subgroup", "subgroup_type"}


def _shared(relative: str) -> Path:
    path = SHARED / relative
    if not path.is_file():
        pytest.skip(f"shared data file not found: {path}")
    return path


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return next(csv.reader(fh))


def _metric_columns(header: list[str]) -> set[str]:
    """A metric column is one that has a ``_quality`` companion (47 county, 42 city)."""
    return {c for c in header if f"{c}_quality" in header}


# --- coverage of the real 2025 files -------------------------------------------------


@pytest.mark.shared
@pytest.mark.parametrize(
    ("relative", "level", "count"),
    [
        ("assembled/11_mobility-metrics_county_longitudinal.csv", "county", 47),
        ("assembled/61_mobility-metrics_place_longitudinal.csv", "place", 42),
    ],
)
def test_every_metric_column_of_the_2025_files_has_a_row(relative: str, level: str, count: int):
    header = _header(_shared(relative))
    in_file = _metric_columns(header)
    assert len(in_file) == count
    listed = {m.metric for m in metrics_for(level)}
    assert in_file == listed


@pytest.mark.shared
def test_has_ci_matches_the_bound_columns_in_the_real_files():
    county = _header(_shared("assembled/11_mobility-metrics_county_longitudinal.csv"))
    place = _header(_shared("assembled/61_mobility-metrics_place_longitudinal.csv"))
    for m in metrics_for("county"):
        has_bounds = f"{m.metric}_lb" in county or f"{m.metric}_lb" in place
        assert m.has_ci is has_bounds, m.metric


@pytest.mark.shared
def test_every_column_of_older_and_subgroup_files_maps_or_is_documented():
    """Each metric/flag column of the upstream files resolves to a 2025 name, or is listed
    as a combined flag or a redefined measure (so nothing is silently dropped)."""
    files = sorted(
        _shared("upstream/63_mobility-metrics_place_race-share_longitudinal.csv").parent.glob(
            "[0-9][0-9]_mobility-metrics_*.csv"
        )
    )
    assert len(files) >= 10
    for path in files:
        for col in _header(path):
            if col in ID_COLUMNS:
                continue
            base = col.removesuffix("_quality").removesuffix("_lb").removesuffix("_ub")
            known = (
                canonical_name(col) is not None
                or col in COMBINED_QUALITY_FLAGS
                or base in REDEFINED
            )
            assert known, f"{path.name}: {col}"


@pytest.mark.shared
def test_facts_agree_with_the_shared_catalog():
    """Pillar, predictor, levels and direction follow the facts of ../shared's catalog."""
    shared = pd.read_csv(_shared("metrics_catalog.csv"), dtype=str, keep_default_na=False)
    ours = load_catalog().set_index("metric")
    assert set(shared["metric"]) == set(ours.index)
    for row in shared.to_dict("records"):
        m = get_metric(row["metric"])
        assert (m.pillar, m.predictor) == (row["pillar"], row["predictor"]), m.metric
        expected_levels = ("county", "place") if row["geographies"] == "both" else ("county",)
        assert m.levels == expected_levels, m.metric
        direction = {"true": "higher", "false": "lower"}.get(row["higher_is_better"])
        if direction:
            assert m.direction == direction, m.metric
        else:
            assert m.direction in ("parity", "none"), m.metric
        # Written in our own words: no description copied from the shared catalog.
        assert m.description != row["description"], m.metric


# --- content and meaning -------------------------------------------------------------


def test_catalog_rows_are_complete_and_valid():
    df = load_catalog()
    assert len(df) == 47
    assert df["metric"].is_unique and df["label"].is_unique
    assert set(df["unit"]) <= set(catalog.UNITS)
    assert set(df["direction"]) <= set(catalog.DIRECTIONS)
    assert set(df["pillar"]) == set(PILLARS)
    for row in df.to_dict("records"):
        assert row["label"] and row["predictor"], row["metric"]
        assert row["description"].endswith("."), row["metric"]
        assert set(row["levels"].split(";")) <= {"county", "place"}, row["metric"]


def test_pillars_are_in_urbans_order_with_heading_colors():
    assert PILLARS[0] == "Opportunity-Rich and Inclusive Neighborhoods"
    assert PILLARS[-1] == "Responsive and Just Governance"
    assert list(PILLAR_COLORS) == list(PILLARS)
    assert PILLAR_COLORS["High-Quality Education"] == "#F584BE"
    grouped = metrics_by_pillar("county")
    assert list(grouped) == list(PILLARS)
    assert (
        get_metric("index_air_hazard")
        in grouped["Healthy Environment and Access to Good Health Care"]
    )


@pytest.mark.parametrize(
    ("name", "unit", "direction"),
    [
        ("share_employed", "share", "higher"),
        ("pctl_income_20", "dollars", "higher"),
        ("share_debt_coll", "share", "lower"),
        ("share_affordable_30_ami", "ratio", "higher"),  # share_ prefix, but a ratio
        ("count_membership_associations_per_10k", "rate", "higher"),  # count_ prefix, a rate
        ("index_air_hazard", "index", "higher"),  # "hazard", yet higher is cleaner air
        ("share_transportation_cost", "share", "lower"),
        ("ratio_population_pc_physician", "ratio", "lower"),
        ("ratio_white_nh_house_value_households", "parity", "parity"),
        ("share_desc_rep_hispanic", "share", "none"),
        ("rate_crime_violent", "rate", "lower"),
        ("count_homeless", "count", "lower"),
    ],
)
def test_units_and_directions(name: str, unit: str, direction: str):
    m = get_metric(name)
    assert (m.unit, m.direction) == (unit, direction)


def test_higher_is_better_reads_the_direction():
    assert get_metric("share_employed").higher_is_better is True
    assert get_metric("share_homeless").higher_is_better is False
    assert get_metric("share_desc_rep_other").higher_is_better is None
    assert get_metric("ratio_black_nh_house_value_households").higher_is_better is None


def test_levels_for_county_only_metrics():
    county_only = {m.metric for m in metrics_for("county")} - {
        m.metric for m in metrics_for("place")
    }
    assert county_only == {
        "share_medical_debt_coll",
        "ratio_population_pc_physician",
        "share_low_birth_weight",
        "rate_injury_death",
        "ratio_living_wage",
    }
    assert metrics_for("city") == metrics_for("place")


def test_unknown_level_is_a_clear_error():
    with pytest.raises(MobilityNBError, match="'tract'.*county.*place"):
        metrics_for("tract")


def test_load_catalog_returns_a_copy():
    df = load_catalog()
    df.loc[0, "label"] = "changed"
    assert load_catalog().loc[0, "label"] != "changed"


# --- display formatting --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("share_employed", 0.4126, "41.3%"),
        ("share_employed", 1.0, "100.0%"),
        ("share_poverty_exposure", 0, "0.0%"),
        ("pctl_income_50", 45210.4, "$45,210"),
        ("pctl_income_80", 187654.5001, "$187,655"),
        ("rate_injury_death", 1234.56, "1,235"),  # rates per 100,000 are whole
        ("rate_crime_violent", 716.26, "716"),
        ("pctl_income_20", -1200.4, "\u2212$1,200"),  # a true minus sign
        ("count_membership_associations_per_10k", 13.7, "13.7"),
        ("ratio_living_wage", 0.628396, "0.63"),
        ("rate_learning", 0.97977161, "0.98"),  # ELA growth keeps two decimals
        ("index_air_hazard", 71.4, "71"),
        ("count_homeless", 12345, "12,345"),
        ("ratio_population_pc_physician", 2408, "2,408"),
        ("share_affordable_30_ami", 1.4059854452746983, "141"),  # per 100 households
        ("ratio_black_nh_house_value_households", "0.190:0.272", "19.0% : 27.2%"),
        ("ratio_black_nh_house_value_households", "20.8%:27.5%", "20.8% : 27.5%"),
        ("share_employed", float("nan"), MISSING),
        ("pctl_income_20", None, MISSING),
        ("rate_learning", pd.NA, MISSING),
        ("count_homeless", "NA", MISSING),
    ],
)
def test_format(name: str, value: object, text: str):
    assert get_metric(name).format(value) == text


def test_format_accepts_numpy_and_string_numbers():
    import numpy as np

    m = get_metric("share_hs_degree")
    assert m.format(np.float64(0.9)) == "90.0%"
    assert m.format("0.9") == "90.0%"
    assert m.format(np.nan) == MISSING


def test_metric_is_frozen():
    m = get_metric("share_employed")
    assert isinstance(m, Metric)
    with pytest.raises(AttributeError):
        m.label = "x"  # type: ignore[misc]


# --- aliases and unknown names -------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("share_debt_col", "share_debt_coll"),
        ("meps20_black", "share_meps20_black"),
        ("rate_low_birth_weight", "share_low_birth_weight"),
        ("learning_rate", "rate_learning"),
        ("election_turnout", "share_election_turnout"),
        ("ratio_average_to_living_wage", "ratio_living_wage"),
        ("index_air_quality", "index_air_hazard"),
        ("rate_violent_crime", "rate_crime_violent"),
        ("rate_property_crime", "rate_crime_property"),
        ("share_desc_rep_asian_other", "share_desc_rep_other"),
    ],
)
def test_aliases_resolve_to_2025_names(old: str, new: str):
    assert ALIASES[old] == new
    assert get_metric(old).metric == new
    assert canonical_name(old) == new


def test_canonical_name_handles_companion_columns():
    assert canonical_name("share_employed") == "share_employed"
    assert canonical_name("share_employed_lb") == "share_employed_lb"
    assert canonical_name("meps20_black_quality") == "share_meps20_black_quality"
    assert canonical_name("share_debt_col_ub") == "share_debt_coll_ub"
    assert canonical_name("pctl_20_quality") == "pctl_income_20_quality"
    assert canonical_name("year") is None
    assert canonical_name("homeless_quality") is None  # one flag for two metrics
    assert COMBINED_QUALITY_FLAGS["homeless_quality"] == ("count_homeless", "share_homeless")


@pytest.mark.parametrize(
    ("old", "successor"),
    [
        ("ratio_high_low_ses_fb_friends", "share_economic_connectedness"),
        ("transportation_cost", "share_transportation_cost"),
        ("index_transit_trips", "share_transit_commuter"),
    ],
)
def test_redefined_measures_are_not_aliases(old: str, successor: str):
    assert canonical_name(old) is None
    assert canonical_name(f"{old}_quality") is None
    with pytest.raises(UnknownMetricError) as err:
        get_metric(old)
    assert err.value.suggestions == [successor]
    assert "Do not mix" in str(err.value)


def test_unknown_name_suggests_the_closest_metric():
    with pytest.raises(UnknownMetricError) as err:
        get_metric("share_employd")
    assert err.value.suggestions[0] == "share_employed"
    assert "'share_employd'" in str(err.value) and "share_employed" in str(err.value)
    assert isinstance(err.value, MobilityNBError)


def test_misspelt_alias_suggests_the_2025_name():
    with pytest.raises(UnknownMetricError) as err:
        get_metric("rate_violent_crimes")
    assert err.value.suggestions[0] == "rate_crime_violent"


def test_hopeless_name_points_to_the_catalog():
    with pytest.raises(UnknownMetricError, match="load_catalog"):
        get_metric("zzzz")


def test_all_rows_format_a_typical_value_without_error():
    for m in metrics_for("county"):
        sample = "0.2:0.3" if m.unit == "parity" else 0.5
        text = m.format(sample)
        assert text and text != "NA", m.metric


# --- how a page may compare places (issue 9) -----------------------------------------


def test_every_metric_has_a_comparison_kind_bounds_and_a_sourced_reason():
    for m in metrics_for("county") + [m for m in metrics_for("place") if "county" not in m.levels]:
        assert m.comparison in catalog.COMPARISONS, m.metric
        assert m.bounds in catalog.BOUNDS, m.metric
        assert (m.bounds != "none") == m.has_ci, m.metric  # bounds published iff described
        assert m.comparison_why and m.comparison_source.startswith("upstream/"), m.metric
        assert m.dollars == (m.unit == "dollars"), m.metric
        if m.even_mix_from:
            assert m.comparison == "context" and get_metric(m.even_mix_from).comparison == (
                "context"
            )


def test_only_directional_non_crime_metrics_rank():
    ranked = {m.metric for m in metrics_for("county") if m.rankable}
    for name in (
        "share_white_nh_exposure",
        "count_homeless",
        "pctl_income_80",
        "ratio_white_nh_house_value_households",
        "share_desc_rep_hispanic",
        "rate_crime_violent",
        "rate_crime_property",
        "rate_juv_arrest",
    ):
        assert name not in ranked, name
    assert {"pctl_income_20", "pctl_income_50", "share_employed", "rate_injury_death"} <= ranked
    assert get_metric("rate_learning").bounds == "range"
    assert get_metric("count_homeless").bounds == "range"
    assert {m.metric for m in metrics_for("county") if m.zero_unreported} == {
        "rate_crime_violent",
        "rate_crime_property",
        "rate_juv_arrest",
        "ratio_population_pc_physician",
    }


@pytest.mark.shared
def test_comparison_reasons_are_urbans_own_words():
    for m in metrics_for("county"):
        path = _shared(m.comparison_source.split(",")[0])
        text = " ".join(path.read_text(encoding="utf-8").split()).replace("’", "'").lower()
        quote = m.comparison_why.split(" (")[0].rstrip(".").lower()
        assert quote in text, m.metric
