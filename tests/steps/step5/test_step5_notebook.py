"""The Step 5 notebook end to end: offline demo pages, real values, and no key anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from support.fakecensus import (
    TEST_KEY,
    FakeCensusServer,
    Faults,
    census_data_dir,
    server_session,
    shared_api,
)
from support.pagetext import visible_text
from support.paths import REPO

from mobility_nb.testing import census_replay as replay

pytestmark = [pytest.mark.shared, pytest.mark.notebook]

NOTEBOOK = REPO / "notebooks" / "step5_local_conditions.ipynb"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    directory = tmp_path_factory.mktemp("acs-store")
    replay.populate_store_from_extracts(census_data_dir(), directory)
    return directory


def _run(jurisdiction: str, params_file: str, store_dir: Path, out: Path, metrics: Path):
    from mobility_nb.params import load_params_file
    from mobility_nb.run.one_page import run_page

    params = load_params_file(REPO / params_file)
    params.update(
        {
            "jurisdiction": jurisdiction,
            "store_dir": str(store_dir),
            "census_data_dir": str(census_data_dir()),
        }
    )
    return run_page("step5", params, out, f"step5-{jurisdiction}", data_dir=str(metrics))


def _text(path: Path) -> str:
    return visible_text(path.read_text(encoding="utf-8"))


def test_philadelphia_page_shows_the_extracts_values_with_moes(demo_store, tmp_path, shared_mm_dir):
    result = _run("42101", "params/step5_philadelphia.yaml", demo_store, tmp_path, shared_mm_dir)
    text = _text(result.html)
    assert "Offline replay" in text and "ACS 2013\u20132017 5-year" in text
    assert "Mobility Metrics recap" in text
    assert "sum of 384 tracts (derived)" in text
    assert "not in the local store" in text  # e.g. race iterations B19013B-I
    assert "Median household income by race/ethnicity (B19013B\u2013I)" in text
    assert "Map of 384 census tracts in Philadelphia County" in result.html.read_text()
    assert "example data" in text.lower() and "42101999900" in text
    assert "311 service requests" in text
    numbers = pd.read_csv(result.csv, dtype={"geoid": str}, low_memory=False)
    mapped = numbers[numbers["table"] == "tract_map_values"].set_index("geoid")
    s1901 = pd.read_csv(
        census_data_dir() / replay.PHILA_S1901, dtype=str, keep_default_na=False
    ).set_index("GEO.id2")
    has = s1901["HC01_EST_VC13"] != ""
    assert len(mapped) == 384 and has.sum() == 375
    est = mapped.loc[has[has].index, "estimate"].astype(float)
    moe = mapped.loc[has[has].index, "moe"].astype(float)
    assert np.array_equal(est.to_numpy(), s1901.loc[has, "HC01_EST_VC13"].astype(float))
    assert np.array_equal(moe.to_numpy(), s1901.loc[has, "HC01_MOE_VC13"].astype(float))
    prov = json.loads(result.provenance.read_text())
    assert any(f["name"] == "42.parquet" for f in prov["data_files"])
    assert any(f["name"] == "Census_Tracts_2010.shp" for f in prov["data_files"])


def test_cook_page_renders_from_the_store(demo_store, tmp_path, shared_mm_dir):
    result = _run("17031", "params/step5_cook.yaml", demo_store, tmp_path, shared_mm_dir)
    text = _text(result.html)
    assert "ACS 2016\u20132020 5-year" in text and "Offline replay" in text
    assert "Map of 1331 census tracts in Cook County" in result.html.read_text()
    assert "$250,000 or more" in text  # top-coded tract median, not "$250,001"
    assert "cannot be added up into a county figure" in text
    assert "by tract only (see below)" in text
    assert "Eviction filings by census tract (example data)" in text
    assert "poverty by tract (B17001) is not in the local store" in text


def test_census_key_never_reaches_any_output(tmp_path, monkeypatch, capsys, shared_mm_dir):
    """Fill a store through the real API path with CENSUS_API_KEY=sekrit123 (including a
    failing refresh), run the notebook with the key in the environment, publish the page,
    then grep every file produced: store, HTTP cache, executed notebook, HTML, CSV, JSON."""
    import papermill as pm

    from mobility_nb.cli import census as acs_cli
    from mobility_nb.cli.app import main

    monkeypatch.setenv("CENSUS_API_KEY", TEST_KEY)
    store_dir, cache = tmp_path / "store", tmp_path / "http-cache.sqlite"
    server = FakeCensusServer(shared_api(valid_keys={TEST_KEY}))
    monkeypatch.setattr(
        acs_cli, "build_session", lambda path: server_session(server, Path(path), retries=1)
    )
    with server.running():
        rc = main(
            [
                "census",
                "fetch",
                "--state",
                "PA",
                "--year",
                "2017",
                "--level",
                "tract",
                "--tables",
                "B19013,B03002",
                "--store",
                str(store_dir),
                "--cache",
                str(cache),
                "--no-progress",
            ]
        )
        assert rc == 2  # most of these variables are not in the extracts: HTTP 400, reported
        server.faults = Faults(status=500, count=-1, echo_url=True)
        rc_500 = main(
            [
                "census",
                "fetch",
                "--state",
                "42",
                "--year",
                "2017",
                "--level",
                "tract",
                "--tables",
                "B25003",
                "--store",
                str(store_dir),
                "--cache",
                str(cache),
                "--no-progress",
            ]
        )
    out = capsys.readouterr()
    assert rc_500 == 2 and "HTTP 500" in out.out and "keeps its earlier data" in out.out
    assert any(f"key={TEST_KEY}" in p for p in server.requests)  # the key was really used
    for stream in (out.out, out.err):
        assert TEST_KEY not in stream

    # A store with real data fetched by the API path (B19013 succeeded before the 400).
    from mobility_nb.acs import fetch
    from mobility_nb.acs.client import CensusClient

    healthy = FakeCensusServer(shared_api(valid_keys={TEST_KEY}))
    with healthy.running():
        client = CensusClient(session=server_session(healthy, cache))
        fetch.fetch_state(
            "42",
            2017,
            ["B19013_001", "B03002_001", "B03002_012"],
            levels=("tract",),
            client=client,
            store_dir=store_dir,
            progress=False,
        )

    executed = tmp_path / "executed.ipynb"
    pm.execute_notebook(
        str(NOTEBOOK),
        str(executed),
        kernel_name="python3",
        progress_bar=False,
        parameters={
            "jurisdiction": "42101",
            "store_dir": str(store_dir),
            "data_dir": str(shared_mm_dir),
            "census_data_dir": str(census_data_dir()),
        },
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    nb = nbformat.read(executed, as_version=4)
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    result = _run(
        "42101", "params/step5_philadelphia.yaml", store_dir, tmp_path / "page", shared_mm_dir
    )
    assert "US Census Bureau API" in _text(result.html)

    scanned = 0
    for path in tmp_path.rglob("*"):
        if path.is_file():
            scanned += 1
            assert TEST_KEY.encode() not in path.read_bytes(), path
    assert scanned >= 6
