"""The warm engine: page after page in one long-lived kernel per worker (batches).

Per page: papermill's own :func:`~papermill.parameterize.parameterize_notebook` injects the
parameters cell, nbclient executes the cells against the worker's live kernel (passing
``km=`` alone would make nbclient open new ZMQ channels for every page, so the worker's
client is handed over too), and :func:`mobility_nb.run.pipeline.produce_page` publishes
the page exactly as for ``mobility-nb run``. The kernel is reset before every page; a dead
or hung kernel is replaced and the page retried once.
"""

from __future__ import annotations

import contextlib
import copy
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from mobility_nb.errors import EngineStoppedError
from mobility_nb.params import redact_secrets
from mobility_nb.run.jobs import Job, Outcome
from mobility_nb.run.pipeline import produce_page
from mobility_nb.run.warm_kernel import (
    KERNEL_NAME,
    KernelStartError,
    KernelTrouble,
    WarmKernel,
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


class WarmKernelEngine:
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

    def _execute(self, nb: NotebookNode, cwd: str) -> None:
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
        outcome = produce_page(
            job, self, Path(self.settings.out_dir), save_failed=self.settings.save_failed
        )
        if outcome.status == "ok":
            self.pages += 1
            self._recycle_if_large()
        return outcome

    def execute(self, job: Job, artifacts: Path) -> tuple[NotebookNode, int]:
        """Execute the page, restarting the kernel and retrying once on kernel trouble."""
        cwd = str(Path(job.notebook).parent)
        for attempt in (1, 2):
            for stale in artifacts.iterdir():  # a retry must not see the first try's files
                stale.unlink()
            try:
                t = time.perf_counter()
                nb = self.prepare(job, str(artifacts))
                self.timings["inject"] += time.perf_counter() - t
                self._execute(nb, cwd)
                return nb, attempt
            except KernelStartError as exc:
                raise EngineStoppedError(
                    str(exc), ename="KernelStartError", evalue=str(exc), attempts=attempt
                ) from None
            except _KERNEL_TROUBLE as exc:
                trouble = exc
                try:
                    self.kernel.restart()
                except KernelStartError as start_exc:
                    raise EngineStoppedError(
                        str(start_exc),
                        ename="KernelStartError",
                        evalue=str(start_exc),
                        attempts=attempt,
                    ) from None
        detail = redact_secrets(str(trouble)).strip() or type(trouble).__name__
        raise EngineStoppedError(
            f"{Path(job.notebook).name} stopped twice for {job.label} "
            f"({type(trouble).__name__}: {detail}). The kernel died or a cell ran longer than "
            f"{self.settings.cell_timeout} s; the kernel was restarted and the page retried "
            "once. Check memory use, or allow more time with --timeout.",
            ename=type(trouble).__name__,
            evalue=detail,
            attempts=2,
        )

    def shutdown(self) -> None:
        self.kernel.shutdown()


# -- one executor per worker thread (threads, processes and Dask workers alike) ------------
_local = threading.local()
_all: list[WarmKernelEngine] = []
_all_lock = threading.Lock()


def executor_for(settings: WorkerSettings) -> WarmKernelEngine:
    """This thread's executor, created (and its kernel started) on first use."""
    ex: WarmKernelEngine | None = getattr(_local, "executor", None)
    if ex is None or ex.settings != settings:
        if ex is not None:
            ex.shutdown()
        ex = _local.executor = WarmKernelEngine(settings)
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
