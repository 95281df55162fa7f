"""Warm-kernel execution: same pages as ``mobility-nb run``, failures recorded, kernels replaced."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from support.batch import DATA, PAGE_NB, notebooks_dir, stable_html

from mobility_nb.run.jobs import Job
from mobility_nb.run.warm_engine import WarmKernelEngine, WorkerSettings

pytestmark = pytest.mark.notebook


def _job(notebook: Path, geoid: str = "42001", stem: str = "", **params) -> Job:
    return Job(
        step="step2",
        geoid=geoid,
        level="county",
        name="Adams County",
        state="42",
        state_abbr="PA",
        notebook=str(notebook),
        params={"jurisdiction": geoid, "data_dir": str(DATA), **params},
        stem=stem or geoid,
        subdir="step2",
        title=f"Page {geoid}",
        fingerprint="fp",
    )


def _notebook(path: Path, *sources: str) -> Path:
    params = new_code_cell(
        'jurisdiction: str = "42001"\ndata_dir: str = ""\nartifacts_dir: str = ""\nmarker: str = ""'
    )
    params.metadata["tags"] = ["parameters"]
    finish = new_code_cell(
        "from mobility_nb.render.recorder import PageRecorder\n"
        "PageRecorder('step2', {'jurisdiction': jurisdiction}, artifacts_dir).finish()"
    )
    nb = new_notebook(
        cells=[params, *(new_code_cell(s) for s in sources), finish],
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
        },
    )
    nbformat.write(nb, path)
    return path


def test_batch_page_equals_single_page_run(tmp_path, monkeypatch):
    """A page from the warm kernel is the page `mobility-nb run` makes (times aside)."""
    from mobility_nb.run.one_page import run_page

    monkeypatch.setenv("MOBILITY_NB_NOTEBOOKS", str(notebooks_dir(tmp_path)))
    single = run_page(
        "step2",
        {"jurisdiction": "42003", "peers": ["42001"]},
        tmp_path / "run",
        "42003",
        data_dir=str(DATA),
    )
    ex = WarmKernelEngine(WorkerSettings(out_dir=str(tmp_path / "batch")))
    try:
        ex.run(_job(PAGE_NB, "42001"))  # warm the kernel with another page first
        outcome = ex.run(_job(PAGE_NB, "42003", peers=["42001"]))
    finally:
        ex.shutdown()
    assert outcome.status == "ok", outcome.message
    batch_dir = tmp_path / "batch" / "step2"
    assert stable_html((batch_dir / "42003.html").read_text()) == stable_html(
        single.html.read_text()
    )
    assert (batch_dir / "42003.csv").read_text() == single.csv.read_text()
    side = json.loads((batch_dir / "42003.fingerprint").read_text())
    assert side["fingerprint"] == "fp" and side["jurisdiction"] == "42003"


def test_failed_cell_is_recorded_and_no_page_written(tmp_path):
    ex = WarmKernelEngine(WorkerSettings(out_dir=str(tmp_path)))
    try:
        bad = ex.run(_job(PAGE_NB, "42999"))  # Hollow County: no values at all
        good = ex.run(_job(PAGE_NB, "42001"))  # the kernel carries on
    finally:
        ex.shutdown()
    assert bad.status == "failed"
    assert bad.cell_index == 4 and bad.ename == "ValueError"
    assert "no metric values" in bad.evalue
    assert "Hollow County" in bad.message and "cell 4" in bad.message
    assert not (tmp_path / "step2" / "42999.html").exists()
    assert not (tmp_path / "step2" / "42999.fingerprint").exists()
    assert (tmp_path / "step2" / "_failed" / "42999.ipynb").is_file()
    assert good.status == "ok" and (tmp_path / "step2" / "42001.html").is_file()


def test_dead_kernel_is_replaced_and_page_retried_once(tmp_path):
    nb = _notebook(
        tmp_path / "dies.ipynb",
        "import os, pathlib\n"
        "if not pathlib.Path(marker).exists():\n"
        "    pathlib.Path(marker).touch()\n"
        "    os._exit(1)  # the kernel dies on the first try only",
    )
    ex = WarmKernelEngine(WorkerSettings(out_dir=str(tmp_path / "out")))
    try:
        outcome = ex.run(_job(nb, marker=str(tmp_path / "marker")))
        assert outcome.status == "ok", outcome.message
        assert outcome.attempts == 2
        assert ex.kernel.starts == 2
    finally:
        ex.shutdown()


def test_hung_cell_times_out_twice_and_is_recorded(tmp_path):
    nb = _notebook(tmp_path / "hangs.ipynb", "import time\ntime.sleep(60)")
    ex = WarmKernelEngine(WorkerSettings(out_dir=str(tmp_path / "out"), cell_timeout=2))
    try:
        outcome = ex.run(_job(nb))
        after = ex.run(_job(PAGE_NB, "42001"))  # a fresh kernel serves the next page
    finally:
        ex.shutdown()
    assert outcome.status == "failed" and outcome.attempts == 2
    assert outcome.ename == "CellTimeoutError"
    assert "--timeout" in outcome.message
    assert after.status == "ok"


def test_secret_never_reaches_the_outcome(tmp_path, monkeypatch):
    monkeypatch.setenv("CENSUS_API_KEY", "sekrit-key-123456")
    nb = _notebook(
        tmp_path / "leaks.ipynb",
        "import os\nraise RuntimeError('GET https://api?key=' + os.environ['CENSUS_API_KEY'])",
    )
    ex = WarmKernelEngine(WorkerSettings(out_dir=str(tmp_path / "out")))
    try:
        outcome = ex.run(_job(nb))
    finally:
        ex.shutdown()
    assert outcome.status == "failed"
    assert "sekrit-key-123456" not in json.dumps(outcome.to_dict())
    assert outcome.ename == "RuntimeError"
