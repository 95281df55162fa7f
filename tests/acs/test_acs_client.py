"""The Census client against a fake API: real census package, cache, retries, redaction."""

from __future__ import annotations

import logging
from datetime import datetime

import numpy as np
import pytest
from support.fakecensus import (
    FIXTURE_STATE,
    FIXTURE_YEAR,
    TEST_KEY,
    FakeCensusServer,
    Faults,
    fixture_api,
    server_session,
    shared_api,
)

from mobility_nb.acs import client as acs_client
from mobility_nb.acs.client import CensusClient, CensusKeyError, CensusQueryError, redact
from mobility_nb.testing.census_replay import ReplayAdapter

FIELDS = ["NAME", "B19013_001E", "B19013_001M", "B03002_001E", "B03002_001M"]


def _replay_client(api=None, key=TEST_KEY):
    session = acs_client.build_session(use_cache=False, adapter=ReplayAdapter(api or fixture_api()))
    return CensusClient(key=key, session=session)


def test_query_returns_typed_values_for_every_tract_of_the_state():
    api = fixture_api()
    client = _replay_client(api)
    frame = client.query("acs5", FIXTURE_YEAR, "tract", FIXTURE_STATE, FIELDS)
    assert list(frame["geoid"]) == [
        "44003020100",
        "44007010100",
        "44007010200",
        "44007010300",
        "44007010400",
    ]
    row = frame.set_index("geoid").loc["44007010100"]
    assert row["B19013_001E"] == 41250.0 and isinstance(row["B19013_001E"], float)
    assert row["NAME"].startswith("Census Tract 101")
    # The exact request the package sends: get, for=tract:*, key, in=state:44 county:*.
    data_url = next(u for u in api.log if "/variables/" not in u)
    assert "for=tract%3A%2A" in data_url and "in=state%3A44+county%3A%2A" in data_url
    # ... and one variables/{FIELD}.json lookup per column, MOE and geography columns too.
    looked_up = {u.split("/variables/")[1].split(".json")[0] for u in api.log if "/variables/" in u}
    assert {"NAME", "B19013_001E", "B19013_001M", "state", "county", "tract"} <= looked_up


def test_more_than_49_fields_go_through_the_packages_geo_id_chunking():
    api = fixture_api(extra_variables=30)
    client = _replay_client(api)
    fields = ["NAME"] + [f"B27001_{n:03d}{s}" for n in range(1, 31) for s in "EM"]
    frame = client.query("acs5", FIXTURE_YEAR, "county", FIXTURE_STATE, fields)
    data_calls = [u for u in api.log if "/variables/" not in u]
    assert len(data_calls) == 2 and all("GEO_ID" in u for u in data_calls)
    by_geo = frame.set_index("geoid")
    # Own fixture numbers: value = 10 x line + row position (Providence is row 0).
    assert by_geo.loc["44007", "B27001_030E"] == 300.0
    assert by_geo.loc["44003", "B27001_001E"] == 11.0


def test_missing_key_explains_how_to_get_one(monkeypatch):
    monkeypatch.delenv(acs_client.ENV_KEY, raising=False)
    with pytest.raises(CensusKeyError) as err:
        CensusClient(session=acs_client.build_session(use_cache=False))
    text = str(err.value)
    assert "CENSUS_API_KEY" in text and "key_signup" in text and "export" in text


def test_invalid_key_is_a_key_error_without_the_key():
    client = _replay_client(fixture_api(valid_keys={"the-right-one"}))
    with pytest.raises(CensusKeyError) as err:
        client.query("acs5", FIXTURE_YEAR, "county", FIXTURE_STATE, FIELDS)
    assert "Invalid Key" in str(err.value)
    assert TEST_KEY not in str(err.value)
    assert err.value.__suppress_context__  # no chained traceback carrying the URL


def test_unknown_variable_is_a_clear_query_error():
    client = _replay_client()
    with pytest.raises(CensusQueryError) as err:
        client.query("acs5", FIXTURE_YEAR, "county", FIXTURE_STATE, ["NAME", "B99999_001E"])
    assert "HTTP 400" in str(err.value) and "B99999_001E" in str(err.value)


def test_redact_removes_key_parameter_and_value():
    url = "https://api.census.gov/data/2022/acs/acs5?get=NAME&key=sekrit123&in=state%3A44"
    assert "sekrit123" not in redact(url)
    assert "key=REDACTED" in redact(url)
    assert "sekrit123" not in redact("the key sekrit123 failed", key="sekrit123")


