"""Run page after page in one warm kernel and publish each exactly like ``mobility-nb run``.

Per page: papermill's own :func:`~papermill.parameterize.parameterize_notebook` injects the
parameters cell, nbclient executes the cells against the worker's live kernel (passing
``km=`` alone would make nbclient open new ZMQ channels for every page, so the worker's
client is handed over too), and the single-page runner's :func:`publish_page` exports and
writes the page. The kernel is reset before every page; a dead or hung kernel is replaced
and the page retried once.
"""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from mobility_nb.errors import MobilityNBError
from mobility_nb.params import redact_secrets
from mobility_nb.run.batch.fingerprint import code_digest, code_files, write_sidecar
from mobility_nb.run.batch.jobs import Job, Outcome
from mobility_nb.run.batch.kernel_pool import (
    KERNEL_NAME,
    KernelStartError,
    KernelTrouble,
    WarmKernel,
)
from mobility_nb.run.single import (
    CellFailure,
    failure_message,
    find_failure,
    publish_page,
    save_failed_notebook,
)

DEFAULT_CELL_TIMEOUT = 600  # seconds, as for single pages
DEFAULT_MAX_KERNEL_MB = 1024  # replace a kernel that grew past this (Step 2 uses ~450)
# Kernel trouble that says nothing about the page itself: restart and try once more.
_KERNEL_TROUBLE = (DeadKernelError, CellTimeoutError, KernelTrouble, TimeoutError)


@dataclass(frozen=True)
class WorkerSettings:
    """How workers run pages; identical for every worker of a batch."""

    out_dir: str
    kernel_name: str = KERNEL_NAME
    cell_timeout: int = DEFAULT_CELL_TIMEOUT
    max_kernel_mb: int = DEFAULT_MAX_KERNEL_MB
    save_failed: bool = True


