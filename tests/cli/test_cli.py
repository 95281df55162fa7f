"""The mobility-nb command: arguments, exit codes, one-paragraph errors, extension hooks."""

from __future__ import annotations

import types
from pathlib import Path

import pytest
from support.paths import FIXTURES as FIXTURES_ROOT

from mobility_nb import __version__
from mobility_nb.cli import app as cli
from mobility_nb.data.jurisdictions import Jurisdiction
from mobility_nb.errors import JurisdictionError
from mobility_nb.run.pipeline import PageFiles

FIXTURES = FIXTURES_ROOT / "notebooks"
DATA = FIXTURES / "data"


COOK = Jurisdiction(geoid="17031", level="county", name="Cook County", state="17")


@pytest.fixture
def env(monkeypatch, tmp_path):
    """Fixture notebooks, a fake jurisdiction lookup, and a recording run_page."""
    monkeypatch.setenv("MOBILITY_NB_NOTEBOOKS", str(FIXTURES))
    monkeypatch.chdir(tmp_path)
    lookups: list[tuple] = []
    runs: list[dict] = []

    def resolve(text, level=None, data_dir=None):
        lookups.append((text, level, data_dir))
        if "Nowhere" in str(text):
            raise JurisdictionError(f"No county or city named {text!r}.", ["Cook County, IL"])
        return COOK

    def run_single_job(job, out_dir, kernel_name="python3", timeout=600):
        runs.append(dict(job=job, out_dir=out_dir, kernel_name=kernel_name, timeout=timeout))
        html = Path(out_dir) / f"{job.stem}.html"
        return PageFiles(
            html, html.with_suffix(".csv"), html.with_suffix(".provenance.json"), 4.25, 300 * 1024
        )

    monkeypatch.setattr("mobility_nb.data.jurisdictions.resolve", resolve)
    monkeypatch.setattr("mobility_nb.run.one_page.run_single_job", run_single_job)
    return types.SimpleNamespace(lookups=lookups, runs=runs, tmp=tmp_path)


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"mobility-nb {__version__}"


def test_run_resolves_first_and_builds_params_stem_and_out(env, capsys):
    (env.tmp / "p.yaml").write_text("label: Cook\npeers: [17043, 17197]\n")
    code = cli.main(
        ["run", "step2", "-j", "Cook County, IL", "--params", "p.yaml", "--data-dir", "/srv/mm"]
    )
    assert code == 0
    assert env.lookups == [("Cook County, IL", None, "/srv/mm")]
    (run,) = env.runs
    job = run["job"]
    assert job.step == "step2"
    assert job.params == {
        "label": "Cook",
        "peers": ["17043", "17197"],
        "jurisdiction": "17031",
        "data_dir": "/srv/mm",
    }
    assert run["out_dir"] == Path("outputs/step2")
    assert job.stem == "17031-cook-county-il"
    assert job.title == "Mobility Metrics findings: Cook County, Illinois"
    out = capsys.readouterr().out
    assert "Cook County, Illinois (county 17031)" in out
    assert "outputs/step2/17031-cook-county-il.html (300 KB, 4.2 s)" in out


def test_global_data_dir_and_jurisdiction_from_params_file(env):
    (env.tmp / "p.yaml").write_text("jurisdiction: 17031\n")
    assert (
        cli.main(
            [
                "--data-dir",
                "/g",
                "run",
                "step2",
                "--params",
                "p.yaml",
                "--out",
                "site",
                "--stem",
                "cook",
            ]
        )
        == 0
    )
    assert env.lookups == [("17031", None, "/g")]
    assert env.runs[0]["out_dir"] == Path("site") and env.runs[0]["job"].stem == "cook"


def test_unknown_jurisdiction_is_one_paragraph_and_exit_2(env, capsys):
    assert cli.main(["run", "step2", "-j", "Nowhere County"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mobility-nb: No county or city named 'Nowhere County'.")
    assert "Closest matches: Cook County, IL." in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert env.runs == []


def test_missing_jurisdiction(env, capsys):
    assert cli.main(["run", "step2"]) == 2
    assert "No jurisdiction given" in capsys.readouterr().err


def test_malformed_yaml_names_the_line(env, capsys):
    (env.tmp / "p.yaml").write_text('jurisdiction: "17031"\nlabel: [unclosed\n')
    assert cli.main(["run", "step2", "--params", "p.yaml"]) == 2
    err = capsys.readouterr().err
    assert "p.yaml" in err and "line 3" in err and "Traceback" not in err
    assert env.lookups == []


def test_unknown_params_key_suggests_closest_before_resolving(env, capsys):
    (env.tmp / "p.yaml").write_text("jurisdicton: '17031'\n")
    assert cli.main(["run", "step2", "--params", "p.yaml"]) == 2
    assert "Did you mean 'jurisdiction'?" in capsys.readouterr().err
    assert env.lookups == []


def test_keyboard_interrupt_exits_130(env, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("mobility_nb.run.one_page.run_single_job", interrupted)
    assert cli.main(["run", "step2", "-j", "17031"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_unexpected_error_is_short_and_points_to_debug(env, monkeypatch, capsys):
    monkeypatch.setenv("CENSUS_API_KEY", "sekrit123")

    def broken(*args, **kwargs):
        raise RuntimeError("kaput near sekrit123")

    monkeypatch.setattr("mobility_nb.run.one_page.run_single_job", broken)
    assert cli.main(["run", "step2", "-j", "17031"]) == 1
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError: kaput near ***" in err
    assert "--debug" in err and "Traceback" not in err and "sekrit123" not in err
    assert cli.main(["--debug", "run", "step2", "-j", "17031"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_every_command_is_registered_with_plain_imports():
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices  # the registered subcommands
    assert {"run", "batch", "demo", "census", "data"} <= set(commands)


def test_data_dir_after_the_subcommand_wins_over_the_global_one(env):
    assert cli.main(["--data-dir", "/g", "run", "step2", "-j", "17031", "--data-dir", "/x"]) == 0
    assert env.lookups == [("17031", None, "/x")]


@pytest.mark.notebook
def test_run_end_to_end_with_the_fixture_notebook(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MOBILITY_NB_NOTEBOOKS", str(FIXTURES))
    monkeypatch.setattr(
        "mobility_nb.data.jurisdictions.resolve",
        lambda text, level=None, data_dir=None: COOK,
    )
    out = tmp_path / "site"
    assert (
        cli.main(["run", "step2", "-j", "17031", "--data-dir", str(DATA), "--out", str(out)]) == 0
    )
    page = out / "17031-cook-county-il.html"
    assert page.is_file()
    assert (out / "17031-cook-county-il.csv").is_file()
    assert f"Page:       {page} (" in capsys.readouterr().out
