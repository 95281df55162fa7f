"""A Step 5 page with no ACS data in the store: a warning naming the command that fills it,
and a non-zero exit unless --allow-empty (run and batch; no kernel is started here)."""

from __future__ import annotations

import shutil
import types
from pathlib import Path

import pandas as pd
import pytest
from support.batch import DATA as BATCH_DATA
from support.batch import PAGE_NB

from mobility_nb.acs import store
from mobility_nb.cli import app as cli
from mobility_nb.data.jurisdictions import Jurisdiction
from mobility_nb.run.pipeline import PageFiles

PROVIDENCE = Jurisdiction(geoid="44007", level="county", name="Providence County", state="44")


def _fill(directory: Path, geoid: str) -> None:
    rows = pd.DataFrame(
        {
            "geoid": [geoid],
            "name": ["x"],
            "variable": ["B19013_001"],
            "estimate": [50000.0],
            "moe": [1000.0],
            "estimate_flag": [None],
            "moe_flag": [None],
        }
    )
    key = store.StoreKey("acs5", 2022, "county", geoid[:2])
    store.write_slice(directory, key, rows, {"source": "test"})


@pytest.fixture
def single(monkeypatch, tmp_path):
    """`run step5` with a fake lookup and a recording page builder; an empty store."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOBILITY_NB_ACS_STORE", str(tmp_path / "store"))
    runs: list = []

    def run_single_job(job, out_dir, kernel_name="python3", timeout=600):
        runs.append(job)
        html = Path(out_dir) / f"{job.stem}.html"
        return PageFiles(html, html.with_suffix(".csv"), html.with_suffix(".json"), 1.0, 1024)

    monkeypatch.setattr(
        "mobility_nb.data.jurisdictions.resolve", lambda text, level=None, data_dir=None: PROVIDENCE
    )
    monkeypatch.setattr("mobility_nb.run.one_page.run_single_job", run_single_job)
    return types.SimpleNamespace(runs=runs, store=tmp_path / "store")


def test_run_warns_names_the_command_and_exits_1(single, capsys):
    assert cli.main(["run", "step5", "-j", "44007"]) == 1
    err = capsys.readouterr().err
    assert "holds no ACS data for 44007" in err
    assert "mobility-nb census fetch --state 44 --level county,tract" in err
    assert "--allow-empty" in err
    assert len(single.runs) == 1  # the page that explains itself is still written


def test_allow_empty_keeps_the_warning_and_exits_0(single, capsys):
    assert cli.main(["run", "step5", "-j", "44007", "--allow-empty"]) == 0
    assert "holds no ACS data" in capsys.readouterr().err


def test_a_store_with_the_county_gives_no_warning(single, capsys):
    _fill(single.store, "44007")
    assert cli.main(["run", "step5", "-j", "44007"]) == 0
    assert "Warning" not in capsys.readouterr().err
    # an acs_year the store does not hold is empty again
    Path("p.yaml").write_text("acs_year: 2018\n")
    assert cli.main(["run", "step5", "-j", "44007", "--params", "p.yaml"]) == 1
    assert "for ACS 2014\u20132018" in capsys.readouterr().err


def test_other_steps_have_no_data_check(single, capsys, monkeypatch):
    monkeypatch.setenv("MOBILITY_NB_NOTEBOOKS", str(PAGE_NB.parent.parent / "notebooks"))
    assert cli.main(["run", "step2", "-j", "44007"]) == 0
    assert "Warning" not in capsys.readouterr().err


def test_batch_warns_per_page_and_exits_1_unless_allowed(monkeypatch, tmp_path, capsys):
    books = tmp_path / "notebooks"
    books.mkdir()
    shutil.copy(PAGE_NB, books / "step5_local_conditions.ipynb")  # same contract, small page
    monkeypatch.setenv("MOBILITY_NB_NOTEBOOKS", str(books))
    monkeypatch.setenv("MOBILITY_NB_DATA", str(BATCH_DATA))
    monkeypatch.setenv("MOBILITY_NB_ACS_STORE", str(tmp_path / "store"))
    monkeypatch.delenv("MOBILITY_NB_CENSUS_DATA", raising=False)
    seen: list = []

    def run_batch(jobs, out, **_kw):
        seen.append([j.geoid for j in jobs])
        summary = types.SimpleNamespace(summary=lambda: f"{len(jobs)} page(s) written.")
        return types.SimpleNamespace(manifest=summary, index=None, exit_code=0)

    monkeypatch.setattr("mobility_nb.run.batch.orchestrate.run_batch", run_batch)
    from mobility_nb.run.batch.selection import select_rows

    geoids = [r.jurisdiction for r in select_rows(level="county", data_dir=str(BATCH_DATA))][:3]
    listing = tmp_path / "list.csv"
    listing.write_text("jurisdiction\n" + "\n".join(geoids) + "\n")
    _fill(tmp_path / "store", geoids[0])
    args = ["batch", "--list", str(listing), "--steps", "step5", "--out", str(tmp_path / "o")]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert err.count("Warning:") == 2 and geoids[0] not in err.split("have no ACS data")[0]
    assert "2 page(s) have no ACS data" in err
    assert cli.main([*args, "--allow-empty"]) == 0
    assert seen == [geoids, geoids]  # the pages are built either way
