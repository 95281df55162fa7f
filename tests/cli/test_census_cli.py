"""``mobility-nb census fetch`` / ``status`` through the real command-line entry point."""

from __future__ import annotations

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
