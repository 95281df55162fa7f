"""``mobility-nb run``: per-step help, names and --peers, plans checked first, file names
that never replace another page silently, and the index of a batch folder kept current.

The jurisdiction resolver is the real one on the fixture folder; the kernel run is a
stand-in that writes what the pipeline writes (page, provenance, fingerprint record).
"""

from __future__ import annotations

import ast
import json
import types
from pathlib import Path

import pytest

from mobility_nb.cli import app as cli
from mobility_nb.cli import run as run_cli
from mobility_nb.params import notebook_parameters
from mobility_nb.run.batch.index_page import write_index
from mobility_nb.run.fingerprint import params_digest, write_sidecar
from mobility_nb.run.paths import page_paths
from mobility_nb.run.pipeline import PageFiles
from mobility_nb.steps import REGISTRY, locate_notebook


@pytest.fixture
def env(monkeypatch, tmp_path, mm_fixture_dir):
    """The shipped notebooks, the fixture data, and a run that writes the page files."""
    monkeypatch.delenv("MOBILITY_NB_NOTEBOOKS", raising=False)
    monkeypatch.setenv("MOBILITY_NB_DATA", str(mm_fixture_dir))
    monkeypatch.chdir(tmp_path)
    runs: list = []

    def run_single_job(job, out_dir, kernel_name="python3", timeout=600):
        runs.append(types.SimpleNamespace(job=job, out=Path(out_dir)))
        html, csv, prov = page_paths(Path(out_dir), job.stem)
        html.parent.mkdir(parents=True, exist_ok=True)
        csv.write_text("table\n")
        prov.write_text(json.dumps({"parameters": job.params, "data_years": ["2023"]}))
        html.write_text("<html>page</html>")
        record = {
            "params_digest": params_digest(job.params),
            "step": job.step,
            "jurisdiction": job.geoid,
            "name": job.name,
            "state": job.state_abbr,
            "state_fips": job.state,
            "level": job.level,
        }
        write_sidecar(Path(out_dir), f"{job.stem}.html", record)
        return PageFiles(html, csv, prov, 1.5, 2048)

    monkeypatch.setattr("mobility_nb.run.one_page.run_single_job", run_single_job)
    return types.SimpleNamespace(runs=runs, tmp=tmp_path)


# --- help ---------------------------------------------------------------------------------


def test_step_help_lists_the_notebook_parameters_with_defaults(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "step2", "--help"])
    out = capsys.readouterr().out
    assert "--peers LIST" in out and "--plan" not in out
    assert "notebook parameters (step2_mobility_metrics.ipynb" in out
    assert 'jurisdiction (str, default: "4260000")' in out
    # the help of a line the formatter wrapped into parentheses is found too
    assert "city GEOID (7 digits) or a name" in out
    assert "peers (list, default: [])" in out and "artifacts_dir" not in out
    with pytest.raises(SystemExit):
        cli.main(["run", "step8", "--help"])
    out = capsys.readouterr().out
    assert "--plan FILE" in out and "plan_file (str, default: empty)" in out


@pytest.mark.parametrize("step", sorted(REGISTRY))
def test_help_reads_the_parameters_as_papermill_does(step):
    book = locate_notebook(step)
    ours = {name: default for name, _, default, _ in run_cli.cell_parameters(book)}
    theirs = notebook_parameters(book)
    assert list(ours) == list(theirs)
    for name, (_, default, _) in theirs.items():
        assert ours[name] == ast.literal_eval(default)


def test_top_level_help_imports_no_command(capsys, monkeypatch):
    import sys

    for name in ("mobility_nb.cli.census", "mobility_nb.cli.batch"):
        # restored afterwards: a fresh module object would escape the monkeypatches of
        # later tests that patch the module the package attribute still points to
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in cli.COMMANDS)
    assert "mobility_nb.cli.census" not in sys.modules  # pandas and the ACS layer
    assert "mobility_nb.cli.batch" not in sys.modules  # the kernels


# --- names and peers ----------------------------------------------------------------------


def test_peers_by_name_and_code_become_codes(env, capsys):
    code = cli.main(
        ["run", "step2", "-j", "Cook County, IL", "--peers", "DuPage County, IL; 17197"]
    )
    assert code == 0
    (run,) = env.runs
    assert run.job.params["peers"] == ["17043", "17197"]
    assert run.job.stem == "17031-cook-county-il"


