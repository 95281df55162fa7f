"""Test helpers around the fake Census API (:mod:`mobility_nb.testing.fake_census_api`).

The server, its fault modes and the local adapter live in the package; this module adds
what only tests need: the small fixtures in ``tests/fixtures/acs`` (invented numbers, API
layout) and the real extracts in ``../shared/data/census`` (skipping when absent).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mobility_nb.testing.census_replay import (
    ReplayAPI,
    ReplayTable,
    load_extracts,
    load_variable_metadata,
)
from mobility_nb.testing.fake_census_api import (
    FakeCensusServer,
    Faults,
    LocalServerAdapter,
    server_session,
)
from support.paths import FIXTURES as FIXTURES_ROOT
from support.paths import shared_census_path

FIXTURES = FIXTURES_ROOT / "acs"
FIXTURE_YEAR = 2022
FIXTURE_STATE = "44"
TEST_KEY = "sekrit123"


def census_data_dir() -> Path:
    """The shared ACS extracts, or skip the test with a reason when they are absent."""
    root = shared_census_path()
    if not (root / "acs").is_dir():
        pytest.skip(f"shared Census extracts not found at {root} (set MOBILITY_NB_CENSUS_DATA)")
    return root


def table_from_api_json(year: int, level: str, state: str, payload: list[list]) -> ReplayTable:
    """A replay table from an answer in API layout (header row + rows)."""
    header, *rows = payload
    geo_cols = {
        "county": ["state", "county"],
        "place": ["state", "place"],
        "tract": ["state", "county", "tract"],
    }[level]
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame.index = pd.Index(frame[geo_cols].astype(str).agg("".join, axis=1), name="geoid")
    frame = frame.drop(columns=geo_cols)
    return ReplayTable(year, level, state, frame, region="fixture")


def fixture_tables(extra_variables: int = 0) -> dict[tuple[int, str, str], ReplayTable]:
    """The invented-number fixtures; ``extra_variables`` adds B27001_0NN columns (own
    numbers: row index x variable number) to exercise the package's >49-field chunking."""
    tables = {}
    for level in ("tract", "county"):
        payload = json.loads(
            (FIXTURES / f"acs5_{FIXTURE_YEAR}_{level}_{FIXTURE_STATE}.json").read_text()
        )
        t = table_from_api_json(FIXTURE_YEAR, level, FIXTURE_STATE, payload)
        for n in range(1, extra_variables + 1):
            var = f"B27001_{n:03d}"
            t.frame[f"{var}E"] = [str(10 * n + i) for i in range(len(t.frame))]
            t.frame[f"{var}M"] = [str(n) for _ in range(len(t.frame))]
        tables[(FIXTURE_YEAR, level, FIXTURE_STATE)] = t
    return tables


def fixture_variables(extra_variables: int = 0) -> dict:
    docs = json.loads((FIXTURES / "variables.json").read_text())["variables"]
    for n in range(1, extra_variables + 1):
        docs[f"B27001_{n:03d}E"] = {
            "label": f"Estimate!!Line {n}",
            "predicateType": "int",
            "group": "B27001",
            "limit": 0,
        }
    return docs


def fixture_api(valid_keys: set[str] | None = None, extra_variables: int = 0) -> ReplayAPI:
    return ReplayAPI(
        fixture_tables(extra_variables), fixture_variables(extra_variables), valid_keys=valid_keys
    )


def shared_api(valid_keys: set[str] | None = None) -> ReplayAPI:
    root = census_data_dir()
    return ReplayAPI(load_extracts(root), load_variable_metadata(root), valid_keys=valid_keys)


# The server itself lives in the package so the demo can use it too.
__all__ = [
    "FIXTURES",
    "FIXTURE_STATE",
    "FIXTURE_YEAR",
    "TEST_KEY",
    "FakeCensusServer",
    "Faults",
    "LocalServerAdapter",
    "census_data_dir",
    "fixture_api",
    "fixture_tables",
    "fixture_variables",
    "server_session",
    "shared_api",
    "table_from_api_json",
]
