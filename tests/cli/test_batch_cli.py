"""``mobility-nb batch`` end to end, as a user runs it (subprocess, fixture notebook + data)."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from support.batch import (
    batch_command,
    cli_env,
    manifest,
    notebooks_dir,
    pages,
    run_batch_cli,
)
from support.paths import FIXTURES as FIXTURES_ROOT

from mobility_nb.render.notebook_html import external_references
from mobility_nb.run.batch.selection import select_rows

pytestmark = pytest.mark.notebook

DATA = FIXTURES_ROOT / "batch" / "data"
GOOD_COUNTIES = [
    r.jurisdiction
    for r in select_rows(level="county", data_dir=str(DATA))
    if r.jurisdiction != "42999"
]


def _write_list(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["jurisdiction", "peers"])
        writer.writerows(rows)
    return path


@pytest.fixture()
def books(tmp_path) -> Path:
    return notebooks_dir(tmp_path)


def test_fifty_rows_with_two_broken_give_48_pages_and_2_failures(tmp_path, books):
    rows = [(g, "") for g in GOOD_COUNTIES[:47]]
    rows.insert(10, ("Atlantis County, PA", ""))  # unknown jurisdiction
    rows.insert(30, ("42999", ""))  # Hollow County: the notebook fails in a cell
    rows.append((GOOD_COUNTIES[47], "42001;Erie County, PA"))
    assert len(rows) == 50
    jobs = _write_list(tmp_path / "jobs.csv", rows)
    out = tmp_path / "site"

    done = run_batch_cli(books, "--list", str(jobs), "--out", str(out), "--workers", "2")

    assert done.returncode == 1, done.stderr
    assert len(pages(out)) == 48
    m = manifest(out)
    assert m["state"] == "finished" and m["backend"] == "threads"  # auto, 2 workers
    assert m["counts"] == {"ok": 48, "skipped": 0, "failed": 2}
    failed = {f["jurisdiction"]: f for f in m["pages"] if f["status"] == "failed"}
    assert failed["Atlantis County, PA"]["ename"] == "JurisdictionError"
    assert failed["Atlantis County, PA"]["row"] == 11
    assert failed["42999"]["cell_index"] == 4
    assert failed["42999"]["ename"] == "ValueError"
    assert "no metric values" in failed["42999"]["evalue"]
    assert all(p["seconds"] > 0 for p in m["pages"] if p["status"] == "ok")
    # The summary names both failures.
    assert "48 page(s) written" in done.stdout and "2 failed" in done.stdout
    assert "Atlantis County" in done.stdout and "Hollow County, PA (42999), cell 4" in done.stdout
    # The index lists every page with relative links and loads nothing from elsewhere.
    index = (out / "index.html").read_text()
    assert index.count('href="step2/') == 48
    assert external_references(index) == []
    assert "<script src" not in index and "http" not in index.split("<main>")[1]
    assert "Pennsylvania" in index and "Counties (" in index

    # A rerun skips the 48 pages and retries only the 2 failures.
    again = run_batch_cli(books, "--list", str(jobs), "--out", str(out), "--workers", "2")
    assert again.returncode == 1
    assert manifest(out)["counts"] == {"ok": 0, "skipped": 48, "failed": 2}


def test_force_rebuilds_and_a_notebook_change_invalidates(tmp_path, books):
    jobs = _write_list(tmp_path / "jobs.csv", [("42001", ""), ("4260000", "")])
    out = tmp_path / "site"
    first = run_batch_cli(
        books, "--list", str(jobs), "--out", str(out), "--workers", "2", "--backend", "processes"
    )
    assert first.returncode == 0, first.stderr + first.stdout
    assert manifest(out)["counts"] == {"ok": 2, "skipped": 0, "failed": 0}
    assert manifest(out)["backend"] == "processes"
    forced = run_batch_cli(
        books,
        "--list",
        str(jobs),
        "--out",
        str(out),
        "--force",
        "--backend",
        "threads",
        "--workers",
        "2",
    )
    assert forced.returncode == 0
    assert manifest(out)["counts"] == {"ok": 2, "skipped": 0, "failed": 0}
    # Editing the notebook changes every fingerprint.
    nb = books / "step2_mobility_metrics.ipynb"
    nb.write_text(nb.read_text().replace("Fixture findings page", "Fixture findings page v2"))
    changed = run_batch_cli(books, "--list", str(jobs), "--out", str(out))
    assert manifest(out)["counts"] == {"ok": 2, "skipped": 0, "failed": 0}, changed.stdout
    assert "v2" in (out / "step2" / "42001-adams-county-pa.html").read_text()


def test_kill_9_mid_batch_leaves_no_partial_page_and_rerun_completes(tmp_path, books):
    out = tmp_path / "site"
    proc = subprocess.Popen(
        batch_command(
            "--all", "--out", str(out), "--workers", "2", "--no-progress", "--backend", "processes"
        ),
        env=cli_env(books),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(pages(out)) < 6 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the batch finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    written = pages(out)
    assert 6 <= len(written) < 53
    for page in written:  # every page under its real name is complete
        assert page.read_text().rstrip().endswith("</html>"), page
    assert manifest(out)["state"] == "running"  # the killed batch never finished

    rerun = run_batch_cli(books, "--all", "--out", str(out), "--workers", "2")
    assert rerun.returncode == 1  # Hollow County still fails
    assert manifest(out)["backend"] == "threads"
    counts = manifest(out)["counts"]
    assert counts["ok"] + counts["skipped"] == 53 and counts["failed"] == 1
    assert counts["skipped"] >= len(written) - 2  # at most the in-flight pages are redone
    assert len(pages(out)) == 53
    assert not list(out.rglob(".*.part"))


@pytest.mark.parametrize("how", ["scheduler", "dask"])
def test_dask_runs_the_same_pages(tmp_path, books, monkeypatch, how):
    """--scheduler on a LocalCluster of 2 worker processes, and --dask (its own cluster)."""
    jobs = _write_list(
        tmp_path / "jobs.csv", [("42001", ""), ("42003", ""), ("17001", ""), ("1714000", "4260000")]
    )
    out = tmp_path / "site"
    args = ["--list", str(jobs), "--out", str(out), "--workers", "2", "--no-progress"]
    if how == "scheduler":
        from distributed import LocalCluster

        for key, value in cli_env(books).items():  # the workers inherit this environment
            monkeypatch.setenv(key, value)
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            done = run_batch_cli(books, *args, "--scheduler", cluster.scheduler_address)
            workers = cluster.scheduler_info["workers"]
            assert len(workers) == 2
    else:
        done = run_batch_cli(books, *args, "--dask")
    assert done.returncode == 0, done.stderr[-2000:]
    m = manifest(out)
    assert m["backend"] == "dask"
    assert m["counts"] == {"ok": 4, "skipped": 0, "failed": 0}
    assert len(pages(out)) == 4
    assert "Peers" in (out / "step2" / "1714000-chicago-city-il.html").read_text()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--state", "PA", "--list", "x.csv"], "either --list or selectors"),
        ([], "Nothing selected"),
        (["--all", "--state", "PA"], "--all means every county"),
        (["--level", "county", "--steps", "step9"], "Unknown step 'step9'"),
        (["--state", "ZZ"], "'ZZ' is not a US state"),
    ],
)
def test_unusable_input_exits_2_with_one_paragraph(tmp_path, books, args, message):
    done = run_batch_cli(books, *args, "--out", str(tmp_path / "site"))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "site" / "step2").exists()