def test_peers_repeatable_and_resolved_at_the_page_level(env):
    assert cli.main(["run", "step2", "-j", "4260000", "--peers", "Pittsburgh, PA"]) == 0
    assert env.runs[0].job.params["peers"] == ["4261000"]  # a city for a city page


def test_ambiguous_name_names_the_spelling_and_flag_for_each(env, capsys):
    assert cli.main(["run", "step2", "-j", "Philadelphia, PA"]) == 2
    err = capsys.readouterr().err
    assert '"Philadelphia County, PA" for Philadelphia County, Pennsylvania (county 42101)' in err
    assert '"Philadelphia city, PA" for Philadelphia city, Pennsylvania (city 4260000)' in err
    assert "--level county or --level place" in err
    assert env.runs == []
    assert cli.main(["run", "step2", "-j", "Philadelphia, PA", "--level", "place"]) == 0
    assert cli.main(["run", "step2", "-j", "Philadelphia city, PA"]) == 0
    assert [r.job.geoid for r in env.runs] == ["4260000", "4260000"]


def test_a_bad_peer_fails_before_anything_runs(env, capsys):
    assert cli.main(["run", "step2", "-j", "17031", "--peers", "Cok County, IL"]) == 2
    assert "Cook County, Illinois (county 17031)" in capsys.readouterr().err
    assert env.runs == []


def test_an_unknown_setting_in_params_is_named_before_the_missing_jurisdiction(env, capsys):
    Path("p.yaml").write_text("jurisdicton: '17031'\npeer: []\n")
    assert cli.main(["run", "step2", "--params", "p.yaml"]) == 2
    err = capsys.readouterr().err
    assert "have 2 problems" in err
    assert "  - Unknown parameter 'jurisdicton' for step2_mobility_metrics.ipynb. Did you" in err
    assert "  - Unknown parameter 'peer'" in err


# --- file names ---------------------------------------------------------------------------


def test_other_peers_get_their_own_page_and_the_same_peers_rebuild_it(env, capsys):
    assert cli.main(["run", "step2", "-j", "17031"]) == 0
    assert cli.main(["run", "step2", "-j", "17031", "--peers", "17043"]) == 0
    first, second = (r.job.stem for r in env.runs)
    assert first == "17031-cook-county-il"
    assert second.startswith("17031-cook-county-il-") and len(second) == len(first) + 9
    out = capsys.readouterr().out
    assert "shows other settings (peers differ)" in out and f"{second}.html" in out
    assert cli.main(["run", "step2", "-j", "17031", "--peers", "17043"]) == 0
    assert env.runs[-1].job.stem == second  # the same settings: the same file again
    assert cli.main(["run", "step2", "-j", "17031"]) == 0
    assert env.runs[-1].job.stem == first
    assert cli.main(["run", "step2", "-j", "17031", "--peers", "17197", "--force"]) == 0
    assert env.runs[-1].job.stem == first  # --force replaces the first page


