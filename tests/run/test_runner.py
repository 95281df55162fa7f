"""Running one page: tiny fixture notebooks through papermill, then the offline HTML.

Kernel runs are slow, so the success run happens once per module and every assertion
about its outputs shares it. Tests marked ``notebook`` start a kernel.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from support.paths import FIXTURES as FIXTURES_ROOT

from mobility_nb.errors import NotebookRunError, ParamsError
from mobility_nb.render.notebook_html import external_references
from mobility_nb.run.one_page import run_page
from mobility_nb.run.paths import default_stem
from mobility_nb.run.publish import (
    CellFailure,
    failure_message,
    find_failure,
    is_package_error,
    publish_page,
)
from mobility_nb.steps import locate_notebook

FIXTURES = FIXTURES_ROOT / "notebooks"
DATA = FIXTURES / "data"
SECRET = "sekrit123"
LABEL = "<script>alert('x')</script> & Co"
PLACEHOLDER = "No description has been provided for this image"


@pytest.fixture(autouse=True)
def fixture_notebooks(monkeypatch):
    monkeypatch.setenv("MOBILITY_NB_NOTEBOOKS", str(FIXTURES))
    monkeypatch.setenv("CENSUS_API_KEY", SECRET)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One successful run of the fixture page, shared by the assertions below."""
    out = tmp_path_factory.mktemp("pages")
    stale = out / "_failed" / "17031-cook.ipynb"
    stale.parent.mkdir()
    stale.write_text("{}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOBILITY_NB_NOTEBOOKS", str(FIXTURES))
        mp.setenv("CENSUS_API_KEY", SECRET)
        result = run_page(
            "step2", {"jurisdiction": 17031, "label": LABEL}, out, "17031-cook", data_dir=str(DATA)
        )
    return out, result


def all_text(out: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())


@pytest.mark.notebook
def test_page_files_are_written_and_nothing_else(published):
    out, result = published
    assert result.html == out / "17031-cook.html"
    assert result.csv == out / "17031-cook.csv"
    assert result.provenance == out / "17031-cook.provenance.json"
    assert result.page_bytes == result.html.stat().st_size > 0
    assert result.seconds > 0
    names = sorted(p.name for p in out.iterdir())
    # the page, and the record that lets a batch or the index recognise it
    assert names == [
        "17031-cook.csv",
        "17031-cook.fingerprint",
        "17031-cook.html",
        "17031-cook.provenance.json",
    ]
    assert not (out / "_failed").exists() or not any((out / "_failed").iterdir())


@pytest.mark.notebook
def test_page_is_offline_accessible_and_escaped(published):
    page = published[1].html.read_text(encoding="utf-8")
    assert external_references(page) == []  # plain links to the sources load nothing
    assert '<html lang="en">' in page
    title = re.search(r"<title>(.*)</title>", page).group(1)
    assert html.unescape(title) == f"Fixture page: {LABEL}"
    assert "&lt;script&gt;alert(" in page
    assert "<script" not in page
    assert 'alt="Line chart: share employed rose from 71.2% in 2018 to 73.5% in 2021."' in page
    assert PLACEHOLDER not in page


@pytest.mark.notebook
def test_code_parameters_and_removed_cells_are_absent(published):
    page = published[1].html.read_text(encoding="utf-8")
    assert "Parameters" not in page  # papermill's injected cell header
    assert "artifacts_dir =" not in page and "import pandas" not in page
    assert "SHOULD-NOT-APPEAR" not in page
    assert "must not reach the page" not in page  # stderr
    assert "kept output of a remove-input cell" in page


@pytest.mark.notebook
def test_numbers_csv_holds_what_the_page_shows(published):
    numbers = pd.read_csv(published[1].csv)
    assert list(numbers.columns[:2]) == ["table", "metric"]
    latest = numbers[numbers["table"] == "latest values"].set_index("metric")
    assert latest.loc["share_employed", "value"] == 0.735
    trend = numbers[numbers["table"] == "employment trend"]
    assert trend["year"].tolist() == [2018, 2021]
    assert trend["value"].tolist() == [0.712, 0.735]


@pytest.mark.notebook
def test_provenance_has_checksums_and_params_but_no_secret(published):
    out, result = published
    prov = json.loads(result.provenance.read_text())
    (source,) = prov["data_files"]
    expected = hashlib.sha256((DATA / "sample_metrics.csv").read_bytes()).hexdigest()
    assert source["sha256"] == expected
    assert prov["parameters"]["jurisdiction"] == "17031"  # the YAML-style int came back as text
    assert prov["parameters"]["label"] == LABEL
    assert prov["step"] == "step2" and prov["notebook"] == "step2_mobility_metrics.ipynb"
    assert SECRET not in all_text(out)


