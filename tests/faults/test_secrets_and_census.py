"""The Census key never lands anywhere; bad Census answers are clean errors, never cached."""

from __future__ import annotations

import sqlite3

import pytest
from support.batch import DATA, manifest
from support.fakecensus import FIXTURE_STATE, FIXTURE_YEAR, fixture_api
from support.faults import KEY

from mobility_nb.acs.client import CensusClient
from mobility_nb.errors import MobilityNBError
from mobility_nb.testing.fake_census_api import FakeCensusServer, Faults, server_session

pytestmark = pytest.mark.faults


def test_a_list_row_holding_the_key_never_shows_it(tmp_path, monkeypatch, capsys, faults):
    """The key's value typed as a jurisdiction, inside a name, or as a URL: the rows fail,
    and neither manifest.json, index.html nor the terminal summary shows the key."""
    from mobility_nb.cli.app import main

    monkeypatch.setenv("CENSUS_API_KEY", KEY)
    listing = tmp_path / "l.yaml"
    listing.write_text(
        f'- "{KEY}"\n- "Cook County {KEY}"\n- "https://api.census.gov/data?key={KEY}"\n'
        f'- jurisdiction: "{KEY[:5]}"\n'
    )
    out = tmp_path / "out"
    rc = main(["batch", "--list", str(listing), "--out", str(out), "--data-dir", str(DATA)])
    captured = capsys.readouterr()
    case = faults.case("list rows holding the key's value", expect="carries on")
    case.no_traceback(captured.out, captured.err)
    assert rc == 1
    assert manifest(out)["counts"]["failed"] == 4
    case.no_leak(KEY, captured.out, captured.err, out)
    case = faults.case("a list row's parameter holding the key")
    listing.write_text(f'- jurisdiction: "42001"\n  data_dir: "{KEY}"\n')
    rc = main(
        ["batch", "--list", str(listing), "--out", str(tmp_path / "o2"), "--data-dir", str(DATA)]
    )
    captured = capsys.readouterr()
    case.cli_error(rc, captured.out, captured.err, names=["secret"])
    case.no_leak(KEY, captured.out, captured.err, tmp_path / "o2")


def test_a_notebook_that_prints_and_raises_the_key_leaks_nothing(tmp_path, books, faults):
    """The failed notebook, the manifest and the terminal are all redacted."""
    import nbformat
    from support.batch import STEP2_FILE
    from support.faults import run_cli

    leaky = tmp_path / "leaky"
    leaky.mkdir()
    nb = nbformat.read(books / STEP2_FILE, as_version=4)
    nb.cells[2].source = (
        "import os\nprint('key', os.environ['CENSUS_API_KEY'])\n"
        "raise RuntimeError('GET https://api.census.gov/data?key=' + os.environ['CENSUS_API_KEY'])"
    )
    nbformat.write(nb, leaky / STEP2_FILE)
    (tmp_path / "l.yaml").write_text('- "42001"\n')
    out = tmp_path / "out"
    result = run_cli(
        leaky,
        "batch",
        "--list",
        str(tmp_path / "l.yaml"),
        "--out",
        str(out),
        "--no-progress",
        CENSUS_API_KEY=KEY,
    )
    case = faults.case("a notebook printing and raising the key", expect="carries on")
    case.no_leak(KEY, result.stdout, result.stderr, out)
    assert result.returncode == 1 and list(out.rglob("_failed/*.ipynb"))


QUERY_FIELDS = ["NAME", "B19013_001E", "B19013_001M"]


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("missing_key_page", ["HTTP 200", "Missing Key"]),
        ("missing_key_redirect", ["HTTP 302"]),
        ("invalid_key", ["rejected the key"]),
        ("json_object", ["JSON object"]),
        ("ragged", ["ragged"]),
        ("status", ["HTTP 500"]),
        ("trickle", ["within the 1.5-second limit"]),
    ],
)
def test_bad_census_answers_are_clean_errors_and_never_cached(mode, words, tmp_path, faults):
    """(Fixed on main; counted here.) HTML, redirects, JSON objects, errors and a trickling
    server: one paragraph, not "check the internet connection", no key, nothing cached."""
    cache = tmp_path / "cache.sqlite"
    case = faults.case(f"Census answer: {mode}")
    bad = FakeCensusServer(
        fixture_api(), Faults(mode=mode, count=-1, status=500, trickle_interval=0.5)
    )
    with bad.running(), pytest.raises(MobilityNBError) as err:
        session = server_session(bad, cache, retries=0, deadline=1.5)
        CensusClient(key=KEY, session=session).query(
            "acs5", FIXTURE_YEAR, "county", FIXTURE_STATE, QUERY_FIELDS
        )
    message = case.error(err.value, names=words)
    if mode not in ("status", "trickle"):
        assert "internet connection" not in message
    case.no_leak(KEY, message)
    if cache.exists():
        with sqlite3.connect(cache) as db:
            tables = [t for (t,) in db.execute("select name from sqlite_master where type='table'")]
            rows = sum(
                db.execute(f"select count(*) from {t}").fetchone()[0]
                for t in tables
                if t == "responses"
            )
        assert rows == 0, "a bad answer was cached"
        case.no_leak(KEY, cache)
    healthy = FakeCensusServer(fixture_api())
    with healthy.running():
        session = server_session(healthy, cache)
        CensusClient(key=KEY, session=session).query(
            "acs5", FIXTURE_YEAR, "county", FIXTURE_STATE, QUERY_FIELDS
        )
    assert len(healthy.data_requests()) == 1  # the rerun asked the server again
    case.no_leak(KEY, cache)


def test_census_store_that_is_a_file_is_a_clean_error(tmp_path, capsys, monkeypatch, faults):
    """(Fixed on main; counted here.) ``census fetch --replay --store <a file>``."""
    from mobility_nb.cli.app import main

    monkeypatch.setenv("CENSUS_API_KEY", KEY)
    afile = tmp_path / "store.parquet"
    afile.write_bytes(b"not a folder")
    for action in (["fetch", "--replay"], ["status"]):
        case = faults.case(f"census {' '.join(action)} --store <a file>")
        rc = main(["census", *action, "--store", str(afile)])
        captured = capsys.readouterr()
        case.cli_error(rc, captured.out, captured.err, names=["is a file, not a folder"])
        case.no_leak(KEY, captured.out, captured.err)
    assert afile.read_bytes() == b"not a folder"


def test_census_key_is_never_a_parameter(faults):
    from mobility_nb.params import validate_params
    from mobility_nb.steps import locate_notebook

    case = faults.case("the key's value as a parameter value")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CENSUS_API_KEY", KEY)
        with pytest.raises(MobilityNBError) as err:
            validate_params({"store_dir": f"/x/{KEY}"}, locate_notebook("step5"))
    message = case.error(err.value, names=["store_dir", "secret"])
    case.no_leak(KEY, message)