def test_a_page_of_unknown_origin_is_never_replaced_silently(env, capsys):
    folder = env.tmp / "outputs" / "step2"
    folder.mkdir(parents=True)
    (folder / "17031-cook-county-il.html").write_text("mine")
    assert cli.main(["run", "step2", "-j", "17031"]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and "--out" in err
    assert (folder / "17031-cook-county-il.html").read_text() == "mine"


def test_a_page_from_before_digests_is_compared_by_its_provenance(env, capsys):
    assert cli.main(["run", "step2", "-j", "17031", "--peers", "17043"]) == 0
    side = env.tmp / "outputs" / "step2" / "17031-cook-county-il.fingerprint"
    record = json.loads(side.read_text())
    del record["params_digest"]  # as an older mobility-nb wrote it
    side.write_text(json.dumps(record))
    assert cli.main(["run", "step2", "-j", "17031", "--peers", "17043"]) == 0
    assert env.runs[-1].job.stem == "17031-cook-county-il"  # same settings: rebuilt
    record = json.loads(side.read_text())
    del record["params_digest"]
    side.write_text(json.dumps(record))
    assert cli.main(["run", "step2", "-j", "17031"]) == 0
    assert env.runs[-1].job.stem != "17031-cook-county-il"  # other peers: its own name


def test_a_chosen_name_with_other_settings_is_refused(env, capsys):
    assert cli.main(["run", "step2", "-j", "17031", "--stem", "cook"]) == 0
    assert cli.main(["run", "step2", "-j", "17031", "--stem", "cook", "--peers", "17043"]) == 2
    assert "was built with other settings" in capsys.readouterr().err


# --- the index of a batch folder ----------------------------------------------------------


def test_run_into_a_batch_folder_updates_its_index(env, capsys):
    site = env.tmp / "site"
    write_index(site)  # an empty index, as a batch leaves it
    assert cli.main(["run", "step2", "-j", "17031", "--out", str(site)]) == 0
    assert env.runs[0].out == site / "step2"  # into the step folder, as a batch would
    index = (site / "index.html").read_text()
    assert 'href="step2/17031-cook-county-il.html"' in index
    assert "Index:" in capsys.readouterr().out
    assert cli.main(["run", "step2", "-j", "17043", "--out", str(site / "step2")]) == 0
    assert 'href="step2/17043-dupage-county-il.html"' in (site / "index.html").read_text()


def test_an_index_that_is_not_ours_is_left_alone(env):
    site = env.tmp / "site"
    site.mkdir()
    (site / "index.html").write_text("<html>my own site</html>")
    assert cli.main(["run", "step2", "-j", "17031", "--out", str(site)]) == 0
    assert env.runs[0].out == site
    assert (site / "index.html").read_text() == "<html>my own site</html>"


# --- Step 8 plans -------------------------------------------------------------------------


def _plan(path: Path, jurisdiction: str, indicators: list[dict]) -> Path:
    import yaml

    plan = {"title": "Test plan", "actions": [{"name": "Jobs", "indicators": indicators}]}
    path.write_text(yaml.safe_dump({"jurisdiction": jurisdiction, "plan": plan}))
    return path


GOOD = {
    "name": "Employment",
    "source": {"kind": "mobility_metric", "metric": "Adults 25-54 who have a job"},
    "target": {"year": 2030, "value": "80%"},
    "responsible": "Workforce board",
}


def test_plan_problems_are_all_listed_before_any_kernel(env, capsys):
    bad = [
        {"name": f"Bad {i}", "source": {"kind": "mobility_metric", "metric": f"nonsense {i}"}}
        for i in range(8)
    ]
    plan = _plan(env.tmp / "plan.yaml", "Cook County, IL", bad)
    assert cli.main(["run", "step8", "--plan", str(plan)]) == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("  - ")]
    assert len(lines) >= 16  # eight unknown metrics and eight missing owners, at least
    assert all("nonsense" in err for _ in range(1)) and "…" not in err and "..." not in err
    assert env.runs == []


def test_the_plan_names_the_place_and_is_passed_as_a_file(env):
    plan = _plan(env.tmp / "cook.yaml", "Cook County, IL", [GOOD])
    assert cli.main(["run", "step8", "--plan", "cook.yaml"]) == 0
    (run,) = env.runs
    assert run.job.geoid == "17031"
    assert run.job.params["plan_file"] == str(plan.resolve())
    assert run.out == Path("outputs") / "step8"


def test_a_plan_for_another_place_is_refused_first(env, capsys):
    plan = _plan(env.tmp / "cook.yaml", "17031", [GOOD])
    assert cli.main(["run", "step8", "-j", "DuPage County, IL", "--plan", str(plan)]) == 2
    assert "the plan is for '17031'" in capsys.readouterr().err
    assert env.runs == []


def test_an_inline_plan_in_params_is_passed_as_its_file(env):
    params = _plan(env.tmp / "step8_cook.yaml", "17031", [GOOD])
    assert cli.main(["run", "step8", "--params", str(params)]) == 0
    job = env.runs[0].job
    assert "plan" not in job.params  # so the page names the plan by its file name
    assert Path(job.params["plan_file"]).name == "step8_cook.yaml"


def test_a_wrong_name_is_answered_without_loading_the_data(
    env, tmp_path, monkeypatch, mm_fixture_dir
):
    """With the name index built once, a wrong name needs neither pandas nor the tables."""
    import os
    import subprocess
    import sys

    from mobility_nb.data import jurisdictions

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    jurisdictions._INDEXES.clear()  # noqa: SLF001 - build the index files in this cache
    jurisdictions.level_index("county", mm_fixture_dir)
    jurisdictions.level_index("place", mm_fixture_dir)
    code = (
        "import sys\n"
        "from mobility_nb.cli import app\n"
        "rc = app.main(['run', 'step2', '-j', 'Philadelphia, PA'])\n"
        "print(rc, 'pandas' in sys.modules, 'papermill' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ)
    )
    assert proc.stdout.split() == ["2", "False", "False"], proc.stderr
    assert '"Philadelphia city, PA"' in proc.stderr