def test_server_error_retries_then_clear_message_without_key(tmp_path, caplog, capsys):
    server = FakeCensusServer(fixture_api(), Faults(status=500, count=-1))
    with server.running(), caplog.at_level(logging.DEBUG):
        client = CensusClient(key=TEST_KEY, session=server_session(server, retries=2))
        with pytest.raises(CensusQueryError) as err:
            client.query("acs5", FIXTURE_YEAR, "county", FIXTURE_STATE, FIELDS)
    message = str(err.value)
    assert "HTTP 500" in message and "try again later" in message
    assert err.value.status == 500
    assert len(server.data_requests()) == 3  # first try + 2 retries with backoff
    assert "key=sekrit123" in server.requests[0]  # the server really got the key ...
    out = capsys.readouterr()
    for text in (message, caplog.text, out.out, out.err):  # ... and nobody else sees it
        assert TEST_KEY not in text


def test_timeout_gives_a_clear_message(tmp_path):
    server = FakeCensusServer(fixture_api(), Faults(delay=1.0, count=-1))
    with server.running():
        client = CensusClient(key=TEST_KEY, session=server_session(server, retries=1, timeout=0.2))
        with pytest.raises(CensusQueryError) as err:
            client.query("acs5", FIXTURE_YEAR, "county", FIXTURE_STATE, FIELDS)
    assert "did not answer in time" in str(err.value)
    assert TEST_KEY not in str(err.value)
    assert len(server.data_requests()) == 2


def test_cache_ignores_the_key_and_never_stores_it(tmp_path):
    cache = tmp_path / "http.sqlite"
    server = FakeCensusServer(fixture_api())
    with server.running():
        first = CensusClient(key=TEST_KEY, session=server_session(server, cache))
        a = first.query("acs5", FIXTURE_YEAR, "tract", FIXTURE_STATE, FIELDS)
        served = len(server.requests)
        other = CensusClient(key="another-key-456", session=server_session(server, cache))
        b = other.query("acs5", FIXTURE_YEAR, "tract", FIXTURE_STATE, FIELDS)
    assert len(server.requests) == served  # second client: every answer from the cache
    assert other.log.from_cache == other.log.requests > 0
    assert a.equals(b)
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert TEST_KEY.encode() not in blob and b"another-key-456" not in blob


def test_invalid_key_page_is_not_cached(tmp_path):
    cache = tmp_path / "http.sqlite"
    server = FakeCensusServer(fixture_api(valid_keys={"good-key-789"}))
    with server.running():
        with pytest.raises(CensusKeyError):
            CensusClient(key=TEST_KEY, session=server_session(server, cache)).query(
                "acs5", FIXTURE_YEAR, "county", FIXTURE_STATE, FIELDS
            )
        fixed = CensusClient(key="good-key-789", session=server_session(server, cache))
        frame = fixed.query("acs5", FIXTURE_YEAR, "county", FIXTURE_STATE, FIELDS)
    assert len(frame) == 2


@pytest.mark.shared
def test_server_500_uses_the_expired_cached_copy_of_real_data(tmp_path, caplog, capsys):
    """Real NYC extracts served by the local fake API; the cache is then expired and the
    server fails: the cached answer is used, counted as stale, and nothing leaks the key."""
    cache = tmp_path / "http.sqlite"
    server = FakeCensusServer(shared_api())
    fields = ["NAME", "B19013_001E", "B19013_001M"]
    with server.running(), caplog.at_level(logging.DEBUG):
        warm = CensusClient(key=TEST_KEY, session=server_session(server, cache))
        fresh = warm.query("acs5", 2017, "county", "36", fields)
        warm.session.cache.reset_expiration(datetime(2000, 1, 1))
        server.faults = Faults(status=500, count=-1, only_data=False)
        later = CensusClient(key=TEST_KEY, session=server_session(server, cache))
        stale = later.query("acs5", 2017, "county", "36", fields)
    assert stale.equals(fresh)
    # Real values from nycgeo's borough file: New York County median household income.
    assert stale.set_index("geoid").loc["36061", "B19013_001E"] == 79781.0
    assert later.log.stale > 0 and server.faults.hits > 0
    out = capsys.readouterr()
    assert "failed; using cached response" in caplog.text
    for text in (caplog.text, out.err, out.out):
        assert TEST_KEY not in text


def test_sentinel_values_arrive_as_numbers_before_cleaning():
    client = _replay_client()
    frame = client.query(
        "acs5", FIXTURE_YEAR, "tract", FIXTURE_STATE, ["NAME", "B19013B_001E", "B19013B_001M"]
    )
    values = frame.set_index("geoid")["B19013B_001E"]
    assert values["44007010200"] == -666666666.0  # cleaned by the store layer, not here
    assert np.isfinite(values).all()