@pytest.mark.notebook
def test_notebook_error_of_ours_is_the_whole_message(tmp_path):
    with pytest.raises(NotebookRunError) as err:
        run_page(
            "step2",
            {"jurisdiction": "17031", "fail": "mobility"},
            tmp_path,
            "p",
            data_dir=str(DATA),
        )
    message = str(err.value)
    failed = tmp_path / "_failed" / "p.ipynb"
    assert message == (
        "The fixture was asked to fail for 17031: nothing to show. "
        f"The failed notebook is saved at {failed}."
    )
    assert err.value.ename == "ParamsError"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["_failed", "p.ipynb"]
    saved = nbformat.read(failed, as_version=4)
    assert "parameters" not in saved.metadata["papermill"]


@pytest.mark.notebook
def test_unexpected_error_names_cell_exception_and_saved_notebook(tmp_path):
    with pytest.raises(NotebookRunError) as err:
        run_page(
            "step2", {"jurisdiction": "17031", "fail": "value"}, tmp_path, "p", data_dir=str(DATA)
        )
    message = str(err.value)
    assert err.value.cell_index == 5
    assert "in cell 5" in message
    assert "ValueError: fixture exploded on purpose" in message
    assert str(tmp_path / "_failed" / "p.ipynb") in message
    assert "Traceback" not in message and "\n" not in message
    assert not list(tmp_path.glob("*.html")) and not list(tmp_path.glob("*.csv"))


def test_bad_params_fail_before_any_kernel_starts(tmp_path):
    with pytest.raises(ParamsError, match="Did you mean 'label'"):
        run_page("step2", {"jurisdiction": "17031", "lable": "x"}, tmp_path, "p")
    assert list(tmp_path.iterdir()) == []


def test_unknown_step_lists_the_steps():
    with pytest.raises(ParamsError, match="Choose one of: step2, step5, step8"):
        locate_notebook("step3")


def test_missing_notebook_names_the_folder_and_env_var():
    with pytest.raises(ParamsError, match="MOBILITY_NB_NOTEBOOKS"):
        locate_notebook("step8")


@pytest.mark.parametrize("stem", ["../escape", ".hidden", "a/b", ""])
def test_unsafe_stems_are_refused(tmp_path, stem):
    with pytest.raises(ParamsError, match="plain file name"):
        run_page("step2", {"jurisdiction": "17031"}, tmp_path, stem)


def test_default_stem_uses_geoid_and_name():
    class Place:
        geoid = "2216230"
        display_name = "Coeur d'Alène city, Idaho"

    assert default_stem(Place()) == "2216230-coeur-d-alene-city-idaho"


# --- kernel-free pieces the batch runner reuses ---------------------------------------------


def executed(*cells):
    nb = new_notebook(cells=list(cells))
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def artifacts(tmp_path: Path, prov: dict | None = None) -> Path:
    folder = tmp_path / "artifacts"
    folder.mkdir()
    (folder / "numbers.csv").write_text("table,value\nt,1\n")
    (folder / "provenance.json").write_text(json.dumps(prov or {"step": "step2"}))
    return folder


def html_cell(fragment: str):
    return new_code_cell("x", outputs=[new_output("display_data", data={"text/html": fragment})])


def test_publish_refuses_a_page_showing_the_secret(tmp_path):
    nb = executed(html_cell(f"<p>key {SECRET}</p>"))
    out = tmp_path / "out"
    with pytest.raises(NotebookRunError, match="secret environment variable"):
        publish_page(nb, artifacts(tmp_path), out, "p")
    assert not out.exists() or not any(out.iterdir())


def test_publish_refuses_a_page_that_loads_from_a_cdn(tmp_path):
    nb = executed(html_cell('<script src="https://cdn.example.org/plot.js"></script>'))
    out = tmp_path / "out"
    with pytest.raises(NotebookRunError, match="would not work offline"):
        publish_page(nb, artifacts(tmp_path), out, "p")
    assert not out.exists() or not any(out.iterdir())


def test_publish_requires_the_recorder_outputs(tmp_path):
    with pytest.raises(NotebookRunError, match=r"page\.finish\(\)"):
        publish_page(executed(), tmp_path, tmp_path / "out", "p")


def test_publish_title_prefers_explicit_then_notebook_then_default(tmp_path):
    folder = artifacts(tmp_path, {"step": "step2", "title": "From the notebook"})
    html, _, prov, _ = publish_page(executed(), folder, tmp_path / "o", "p", default_title="D")
    assert "<title>From the notebook</title>" in html.read_text()
    html, _, _, _ = publish_page(executed(), folder, tmp_path / "o", "p", title="Explicit")
    assert "<title>Explicit</title>" in html.read_text()
    assert json.loads(prov.read_text())["title"] == "Explicit"


