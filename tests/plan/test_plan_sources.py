"""The analyst's local files and the Mobility Metrics provider."""

from __future__ import annotations

import pandas as pd
import pytest
from support.plan import ALPHA, FIXTURES, fixture_sources

from mobility_nb.errors import DataFileError, LocalDataFileError
from mobility_nb.plan import PlanError, load_plan
from mobility_nb.plan.schema import Indicator, Source
from mobility_nb.plan.sources import (
    AcsSource,
    IndicatorSource,
    LocalSource,
    MetricsSource,
    SourceUnavailableError,
)


def _indicator(**source):
    plan = load_plan(
        {
            "actions": [
                {
                    "name": "a",
                    "indicators": [
                        {"name": "m", "source": {"kind": "local", **source}, "responsible": "r"}
                    ],
                }
            ]
        },
        base_dir=FIXTURES,
    )
    return plan.actions[0].indicators[0]


def test_providers_satisfy_the_protocol():
    sources = fixture_sources()
    for provider in (sources.metrics, sources.acs, sources.local):
        assert isinstance(provider, IndicatorSource)


def test_local_csv_filtered_by_geography_and_measure():
    hist = LocalSource().history(
        _indicator(file="local_measures.csv", measure="survey_share"), ALPHA
    )
    assert hist["year"].tolist() == [2018, 2023]
    assert hist["lower"].tolist() == [37.0, 42.0]
    assert set(hist["subgroup"]) == {"All"}


def test_local_xlsx(tmp_path):
    df = pd.DataFrame(
        {
            "Geography": ["42001", "42001", "Alpha County"],
            "Year": [2019, 2020, 2021],
            "Value": [1.5, 2.5, 3.5],
        }
    )
    path = tmp_path / "mine.xlsx"
    df.to_excel(path, index=False, sheet_name="data")
    ind = _indicator(file=str(path), sheet="data")
    hist = LocalSource().history(ind, ALPHA)  # matches the GEOID and the name
    assert hist["value"].tolist() == [1.5, 2.5, 3.5]


def test_local_file_errors_name_file_and_line(tmp_path):
    # Found when the plan is read, listed with the plan's other problems
    with pytest.raises(PlanError) as info:
        _indicator(file="bad_year.csv")
    assert info.value.problems == [
        "actions[0].indicators[0].source.file: cannot read bad_year.csv, line 3: year "
        "'twenty' is not a whole-number year; fix the file and run again"
    ]
    bad = tmp_path / "cols.csv"
    bad.write_text("place,year,amount\n42001,2020,3\n", encoding="utf-8")
    with pytest.raises(PlanError) as info:
        _indicator(file=str(bad))
    assert "lacks the column(s) geography, value" in info.value.problems[0]
    # Read directly (the file changed after the plan was read): the user's own file, so the
    # message says to fix it, never to download it again (issue 11 item 11)
    ind = Indicator(name="m", source=Source(kind="local", file=str(FIXTURES / "bad_year.csv")))
    with pytest.raises(LocalDataFileError) as info:
        LocalSource().history(ind, ALPHA)
    assert isinstance(info.value, DataFileError)
    assert str(info.value) == (
        f"Cannot read your data file {FIXTURES / 'bad_year.csv'}, line 3: year 'twenty' is not "
        "a whole-number year. Fix the file (it is your own data, not a download) and run again."
    )
    assert "download it again" not in str(info.value)


def test_local_measure_must_exist_in_the_file():
    with pytest.raises(PlanError) as info:
        _indicator(file="local_measures.csv", measure="job_placement")
    assert info.value.problems == [
        "actions[0].indicators[0].source.file: local_measures.csv has no rows with measure "
        "'job_placement'; measures in the file: job_placements, survey_share"
    ]


def test_metrics_cross_section_and_history():
    frame = fixture_sources().metrics
    assert isinstance(frame, MetricsSource)
    plan = load_plan(
        {
            "actions": [
                {
                    "name": "a",
                    "indicators": [
                        {
                            "name": "m",
                            "source": {
                                "kind": "mobility_metric",
                                "metric": "share_employed",
                                "subgroup_type": "gender",
                                "subgroup": "Female",
                            },
                            "responsible": "r",
                        }
                    ],
                }
            ]
        }
    )
    ind = plan.actions[0].indicators[0]
    hist = frame.history(ind, ALPHA)
    assert set(hist["subgroup"]) == {"All", "Female", "Male"}  # every subgroup of the type
    cross = frame.cross_section(ind, "county", 2018)
    assert len(cross) == 8 and set(cross["state"]) == {"42", "17"}


def _acs_indicator(key="rent_burden"):
    plan = load_plan(
        {
            "actions": [
                {
                    "name": "a",
                    "indicators": [
                        {
                            "name": "Rent burden",
                            "source": {"kind": "acs", "indicator": key},
                            "responsible": "r",
                            "disaggregation": ["race_ethnicity"],
                        }
                    ],
                }
            ]
        }
    )
    return plan.actions[0].indicators[0]


def test_acs_indicator_names_are_checked_against_the_step5_layer():
    with pytest.raises(PlanError) as info:
        _acs_indicator("rent_burdne")
    assert (
        "actions[0].indicators[0].source.indicator: 'rent_burdne' is not an ACS indicator "
        "of the Step 5 layer (did you mean 'rent_burden'?)"
    ) in str(info.value)


def test_acs_empty_store_says_how_to_fetch(tmp_path):
    with pytest.raises(SourceUnavailableError) as info:
        AcsSource(store_dir=tmp_path).history(_acs_indicator(), ALPHA)
    assert str(info.value) == (
        "ACS store not available: run `mobility-nb census fetch --state 42 --level county`"
    )
    assert str(tmp_path) not in str(info.value)  # the message reaches the published page


def test_acs_history_from_a_store_written_by_the_step5_layer(tmp_path):
    from mobility_nb.acs import indicators as acs_indicators
    from mobility_nb.acs import store as acs_store

    # Renter households paying 30%+: (B25070_007..010) / (B25070_001 - B25070_011)
    # 2018: 500 / (1000 - 50) = 52.63%; 2022: 400 / 950 = 42.11%
    for year, burdened in ((2018, 200), (2022, 100)):
        counts = {"001": 1000, "007": 100, "008": 100, "009": 100, "010": burdened, "011": 50}
        rows = pd.DataFrame(
            {
                "geoid": "42001",
                "name": "Alpha County, Pennsylvania",
                "variable": [f"B25070_{k}" for k in counts],
                "estimate": list(counts.values()),
                "moe": [40.0, 20.0, 20.0, 20.0, 30.0, 10.0],
                "estimate_flag": None,
                "moe_flag": None,
            }
        )
        acs_store.write_slice(
            tmp_path, acs_store.StoreKey("acs5", year, "county", "42"), rows, {"source": "test"}
        )
    source = AcsSource(store_dir=tmp_path)
    ind = _acs_indicator()
    hist = source.history(ind, ALPHA)
    assert hist["year"].tolist() == [2018, 2022]
    assert hist["value"].round(2).tolist() == [52.63, 42.11]
    wide = acs_store.read_slice(tmp_path, acs_store.StoreKey("acs5", 2018, "county", "42")).wide()
    moe90 = acs_indicators.compute(acs_indicators.get("rent_burden"), wide)["moe"].iloc[0]
    assert hist["upper"].iloc[0] - hist["value"].iloc[0] == pytest.approx(moe90 * 1.96 / 1.645)
    assert source.units(ind) == ("percent", "lower")
    assert len(source.files()) == 2
