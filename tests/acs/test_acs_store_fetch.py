"""Prefetch into the parquet store: sentinels cleaned, chunks merged, failures harmless."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support.fakecensus import (
    FIXTURE_STATE,
    FIXTURE_YEAR,
    TEST_KEY,
    FakeCensusServer,
    Faults,
    fixture_api,
    server_session,
)

from mobility_nb.acs import client as acs_client
from mobility_nb.acs import fetch, store
from mobility_nb.acs.client import CensusClient, CensusQueryError
from mobility_nb.testing.census_replay import ReplayAdapter

VARIABLES = [
    "B01003_001",
    "B03002_001",
    "B03002_012",
    "B19013_001",
    "B19013B_001",
    "B17001_001",
    "B17001_002",
]


def _client(api=None):
    session = acs_client.build_session(use_cache=False, adapter=ReplayAdapter(api or fixture_api()))
    return CensusClient(key=TEST_KEY, session=session)


def test_chunks_keep_estimate_and_moe_together_under_the_limit():
    variables = [f"B27001_{n:03d}" for n in range(1, 61)]
    chunks = fetch.chunk_variables(variables)
    assert [len(c) for c in chunks] == [24, 24, 12]  # NAME + 2 x 24 = 49 fields per call
    assert all(1 + 2 * len(c) <= 49 for c in chunks)
    assert fetch.api_fields(["B19013_001"]) == ["B19013_001E", "B19013_001M"]


def test_fetch_state_writes_clean_rows_and_metadata(tmp_path):
    api = fixture_api(extra_variables=30)
    variables = VARIABLES + [f"B27001_{n:03d}" for n in range(1, 31)]
    report = fetch.fetch_state(
        FIXTURE_STATE,
        FIXTURE_YEAR,
        variables,
        levels=("county", "tract"),
        client=_client(api),
        store_dir=tmp_path,
        progress=False,
    )
    assert report.ok and [lv.geographies for lv in report.levels] == [2, 5]
    assert [lv.calls for lv in report.levels] == [2, 2]  # 37 variables -> 2 calls per level
    tract = store.read_slice(tmp_path, store.StoreKey("acs5", FIXTURE_YEAR, "tract", "44"))
    wide = tract.wide()
    # -666666666 / -222222222 -> no value, flagged; never a number.
    assert np.isnan(wide.loc["44007010200", "B19013B_001_E"])
    assert wide.loc["44007010200", "B19013B_001_Ef"] == "not_computed"
    assert wide.loc["44007010200", "B19013B_001_Mf"] == "moe_not_computed"
    # Top-coded median kept as printed, flagged; its -333333333 MOE becomes NaN.
    assert wide.loc["44007010300", "B19013_001_E"] == 250001
    assert wide.loc["44007010300", "B19013_001_Ef"] == "top_coded"
    assert wide.loc["44007010300", "B19013_001_Mf"] == "moe_open_interval"
    assert (tract.rows["estimate"].dropna() > -1e8).all()
    county = store.read_slice(tmp_path, store.StoreKey("acs5", FIXTURE_YEAR, "county", "44"))
    cw = county.wide()
    assert cw.loc["44007", "B03002_001_M"] == 0.0  # -555555555: controlled, MOE zero
    assert cw.loc["44007", "B03002_001_Mf"] == "controlled"
    assert tract.meta["source"] == "api" and tract.meta["vintage"] == "ACS 2018\u20132022 5-year"
    assert set(VARIABLES) <= tract.variables
    inv = store.inventory(tmp_path)
    assert set(inv["level"]) == {"county", "tract"} and set(inv["state"]) == {"44"}


def test_refetch_merges_variables_and_replaces_refetched_ones(tmp_path):
    client = _client()
    fetch.fetch_state(
        "44",
        FIXTURE_YEAR,
        ["B19013_001"],
        levels=("tract",),
        client=client,
        store_dir=tmp_path,
        progress=False,
    )
    fetch.fetch_state(
        "44",
        FIXTURE_YEAR,
        ["B17001_001", "B19013_001"],
        levels=("tract",),
        client=client,
        store_dir=tmp_path,
        progress=False,
    )
    sl = store.read_slice(tmp_path, store.StoreKey("acs5", FIXTURE_YEAR, "tract", "44"))
    assert sl.variables == {"B17001_001", "B19013_001"}
    assert len(sl.rows) == 2 * 5  # no duplicated rows for the refetched variable
    assert len(sl.meta["history"]) == 2


def test_failed_refresh_keeps_the_store_and_says_so(tmp_path):
    server = FakeCensusServer(fixture_api())
    with server.running():
        ok = CensusClient(key=TEST_KEY, session=server_session(server))
        fetch.fetch_state(
            "44",
            FIXTURE_YEAR,
            VARIABLES,
            levels=("tract",),
            client=ok,
            store_dir=tmp_path,
            progress=False,
        )
        path = store.slice_path(tmp_path, store.StoreKey("acs5", FIXTURE_YEAR, "tract", "44"))
        before = path.read_bytes()
        server.faults = Faults(status=503, count=-1)
        failing = CensusClient(key=TEST_KEY, session=server_session(server, retries=1))
        with pytest.raises(CensusQueryError) as err:
            fetch.fetch_state(
                "44",
                FIXTURE_YEAR,
                ["B25003_001"],
                levels=("tract",),
                client=failing,
                store_dir=tmp_path,
                progress=False,
            )
    assert "HTTP 503" in str(err.value) and "keep whatever the store held" in str(err.value)
    assert TEST_KEY not in str(err.value)
    assert path.read_bytes() == before


def test_missing_slice_error_names_the_fetch_command(tmp_path):
    with pytest.raises(store.ACSStoreMissingError) as err:
        store.read_slice(tmp_path, store.StoreKey("acs5", 2022, "tract", "42"))
    assert "mobility-nb census fetch --state 42 --year 2022 --level tract" in str(err.value)


def test_to_wide_round_trip_keeps_names_and_flags():
    rows = pd.DataFrame(
        {
            "geoid": ["1", "1", "2", "2"],
            "name": ["A", "A", "B", "B"],
            "variable": ["X_001", "Y_001", "X_001", "Y_001"],
            "estimate": [1.0, 2.0, np.nan, 4.0],
            "moe": [0.5, 0.0, np.nan, 1.0],
            "estimate_flag": [None, None, "missing", None],
            "moe_flag": [None, "controlled", "missing", None],
        }
    )
    wide = store.to_wide(rows)
    assert list(wide.index) == ["1", "2"] and wide.loc["2", "name"] == "B"
    assert wide.loc["1", "Y_001_Mf"] == "controlled" and np.isnan(wide.loc["2", "X_001_E"])


@pytest.mark.parametrize(
    "faults",
    [Faults(status=500, count=-1, only_data=False), Faults(delay=0.5, count=-1, only_data=False)],
    ids=["http-500", "timeout"],
)
def test_refresh_during_an_outage_uses_the_cached_answers(tmp_path, faults):
    """The HTTP cache has an expired copy; the API fails (500 or no answer in time): the
    fetch still succeeds from the cached copy and its report says so."""
    from datetime import datetime

    cache = tmp_path / "http.sqlite"
    server = FakeCensusServer(fixture_api())
    with server.running():
        warm = CensusClient(key=TEST_KEY, session=server_session(server, cache))
        fetch.fetch_state(
            "44",
            FIXTURE_YEAR,
            VARIABLES,
            levels=("tract",),
            client=warm,
            store_dir=tmp_path / "a",
            progress=False,
        )
        warm.session.cache.reset_expiration(datetime(2000, 1, 1))
        server.faults = faults
        later = CensusClient(
            key=TEST_KEY, session=server_session(server, cache, retries=1, timeout=0.1)
        )
        report = fetch.fetch_state(
            "44",
            FIXTURE_YEAR,
            VARIABLES,
            levels=("tract",),
            client=later,
            store_dir=tmp_path / "b",
            progress=False,
        )
    assert report.ok and report.levels[0].stale > 0 and faults.hits > 0
    assert "older cached copy because the API failed" in "\n".join(report.lines())
    a = store.read_slice(tmp_path / "a", store.StoreKey("acs5", FIXTURE_YEAR, "tract", "44"))
    b = store.read_slice(tmp_path / "b", store.StoreKey("acs5", FIXTURE_YEAR, "tract", "44"))
    assert a.rows.equals(b.rows)
    assert b.meta["stale_responses"] == report.levels[0].stale
