"""Signals and interruptions: no process outlives a batch, the record says what happened.

The slow cases share one run: six batches start at once (the processes backend, threads,
a local Dask cluster) and each gets its signal once it has written a page; every process
each batch started is watched with psutil, so a survivor is counted as an orphan. Two of
the killed batches are then resumed, and their finished trees must be the same pages.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.batch import stable_html
from support.faults import cli_command, env_for, run_cli, watch_children

pytestmark = [pytest.mark.faults, pytest.mark.notebook]

COUNTIES = ["42001", "42003", "42005", "42007", "42009"]


@dataclass
class Interrupted:
    name: str
    args: list[str]
    sig: signal.Signals | None  # None: run to the end
    to_group: bool = False
    out: Path = Path()
    proc: subprocess.Popen | None = None
    seen: dict[int, tuple[float, str]] = field(default_factory=dict)
    sent: bool = False
    stdout: str = ""
    stderr: str = ""

    def pages(self) -> int:
        return len(list((self.out / "step2").glob("*.html"))) if self.out.exists() else 0


BATCHES = [
    Interrupted(
        "processes backend, kill -9", ["--backend", "processes", "--workers", "2"], signal.SIGKILL
    ),
    Interrupted(
        "processes backend, SIGTERM", ["--backend", "processes", "--workers", "2"], signal.SIGTERM
    ),
    Interrupted(
        "threads, Ctrl-C to the process group",
        ["--backend", "threads", "--workers", "1"],
        signal.SIGINT,
        True,
    ),
    Interrupted("threads, kill -9", ["--backend", "threads", "--workers", "1"], signal.SIGKILL),
    Interrupted("Dask local cluster, kill -9", ["--dask", "--workers", "1"], signal.SIGKILL),
    Interrupted("Dask local cluster, to the end", ["--dask", "--workers", "1"], None),
]


def _interrupt_all(slow_books, tmp_path_factory):
    root = tmp_path_factory.mktemp("signals")
    listing = root / "five.yaml"
    listing.write_text("".join(f'- "{g}"\n' for g in COUNTIES))
    short = root / "one.yaml"
    short.write_text('- "42011"\n')
    runs = [Interrupted(b.name, list(b.args), b.sig, b.to_group) for b in BATCHES]
    for n, run in enumerate(runs):
        run.out = root / f"out{n}"
        which = short if run.sig is None else listing
        run.proc = subprocess.Popen(
            cli_command(
                "batch", "--list", str(which), "--out", str(run.out), "--no-progress", *run.args
            ),
            env=env_for(slow_books),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and any(r.proc.poll() is None and not r.sent for r in runs):
        for run in runs:
            if run.sent or run.proc.poll() is not None:
                continue
            watch_children(run.proc.pid, run.seen)
            if run.sig is not None and run.pages() >= 1:
                watch_children(run.proc.pid, run.seen)
                if run.to_group:
                    os.killpg(run.proc.pid, run.sig)
                else:
                    os.kill(run.proc.pid, run.sig)
                run.sent = True
        time.sleep(0.2)
    for run in runs:
        try:
            run.stdout, run.stderr = run.proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:  # an orphan holding the pipes open
            run.proc.kill()
            run.stdout, run.stderr = "", "TIMEOUT waiting for the batch's output"
    return runs, listing, slow_books


def _manifest(out: Path) -> dict:
    try:
        return json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def test_interrupted_batches(slow_books, tmp_path_factory, faults):
    """One run of six batches (see the module docstring); the checks below share it."""
    interrupted = _interrupt_all(slow_books, tmp_path_factory)
    _no_process_outlives_an_interrupted_batch(interrupted, faults)
    _the_record_says_how_each_batch_ended(interrupted, faults)
    _resumed_batches_finish_with_identical_pages(interrupted, faults)


def _no_process_outlives_an_interrupted_batch(interrupted, faults):
    runs, _, _ = interrupted
    for run in runs:
        case = faults.case(f"batch, {run.name}", expect="carries on")
        assert run.sig is None or run.sent, f"{run.name}: never got to a first page"
        case.no_orphans(run.seen)
        case.no_partial(run.out)
        if run.sig != signal.SIGKILL:
            case.no_traceback(run.stdout, run.stderr)


def _the_record_says_how_each_batch_ended(interrupted, faults):
    runs, _, _ = interrupted
    for run in runs:
        m = _manifest(run.out)
        counts = m.get("counts", {})
        if run.sig is None:
            assert run.proc.returncode == 0, run.stderr
            assert m["state"] == "finished" and counts["ok"] == 1
        elif run.sig == signal.SIGKILL:
            assert run.proc.returncode == -9
            assert m.get("state") == "running"  # nothing could be recorded; resume repairs
        else:
            case = faults.case(f"manifest after {run.name}", expect="carries on")
            code = {signal.SIGTERM: 143, signal.SIGINT: 130}[run.sig]
            assert run.proc.returncode == code, run.stderr
            assert m["state"] == "interrupted", m.get("state")
            how = "SIGTERM" if run.sig == signal.SIGTERM else "Ctrl-C"
            assert how in m["message"] and "run the same command again" in m["message"]
            assert m["message"] in run.stderr
            case.no_traceback(run.stderr)
            # N - k: every page on disk is in the record, the rest is "not run"
            on_disk = run.pages()
            assert counts["ok"] == on_disk, (counts, on_disk)
            assert f"{len(COUNTIES) - on_disk} not run" in m["message"]


def _resumed_batches_finish_with_identical_pages(interrupted, faults):
    runs, listing, books = interrupted
    resumed = [r for r in runs if r.sig == signal.SIGKILL and "threads" in r.name]
    resumed += [r for r in runs if r.sig == signal.SIGKILL and "processes" in r.name]
    trees = []
    before = {run.name: run.pages() for run in resumed}
    procs = [  # both resumes at once
        subprocess.Popen(
            cli_command(
                "batch",
                "--list",
                str(listing),
                "--out",
                str(run.out),
                "--no-progress",
                "--workers",
                "1",
            ),
            env=env_for(books),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for run in resumed
    ]
    for run, proc in zip(resumed, procs, strict=True):
        stdout, stderr = proc.communicate(timeout=300)
        case = faults.case(f"resume after {run.name}", expect="carries on")
        case.no_traceback(stdout, stderr)
        assert proc.returncode == 0, stderr
        m = _manifest(run.out)
        assert m["state"] == "finished"
        assert m["counts"]["ok"] + m["counts"]["skipped"] == len(COUNTIES)
        # a page caught in its commit by the kill is redone
        assert m["counts"]["skipped"] >= before[run.name] - 1
        case.no_partial(run.out)
        trees.append(
            {
                p.name: stable_html(p.read_text(encoding="utf-8"))
                for p in sorted((run.out / "step2").glob("*"))
                if p.suffix in (".html", ".csv")
            }
        )
    assert trees[0] == trees[1]


def test_run_timeout_and_ctrl_c_are_clean_and_leave_no_kernel(slow_books, books, tmp_path, faults):
    case = faults.case("run --timeout 1")
    seen: dict[int, tuple[float, str]] = {}
    proc = subprocess.Popen(
        cli_command("run", "step2", "-j", "42001", "--timeout", "1", "--out", str(tmp_path / "t")),
        env=env_for(slow_books),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while proc.poll() is None:
        watch_children(proc.pid, seen)
        time.sleep(0.2)
    out, err = proc.communicate()
    case.cli_error(proc.returncode, out, err, names=["1-second limit", "--timeout"])
    case.no_orphans(seen)
    case.no_partial(tmp_path / "t")

    case = faults.case("Ctrl-C during run")
    proc = subprocess.Popen(
        cli_command("run", "step2", "-j", "42001", "--out", str(tmp_path / "c")),
        env=env_for(slow_books),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    seen = {}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        watch_children(proc.pid, seen)
        if any("ipykernel" in cmd for _, cmd in seen.values()):
            time.sleep(2.0)  # the kernel is running the notebook's cells
            watch_children(proc.pid, seen)
            os.killpg(proc.pid, signal.SIGINT)
            break
        time.sleep(0.2)
    out, err = proc.communicate(timeout=120)
    case.cli_error(proc.returncode, out, err, names=["interrupted"], code=130)
    case.no_orphans(seen)
    case.no_partial(tmp_path / "c")
    assert not list((tmp_path / "c").glob("*.html"))

    case = faults.case("a successful run prints no kernel noise", expect="carries on")
    result = run_cli(books, "run", "step2", "-j", "42013", "--out", str(tmp_path / "ok"))
    assert result.returncode == 0, result.stderr
    case.no_traceback(result.stdout, result.stderr)
    assert "KeyboardInterrupt" not in result.stderr


def test_an_unreachable_scheduler_is_recorded_as_a_failure(
    tmp_path, books, capsys, faults, monkeypatch
):
    from support.batch import DATA

    from mobility_nb.cli.app import main

    monkeypatch.setenv("MOBILITY_NB_NOTEBOOKS", str(books))
    (tmp_path / "l.yaml").write_text('- "42001"\n')
    out = tmp_path / "out"
    case = faults.case("--scheduler tcp://127.0.0.1:1")
    rc = main(
        [
            "batch",
            "--list",
            str(tmp_path / "l.yaml"),
            "--out",
            str(out),
            "--scheduler",
            "tcp://127.0.0.1:1",
            "--data-dir",
            str(DATA),
            "--no-progress",
        ]
    )
    captured = capsys.readouterr()
    case.cli_error(
        rc, captured.out, captured.err, names=["tcp://127.0.0.1:1", "Connection refused"]
    )
    m = _manifest(out)
    assert m["state"] == "failed" and "tcp://127.0.0.1:1" in m["message"]