def test_publish_commits_the_html_last_after_its_record(tmp_path, monkeypatch):
    """A page that can be seen (its HTML) already has its numbers, provenance and record
    beside it: a kill -9 right after the HTML appears leaves a complete page."""
    import os

    from mobility_nb.run import pageset
    from mobility_nb.run.fingerprint import files_intact, read_sidecar

    renamed: list[str] = []
    real = os.replace

    def replace(src, dst):
        renamed.append(Path(dst).name)
        return real(src, dst)

    monkeypatch.setattr(pageset.os, "replace", replace)
    out = tmp_path / "out"
    record = {"fingerprint": "f" * 64, "code_digest": "c" * 64}
    publish_page(executed(), artifacts(tmp_path), out, "p", subdir="step2", record=record)
    assert renamed == ["p.provenance.json", "p.csv", "p.fingerprint", "p.html"]
    side = read_sidecar(out / "step2" / "p.fingerprint")
    assert sorted(side["files"]) == ["p.csv", "p.html", "p.provenance.json"]
    assert files_intact(out / "step2", side["files"])


def test_find_failure_and_message_for_a_bug():
    cell = new_code_cell(
        "result = compute(rows)\nmore()",
        execution_count=7,
        outputs=[
            new_output(
                "error",
                ename="KeyError",
                evalue="'value' ?key=abc123",
                traceback=["\x1b[0;31mKeyError\x1b[0m"],
            )
        ],
    )
    failure = find_failure(executed(new_code_cell("ok"), cell))
    assert failure == CellFailure(
        1,
        7,
        "KeyError",
        "'value' ?key=abc123",
        "result = compute(rows)\nmore()",
        ("\x1b[0;31mKeyError\x1b[0m",),
    )
    message = failure_message(
        failure, "step2_mobility_metrics.ipynb", "jurisdiction 17031", Path("out/_failed/p.ipynb")
    )
    assert message.startswith(
        "step2_mobility_metrics.ipynb failed for jurisdiction 17031 in "
        "cell 1 (In [7]), running `result = compute(rows)`: KeyError:"
    )
    assert "abc123" not in message and "out/_failed/p.ipynb" in message


def test_clean_system_exit_is_not_a_failure():
    cell = new_code_cell(
        "sys.exit()", outputs=[new_output("error", ename="SystemExit", evalue="", traceback=[])]
    )
    assert find_failure(executed(cell)) is None


def test_package_errors_are_recognised_by_name():
    assert is_package_error("JurisdictionError")
    assert is_package_error("DataFileError")
    assert is_package_error("PlanError")  # defined in errors.py like every other one
    assert is_package_error("KernelTrouble")  # no longer a bare RuntimeError
    assert not is_package_error("ValueError")
    assert not is_package_error("NotOursError")


def test_every_package_exception_lives_in_the_errors_module():
    """One exception root, one module: nothing else defines a public exception."""
    import ast

    from support.source import package_modules

    stray = []
    for rel, _, tree in package_modules():
        if Path(rel).name == "errors.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                if any(b.endswith(("Error", "Exception")) for b in bases):
                    stray.append(f"{rel}: {node.name}")
    assert stray == []


def test_missing_kernel_is_a_readable_error_and_writes_nothing(tmp_path):
    with pytest.raises(NotebookRunError) as err:
        run_page(
            "step2",
            {"jurisdiction": "17031"},
            tmp_path,
            "p",
            data_dir=str(DATA),
            kernel_name="no-such-kernel",
        )
    message = str(err.value)
    assert "the Jupyter kernel 'no-such-kernel' failed" in message
    assert "ipykernel install" in message and "\n" not in message
    assert not list(tmp_path.glob("*.html"))


def test_our_error_with_a_list_is_reported_whole():
    from mobility_nb.errors import PlanError

    problems = [f"Plan!N{i} (Target value): {'w' * 120} is not a number" for i in range(2, 10)]
    evalue = str(PlanError("plan.xlsx", problems))
    failure = CellFailure(1, 2, "PlanError", evalue, "page = Step8Page.from_notebook(globals())")
    message = failure_message(failure, "step8.ipynb", "Cook", Path("out/_failed/p.ipynb"))
    assert message.startswith(evalue)  # nothing cut, every problem on its own line
    assert message.splitlines()[-1] == "The failed notebook is saved at out/_failed/p.ipynb."
