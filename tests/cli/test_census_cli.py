"""``mobility-nb census fetch`` / ``status`` through the real command-line entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.fakecensus import FIXTURE_YEAR, TEST_KEY, FakeCensusServer, fixture_api, server_session

from mobility_nb.acs import store
from mobility_nb.cli import census as acs_cli
from mobility_nb.cli.app import main


def test_fetch_from_the_api_with_tables_and_levels(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CENSUS_API_KEY", TEST_KEY)
    server = FakeCensusServer(fixture_api())
    monkeypatch.setattr(acs_cli, "build_session", lambda path: server_session(server))
    with server.running():
        rc = main(
            [
                "census",
                "fetch",
                "--state",
                "RI",
                "--year",
                str(FIXTURE_YEAR),
                "--level",
                "county",
                "--tables",
                "B25003",
                "--store",
                str(tmp_path),
                "--cache",
                str(tmp_path / "c.sqlite"),
                "--no-progress",
            ]
        )
    out = capsys.readouterr().out
    assert rc == 2  # B25003B..I are not in the fixture -> the level fails, reported
    assert "county: FAILED" in out and "B25003B_001E" in out
    server2 = FakeCensusServer(fixture_api())
    monkeypatch.setattr(acs_cli, "build_session", lambda path: server_session(server2))
    monkeypatch.setattr(
        acs_cli.indicators, "needed_variables", lambda tables: ["B25003_001", "B25003_002"]
    )
    with server2.running():
        rc = main(
            [
                "census",
                "fetch",
                "--state",
                "44",
                "--year",
                str(FIXTURE_YEAR),
                "--level",
                "county,tract",
                "--store",
                str(tmp_path),
                "--cache",
                str(tmp_path / "c.sqlite"),
                "--no-progress",
            ]
        )
    out = capsys.readouterr().out
    assert rc == 0 and "county: 2 geographies x 2 variables" in out
    assert "tract: 5 geographies x 2 variables" in out
    assert main(["census", "status", "--store", str(tmp_path)]) == 0
    assert "ACS 2018\u20132022 5-year   tract  state 44" in capsys.readouterr().out


def test_bad_arguments_are_one_clear_line(tmp_path, capsys):
    assert main(["census", "fetch", "--state", "Atlantis", "--store", str(tmp_path)]) == 2
    assert "is not a US state" in capsys.readouterr().err
    assert main(["census", "fetch", "--store", str(tmp_path)]) == 2
    assert "Give --state" in capsys.readouterr().err
    assert (
        main(["census", "fetch", "--state", "44", "--level", "block", "--store", str(tmp_path)])
        == 2
    )
    assert "--level 'block'" in capsys.readouterr().err


@pytest.mark.shared
def test_replay_fills_the_store_offline(tmp_path, capsys):
    from support.fakecensus import census_data_dir

    rc = main(
        [
            "census",
            "fetch",
            "--replay",
            "--census-data",
            str(census_data_dir()),
            "--state",
            "PA,IL",
            "--store",
            str(tmp_path),
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0 and "offline replay" in out
    inv = store.inventory(tmp_path)
    assert sorted(inv["state"]) == ["17", "42"]


def test_replay_for_a_state_without_extracts_says_so_and_fails(tmp_path, capsys):
    census_data = tmp_path / "census"
    (census_data / "acs").mkdir(parents=True)  # a data folder holding no extracts
    rc = main(
        [
            "census",
            "fetch",
            "--replay",
            "--census-data",
            str(census_data),
            "--state",
            "TX",
            "--store",
            str(tmp_path / "store"),
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 2
    assert "no ACS data for Texas (48)" in out and "census fetch --state TX" in out
    assert "census import" in out
    assert not list((tmp_path / "store").rglob("*.parquet"))


@pytest.mark.shared
def test_replay_of_real_extracts_for_texas_stores_nothing_and_fails(tmp_path, capsys):
    from support.fakecensus import census_data_dir

    rc = main(
        [
            "census",
            "fetch",
            "--replay",
            "--census-data",
            str(census_data_dir()),
            "--state",
            "TX,PA",
            "--store",
            str(tmp_path),
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 2 and "no ACS data for Texas (48)" in out
    assert "covers Illinois (17), New York (36), Pennsylvania (42)" in out
    assert sorted(store.inventory(tmp_path)["state"].unique()) == ["42"]  # PA still filled


@pytest.mark.parametrize("action", [["fetch", "--replay"], ["status"], ["fetch", "--state", "44"]])
def test_store_that_is_a_file_is_a_clean_error(action, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CENSUS_API_KEY", TEST_KEY)
    afile = tmp_path / "store.parquet"
    afile.write_bytes(b"not a folder")
    rc = main(["census", *action, "--store", str(afile)])
    err = capsys.readouterr().err
    assert rc == 2 and "is a file, not a folder" in err and "Traceback" not in err
    assert "unexpected error" not in err


def test_fetch_onto_a_damaged_store_file_names_it_and_the_refill(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CENSUS_API_KEY", TEST_KEY)
    server = FakeCensusServer(fixture_api())
    monkeypatch.setattr(acs_cli, "build_session", lambda path: server_session(server))
    monkeypatch.setattr(
        acs_cli.indicators, "needed_variables", lambda tables: ["B25003_001", "B25003_002"]
    )
    args = [
        "census",
        "fetch",
        "--state",
        "44",
        "--year",
        str(FIXTURE_YEAR),
        "--level",
        "county",
        "--store",
        str(tmp_path),
        "--cache",
        str(tmp_path / "c.sqlite"),
        "--no-progress",
    ]
    with server.running():
        assert main(args) == 0
        path = store.slice_path(tmp_path, store.StoreKey("acs5", FIXTURE_YEAR, "county", "44"))
        path.write_bytes(path.read_bytes()[:40])  # truncated, as by a full disk
        capsys.readouterr()
        assert main(args) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "is damaged" in err and "Delete that file" in err
    assert f"mobility-nb census fetch --state 44 --year {FIXTURE_YEAR} --level county" in err
    assert "unexpected error" not in err


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("json_object", ["JSON object", "Nothing was stored or cached"]),
        ("trickle", ["within the 1.5-second limit", "--deadline"]),
    ],
)
def test_fetch_reports_bad_answers_and_a_rerun_fetches_again(
    mode, words, tmp_path, capsys, monkeypatch
):
    from mobility_nb.testing.fake_census_api import Faults

    monkeypatch.setenv("CENSUS_API_KEY", TEST_KEY)
    monkeypatch.setattr(
        acs_cli.indicators, "needed_variables", lambda tables: ["B25003_001", "B25003_002"]
    )
    cache = tmp_path / "c.sqlite"
    args = [
        "census",
        "fetch",
        "--state",
        "44",
        "--year",
        str(FIXTURE_YEAR),
        "--level",
        "county",
        "--store",
        str(tmp_path / "store"),
        "--cache",
        str(cache),
        "--no-progress",
        "--deadline",
        "1.5",
    ]
    bad = FakeCensusServer(fixture_api(), Faults(mode=mode, count=-1, trickle_interval=0.5))
    monkeypatch.setattr(
        acs_cli,
        "build_session",
        lambda path, **kw: server_session(bad, Path(path), retries=0, deadline=kw["deadline"]),
    )
    with bad.running():
        assert main(args) == 2
    out = capsys.readouterr()
    assert "county: FAILED" in out.out and TEST_KEY not in out.out + out.err
    for word in words:
        assert word in out.out
    healthy = FakeCensusServer(fixture_api())
    monkeypatch.setattr(
        acs_cli,
        "build_session",
        lambda path, **kw: server_session(healthy, Path(path), deadline=kw["deadline"]),
    )
    with healthy.running():
        assert main(args) == 0
    assert len(healthy.data_requests()) == 1  # nothing bad was cached
    assert "county: 2 geographies x 2 variables" in capsys.readouterr().out
