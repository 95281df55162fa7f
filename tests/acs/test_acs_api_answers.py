"""The real API's failure answers (api-error-shapes.md) through the whole client stack.

Each case runs the census package, requests-cache, urllib3 retries and our adapter against
the local fake server; the message must be one paragraph that names what happened, never
carries the key, and nothing that is not data may be cached (a rerun against a healthy
server must ask the server again).
"""

from __future__ import annotations

import sqlite3

import pytest
from support.fakecensus import FIXTURE_STATE, FIXTURE_YEAR, TEST_KEY, fixture_api

from mobility_nb.acs import client as acs_client
from mobility_nb.acs.client import CensusClient, CensusKeyError, CensusQueryError
from mobility_nb.testing.fake_census_api import FakeCensusServer, Faults, server_session

FIELDS = ["NAME", "B19013_001E", "B19013_001M"]


def _query(server, cache=None, **session):
    client = CensusClient(key=TEST_KEY, session=server_session(server, cache, **session))
    return client.query("acs5", FIXTURE_YEAR, "county", FIXTURE_STATE, FIELDS)


def _failure(mode, expected, tmp_path, **faults):
    server = FakeCensusServer(fixture_api(), Faults(mode=mode, count=-1, **faults))
    with server.running(), pytest.raises(expected) as err:
        _query(server, tmp_path / "cache.sqlite")
    message = str(err.value)
    assert TEST_KEY not in message and "\n" not in message
    assert "key=" not in message
    assert err.value.__suppress_context__  # no chained traceback carrying the URL
    return message, server


@pytest.mark.parametrize(
    ("mode", "expected", "words"),
    [
        ("missing_key_page", CensusKeyError, ["Missing Key", "HTTP 200", "saw no key"]),
        ("missing_key_redirect", CensusKeyError, ["missing_key.html", "HTTP 302", "saw no key"]),
        ("invalid_key", CensusKeyError, ["rejected the key", "Invalid Key"]),
        ("json_object", CensusQueryError, ["JSON object", "'message'", "not its data table"]),
        ("ragged", CensusQueryError, ["ragged"]),
        (
            "unknown_variable",
            CensusQueryError,
            ["does not know the variable B19013_001E", "HTTP 400"],
        ),
        (
            "no_geography",
            CensusQueryError,
            ["has no data at this geography (every county in state 44)", "unsupported geography"],
        ),
        (
            "not_available",
            CensusQueryError,
            ["has no data at this geography", "HTTP 404", "resource is not available"],
        ),
    ],
)
def test_each_failure_shape_is_one_clear_paragraph(mode, expected, words, tmp_path):
    message, _ = _failure(mode, expected, tmp_path)
    for word in words:
        assert word in message, (word, message)
    assert "internet connection" not in message  # the answer arrived


def test_an_html_page_with_status_200_is_not_called_a_network_failure(tmp_path):
    server = FakeCensusServer(fixture_api(), Faults(mode="status", status=200, count=-1))
    with server.running(), pytest.raises(CensusQueryError) as err:
        _query(server, tmp_path / "cache.sqlite")
    message = str(err.value)
    assert "web page" in message and "not a network problem" in message
    assert "internet connection" not in message and TEST_KEY not in message


@pytest.mark.parametrize(
    "mode", ["json_object", "missing_key_page", "invalid_key", "ragged", "missing_key_redirect"]
)
def test_nothing_that_is_not_data_is_cached_and_a_rerun_fetches_again(mode, tmp_path):
    cache = tmp_path / "cache.sqlite"
    bad = FakeCensusServer(fixture_api(), Faults(mode=mode, count=-1))
    with bad.running(), pytest.raises((CensusQueryError, CensusKeyError)):
        _query(bad, cache)
    healthy = FakeCensusServer(fixture_api())
    with healthy.running():
        frame = _query(healthy, cache)
    assert len(healthy.data_requests()) == 1  # asked again: the bad answer was not cached
    assert sorted(frame["geoid"]) == ["44003", "44007"]
    rows = sqlite3.connect(cache).execute("select count(*) from responses").fetchone()[0]
    assert rows >= 1  # the good answer is cached ...
    blob = cache.read_bytes()
    assert TEST_KEY.encode() not in blob  # ... without the key
    assert b"Missing Key" not in blob and b"Invalid Key" not in blob


def test_reply_check_accepts_tables_and_refuses_objects():
    class Answer:
        def __init__(
            self,
            body,
            ctype="application/json",
            url="https://api.census.gov/data/2022/acs/acs5?get=NAME",
            status=200,
        ):
            self.content, self.status_code, self.url = body, status, url
            self.headers = {"Content-Type": ctype}

    assert acs_client.reply_problem(Answer(b'[["NAME","state"],["Ohio","39"]]')) is None
    assert acs_client.reply_problem(Answer(b'{"a": 1}')).kind == "not_table"
    assert acs_client.reply_problem(Answer(b'[["NAME"],["x","y"]]')).kind == "not_table"
    doc = "https://api.census.gov/data/2022/acs/acs5/variables/NAME.json"
    assert acs_client.reply_problem(Answer(b'{"name": "NAME"}', url=doc)) is None
    assert acs_client.reply_problem(Answer(b"[1, 2]", url=doc)).kind == "not_table"
    page = Answer(b"<html><head><title>Invalid Key</title></head></html>", "text/html")
    assert acs_client.reply_problem(page).kind == "invalid_key"
    assert acs_client.reply_problem(Answer(b"", status=204)) is None


def test_a_trickling_server_meets_the_overall_deadline(tmp_path):
    # The server sends one byte every 0.5 s: every read succeeds within the 5 s read
    # timeout, so only the overall deadline (1.5 s) can stop it.
    server = FakeCensusServer(fixture_api(), Faults(mode="trickle", count=-1, trickle_interval=0.5))
    with server.running(), pytest.raises(CensusQueryError) as err:
        _query(server, tmp_path / "cache.sqlite", deadline=1.5, retries=0)
    message = str(err.value)
    assert "within the 1.5-second limit" in message and "--deadline" in message
    assert TEST_KEY not in message
    assert len(server.data_requests()) == 1  # a deadline is not retried


def test_server_errors_are_still_retried_with_backoff(tmp_path):
    server = FakeCensusServer(fixture_api(), Faults(status=503, count=2))
    with server.running():
        frame = _query(server, retries=2)
    assert len(server.data_requests()) == 3 and len(frame) == 2


def test_deadline_setting_from_the_environment(monkeypatch):
    monkeypatch.setenv(acs_client.ENV_DEADLINE, "12.5")
    assert acs_client.default_deadline() == 12.5
    monkeypatch.setenv(acs_client.ENV_DEADLINE, "soon")
    with pytest.raises(CensusQueryError, match="not a number of seconds"):
        acs_client.default_deadline()
