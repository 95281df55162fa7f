"""The batch orchestrator: skip what is current, run the rest, record, publish the index.

:func:`run_batch` is what ``mobility-nb batch`` calls once the jobs are planned. It holds
a lock on the output folder (two batches writing the same pages would race), runs the
stale pages on the chosen backend under one progress bar, keeps ``manifest.json``
current, and finally writes ``index.html``.

The folder is checked before anything runs (a usable folder, and no ``index.html`` or
``manifest.json`` of someone else's to overwrite). SIGTERM and SIGHUP stop the batch the
way Ctrl-C does (:mod:`mobility_nb.run.lifeline`): no new pages, workers and kernels
stopped, the manifest left ``"interrupted"`` with a message; a batch that cannot run at
all (an unreachable Dask scheduler) is recorded as ``"failed"``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mobility_nb.errors import (
    BatchLockedError,  # noqa: F401 (defined there)
    MobilityNBError,
)
from mobility_nb.run.batch.backends import (
    choose_backend,
    default_workers,
    run_processes,
    run_threads,
)
from mobility_nb.run.batch.manifest import Manifest
from mobility_nb.run.fingerprint import (
    data_digest,
    is_current,
    package_version,
    page_fingerprint,
)
from mobility_nb.run.jobs import Job, Outcome
from mobility_nb.run.lifeline import stop_on_termination
from mobility_nb.run.outdir import (
    check_tool_files,
    prepare_output_folder,
    remove_stale_temp_files,
    writing,
)
from mobility_nb.run.paths import out_path
from mobility_nb.run.warm_engine import WorkerSettings

LOCK_NAME = ".mobility-nb-batch.lock"


@dataclass
class BatchReport:
    """What :func:`run_batch` did; ``exit_code`` is 0 only when nothing failed."""

    manifest: Manifest
    index: Path | None

    @property
    def exit_code(self) -> int:
        return 1 if self.manifest.failures else 0


@contextlib.contextmanager
def _out_dir_lock(out_dir: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; run one batch per folder
        yield
        return
    lock = out_path(out_dir, LOCK_NAME)
    with writing("the batch lock file", lock):
        fh = open(lock, "a")  # noqa: SIM115 - held for the whole batch
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BatchLockedError(
                f"Another mobility-nb batch is writing into {out_dir}. Wait for it to finish, "
                "or choose a different --out folder."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def make_fingerprinter(
    data_roots: dict[str, Sequence[str | os.PathLike[str]]],
) -> Callable[[str, Path, dict[str, Any]], str]:
    """A function (step, notebook, params) -> fingerprint; data is hashed once per step."""
    from mobility_nb.render.recorder import file_sha256

    version = package_version()
    digests: dict[str, str] = {}

    def fingerprint(step: str, notebook: Path, params: dict[str, Any]) -> str:
        if step not in digests:
            digests[step] = data_digest(data_roots.get(step, ()))
        return page_fingerprint(file_sha256(notebook), params, digests[step], version)

    return fingerprint


def _ordered(jobs: Sequence[Job]) -> list[Job]:
    """Counties before cities and states together, so kernels touch one table at a time."""
    return sorted(jobs, key=lambda j: (j.step, j.level, j.state, j.geoid, j.stem))


def _progress(total: int, initial: int, enabled: bool | None) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="page",
        desc="pages",
        dynamic_ncols=True,
        disable=(None if enabled is None else not enabled),
        file=sys.stderr,
        smoothing=0.05,
    )


def run_batch(
    jobs: Sequence[Job],
    out_dir: str | os.PathLike[str],
    *,
    workers: int | None = None,
    force: bool = False,
    backend: str = "auto",
    scheduler: str | None = None,
    prior_failures: Sequence[Outcome] = (),
    settings: WorkerSettings | None = None,
    progress: bool | None = None,
    info: dict[str, Any] | None = None,
    write_index: bool = True,
) -> BatchReport:
    """Run every stale page of ``jobs`` into ``out_dir``; never raises for a page failure.

    Raises OutputFolderError before anything runs when the folder is unusable or holds
    an ``index.html``/``manifest.json`` mobility-nb did not write; BatchInterrupted on
    SIGTERM/SIGHUP and KeyboardInterrupt on Ctrl-C, after recording them.
    """
    out = prepare_output_folder(out_dir)
    check_tool_files(out, {"index.html": write_index, "manifest.json": True})
    workers = workers or default_workers()
    backend = "dask" if scheduler else choose_backend(backend, workers)
    settings = replace(settings, out_dir=str(out)) if settings else WorkerSettings(str(out))
    with _out_dir_lock(out), stop_on_termination():
        remove_stale_temp_files(out)
        todo: list[Job] = []
        manifest = Manifest(
            out,
            {
                "package_version": package_version(),
                "backend": backend,
                "workers": workers,
                "steps": sorted({j.step for j in jobs}),
                "force": force,
                **(info or {}),
            },
        )
        manifest.extend(prior_failures)
        for job in _ordered(jobs):
            if not force and is_current(out, job.page_path, job.fingerprint):
                manifest.add(Outcome.for_job(job, "skipped", page=job.page_path))
            else:
                todo.append(job)
        manifest.save()
        bar = _progress(len(jobs), len(jobs) - len(todo), progress)
        state, message, exc_name = "finished", "", ""
        interrupt: BaseException | None = None
        outcomes: Iterator[Outcome] = iter(())
        try:
            if not todo:
                pass
            elif backend == "dask":
                from mobility_nb.run.batch.dask_backend import run_dask

                outcomes = run_dask(todo, settings, workers, scheduler)
            elif backend == "threads":
                outcomes = run_threads(todo, settings, min(workers, len(todo)))
            else:
                outcomes = run_processes(todo, settings, min(workers, len(todo)))
            for outcome in outcomes:
                manifest.add(outcome)
                bar.update(1)
                if outcome.status == "failed":
                    bar.set_postfix(failed=len(manifest.failures), refresh=False)
        except KeyboardInterrupt as exc:
            state, exc_name = "interrupted", getattr(exc, "signal_name", "")
            interrupt = exc
            raise
        except MobilityNBError as exc:
            state, message = "failed", str(exc)
            raise
        finally:
            try:
                # Stop the backend now (queued pages dropped, workers and kernels shut
                # down), not whenever the suspended generator is collected.
                close = getattr(outcomes, "close", None)
                if close is not None:
                    close()
            finally:
                if state != "finished":  # pages that finished while the batch stopped
                    _record_finished(manifest, todo, out)
                    if state == "interrupted":
                        message = _interrupted_message(
                            exc_name, manifest, len(jobs) + len(prior_failures)
                        )
                bar.close()
                manifest.finish(state, message)
                if interrupt is not None:
                    interrupt.batch_message = f"{message} Details in {manifest.path}."  # type: ignore[attr-defined]
        index = None
        if write_index:
            from mobility_nb.run.batch.index_page import write_index as build_index

            index = build_index(out)
    return BatchReport(manifest=manifest, index=index)


def _record_finished(manifest: Manifest, todo: Sequence[Job], out: Path) -> None:
    """Record the pages that were completed but not yet reported when the batch stopped.

    Running pages are allowed to finish on Ctrl-C/SIGTERM; their files are committed, so
    the manifest counts them (N pages planned = ok + skipped + failed + not run).
    """
    recorded = {(o.step, o.page) for o in manifest.outcomes if o.page}
    recorded |= {(o.step, o.jurisdiction, o.row) for o in manifest.outcomes if o.status == "failed"}  # type: ignore[arg-type]
    for job in todo:
        if (job.step, job.page_path) in recorded:
            continue
        if is_current(out, job.page_path, job.fingerprint):
            manifest.add(Outcome.for_job(job, "ok", page=job.page_path))


def _interrupted_message(how: str, manifest: Manifest, entries: int) -> str:
    """What the manifest and the terminal say about a stopped batch (the counts add up to
    ``entries``: every planned page plus every row that could not be planned)."""
    c = manifest.counts
    not_run = max(0, entries - c["ok"] - c["skipped"] - c["failed"])
    return (
        f"Stopped by {how or 'Ctrl-C (SIGINT)'}: {c['ok']} page(s) written, {c['skipped']} "
        f"already up to date, {c['failed']} failed, {not_run} not run. Pages already written "
        "are complete; run the same command again to build the rest."
    )