class PageExecutor:
    """One worker: a warm kernel plus the parsed step notebooks it has seen."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self.kernel = WarmKernel(kernel_name=settings.kernel_name)
        self._templates: dict[tuple[str, int], NotebookNode] = {}
        self._client: NotebookClient | None = None
        self._client_start = -1
        self.pages = 0
        self.timings: dict[str, float] = {
            "inject": 0.0,
            "execute": 0.0,
            "publish": 0.0,
            "reset": 0.0,
        }

    # -- notebook preparation ---------------------------------------------------------
    def _template(self, path: str) -> NotebookNode:
        from papermill.iorw import load_notebook_node

        key = (path, os.stat(path).st_mtime_ns)
        nb = self._templates.get(key)
        if nb is None:
            nb = self._templates[key] = load_notebook_node(path)
        return nb

    def prepare(self, job: Job, artifacts_dir: str) -> NotebookNode:
        """The step notebook with papermill's injected-parameters cell for ``job``."""
        from papermill.parameterize import parameterize_notebook

        params = dict(job.params)
        params["artifacts_dir"] = artifacts_dir
        return parameterize_notebook(
            copy.deepcopy(self._template(job.notebook)),
            params,
            kernel_name=self.settings.kernel_name,
            language="python",
        )

    # -- execution --------------------------------------------------------------------
    def _notebook_client(self, nb: NotebookNode) -> NotebookClient:
        if self._client is None or self._client_start != self.kernel.starts:
            self._client = NotebookClient(
                nb,
                km=self.kernel.km,
                timeout=self.settings.cell_timeout,
                kernel_name=self.settings.kernel_name,
                allow_errors=False,
                interrupt_on_timeout=False,
                record_timing=False,
            )
            self._client.kc = self.kernel.kc  # reuse the worker's channels
            self._client_start = self.kernel.starts
        client = self._client
        client.nb = nb
        client.reset_execution_trackers()
        return client

    async def _run_cells(self, client: NotebookClient, nb: NotebookNode) -> None:
        for index, cell in enumerate(nb.cells):
            try:
                await client.async_execute_cell(
                    cell, index, execution_count=client.code_cells_executed + 1
                )
            except CellExecutionError:
                return  # the error output is in the cell; find_failure() reads it

    def execute(self, nb: NotebookNode, cwd: str) -> None:
        """Execute ``nb`` in the warm kernel, starting from a clean state."""
        self.kernel.start()
        t = time.perf_counter()
        self.kernel.reset(cwd=cwd)  # also on a fresh kernel: sets the page's cwd
        self.timings["reset"] += time.perf_counter() - t
        self.kernel.pages_since_start += 1
        client = self._notebook_client(nb)
        t = time.perf_counter()
        self.kernel.run(self._run_cells(client, nb))
        self.timings["execute"] += time.perf_counter() - t

    def _recycle_if_large(self) -> None:
        """Replace the kernel when a page left it using too much memory."""
        pid = self.kernel.pid
        if pid is None or not self.settings.max_kernel_mb:
            return
        try:
            import psutil

            rss = psutil.Process(pid).memory_info().rss
        except Exception:  # noqa: BLE001 - no psutil or the process is gone: nothing to do
            return
        if rss > self.settings.max_kernel_mb * 2**20:
            self.kernel.restart()

    # -- one page ---------------------------------------------------------------------
    def run(self, job: Job) -> Outcome:
        """Produce ``job``'s page; never raises for a page problem (it is in the Outcome)."""
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="mnb-batch-") as work:
            artifacts = Path(work)
            executed = self._execute_with_retry(job, artifacts, started)
            if isinstance(executed, Outcome):
                return executed
            nb, attempts = executed
            self.pages += 1
            failure = find_failure(nb)
            if failure is not None:
                return self._cell_failed(job, nb, failure, started, attempts)
            try:
                files = code_files(self.kernel.package_files())
            except KernelTrouble:
                files = []  # the page is fine; without a code record it is redone next time
            try:
                t = time.perf_counter()
                publish_page(
                    nb,
                    artifacts,
                    Path(self.settings.out_dir) / job.subdir,
                    job.stem,
                    notebook=Path(job.notebook).name,
                    default_title=job.title,
                )
                self.timings["publish"] += time.perf_counter() - t
            except MobilityNBError as exc:
                return self._failed(
                    job,
                    started,
                    attempts,
                    type(exc).__name__,
                    getattr(exc, "evalue", "") or str(exc),
                    message=str(exc),
                )
        seconds = round(time.perf_counter() - started, 3)
        write_sidecar(
            Path(self.settings.out_dir),
            job.page_path,
            {
                "fingerprint": job.fingerprint,
                "step": job.step,
                "jurisdiction": job.geoid,
                "name": job.name,
                "state": job.state_abbr,
                "state_fips": job.state,
                "level": job.level,
                "title": job.title,
                "seconds": seconds,
                "code_files": files,
                "code_digest": code_digest(files),
                "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
        )
        self._recycle_if_large()
        return Outcome.for_job(job, "ok", seconds=seconds, page=job.page_path, attempts=attempts)

    def _execute_with_retry(
        self, job: Job, artifacts: Path, started: float
    ) -> tuple[NotebookNode, int] | Outcome:
        """Execute the page, restarting the kernel and retrying once on kernel trouble."""
        cwd = str(Path(job.notebook).parent)
        for attempt in (1, 2):
            for stale in artifacts.iterdir():  # a retry must not see the first try's files
                stale.unlink()
            try:
                t = time.perf_counter()
                nb = self.prepare(job, str(artifacts))
                self.timings["inject"] += time.perf_counter() - t
                self.execute(nb, cwd)
                return nb, attempt
            except KernelStartError as exc:
                return self._failed(
                    job, started, attempt, "KernelStartError", str(exc), message=str(exc)
                )
            except _KERNEL_TROUBLE as exc:
                trouble = exc
                try:
                    self.kernel.restart()
                except KernelStartError as start_exc:
                    return self._failed(
                        job,
                        started,
                        attempt,
                        "KernelStartError",
                        str(start_exc),
                        message=str(start_exc),
                    )
        detail = redact_secrets(str(trouble)).strip() or type(trouble).__name__
        message = (
            f"{Path(job.notebook).name} stopped twice for {job.label} "
            f"({type(trouble).__name__}: {detail}). The kernel died or a cell ran longer than "
            f"{self.settings.cell_timeout} s; the kernel was restarted and the page retried "
            "once. Check memory use, or allow more time with --timeout."
        )
        return self._failed(job, started, 2, type(trouble).__name__, detail, message=message)

    def _cell_failed(
        self, job: Job, nb: NotebookNode, failure: CellFailure, started: float, attempts: int
    ) -> Outcome:
        saved = None
        what = f"{job.name}, {job.state_abbr} ({job.geoid})"
        if self.settings.save_failed:
            with contextlib.suppress(Exception):
                saved = save_failed_notebook(nb, Path(self.settings.out_dir) / job.subdir, job.stem)
        message = failure_message(failure, Path(job.notebook).name, what, saved)
        return Outcome.for_job(
            job,
            "failed",
            seconds=round(time.perf_counter() - started, 3),
            cell_index=failure.cell_index,
            ename=failure.ename,
            evalue=redact_secrets(failure.evalue)[:600],
            message=message,
            attempts=attempts,
        )

    def _failed(
        self, job: Job, started: float, attempts: int, ename: str, evalue: str, message: str = ""
    ) -> Outcome:
        evalue = redact_secrets(evalue)[:600]
        return Outcome.for_job(
            job,
            "failed",
            seconds=round(time.perf_counter() - started, 3),
            ename=ename,
            evalue=evalue,
            message=redact_secrets(message) or f"{job.label}: {ename}: {evalue}",
            attempts=attempts,
        )

    def shutdown(self) -> None:
        self.kernel.shutdown()


# -- one executor per worker thread (threads, processes and Dask workers alike) ------------
_local = threading.local()
_all: list[PageExecutor] = []
_all_lock = threading.Lock()


def executor_for(settings: WorkerSettings) -> PageExecutor:
    """This thread's executor, created (and its kernel started) on first use."""
    ex: PageExecutor | None = getattr(_local, "executor", None)
    if ex is None or ex.settings != settings:
        if ex is not None:
            ex.shutdown()
        ex = _local.executor = PageExecutor(settings)
        with _all_lock:
            _all.append(ex)
    return ex


def run_job(job: Job, settings: WorkerSettings) -> Outcome:
    """Run one page on this thread's warm kernel (the function every backend maps)."""
    return executor_for(settings).run(job)


def shutdown_all() -> None:
    """Stop every kernel this process started (end of batch, worker exit)."""
    with _all_lock:
        executors, _all[:] = list(_all), []
    for ex in executors:
        with contextlib.suppress(Exception):
            ex.shutdown()
    _local.__dict__.clear()


def executor_stats() -> dict[str, Any]:
    """Summed per-phase seconds of this process's executors (for profiling)."""
    totals: dict[str, Any] = {"pages": 0, "kernel_starts": 0}
    with _all_lock:
        for ex in _all:
            totals["pages"] += ex.pages
            totals["kernel_starts"] += ex.kernel.starts
            for k, v in ex.timings.items():
                totals[k] = totals.get(k, 0.0) + v
    return totals
