"""Where pages run: worker threads or worker processes on this machine.

Both map :func:`~mobility_nb.run.warm_engine.run_job` over the jobs and yield outcomes as
they finish; every worker owns one warm kernel (its own process either way). With
``processes`` each worker process also exports its own HTML, so nbconvert work runs in
parallel instead of queueing on one interpreter lock; ``threads`` keeps one orchestrator
process. Measured on 2 cores (bench/README.md): same CPU and wall per page, threads
~340 MB lighter; the worker-side share (~0.2 core-s of ~0.9 per page) would saturate one
interpreter lock from about 4 workers. So ``auto`` picks threads up to 2 workers and
processes beyond. Dask is in :mod:`mobility_nb.run.batch.dask_backend`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool

from mobility_nb.run.jobs import Job, Outcome
from mobility_nb.run.warm_engine import WorkerSettings, run_job, shutdown_all

BACKENDS = ("auto", "processes", "threads", "dask")
THREADS_UP_TO = 2  # workers; beyond this, worker processes avoid the interpreter lock


def choose_backend(backend: str, workers: int) -> str:
    """Resolve ``auto`` for a number of workers."""
    if backend != "auto":
        return backend
    return "threads" if workers <= THREADS_UP_TO else "processes"


_POOL_RESTARTS = 2  # a worker process killed (e.g. out of memory) costs the pool; rebuild


def default_workers() -> int:
    """One worker per core the batch may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _crash_outcome(job: Job, exc: BaseException) -> Outcome:
    return Outcome.crashed(
        job,
        exc,
        f"the batch worker failed unexpectedly ({type(exc).__name__}: {exc}). "
        "Rerun the batch to retry this page; report it if it persists.",
    )


def _drain(
    pool, jobs: Sequence[Job], settings: WorkerSettings, window: int
) -> Iterator[tuple[Job, Future]]:
    """Submit jobs keeping at most ``window`` in flight; yield (job, future) as they finish.

    A bounded window keeps orchestrator memory flat for any number of pages.
    """
    pending: dict[Future, Job] = {}
    queue = iter(jobs)
    while True:
        while len(pending) < window:
            job = next(queue, None)
            if job is None:
                break
            pending[pool.submit(run_job, job, settings)] = job
        if not pending:
            return
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            yield pending.pop(fut), fut


def run_threads(jobs: Sequence[Job], settings: WorkerSettings, workers: int) -> Iterator[Outcome]:
    """N threads in this process, each driving its own kernel process."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mnb-page")
    try:
        for job, fut in _drain(pool, jobs, settings, window=workers * 2):
            exc = fut.exception()
            yield _crash_outcome(job, exc) if exc else fut.result()
    finally:
        # Also on Ctrl-C / SIGTERM / generator close: drop queued pages, finish running ones.
        pool.shutdown(wait=True, cancel_futures=True)
        shutdown_all()


def _init_worker_process(parent_pid: int) -> None:
    """Tie this worker to the batch, and stop its kernel when the pool shuts it down.

    The worker (and through it its kernel) is killed when the batch process dies, even
    by ``kill -9`` (:mod:`mobility_nb.run.lifeline`). Ctrl-C is left to the
    orchestrator, which stops handing out pages and lets the pages in progress finish,
    so no worker dies half-way through writing.
    """
    import signal
    from multiprocessing import util

    from mobility_nb.run.lifeline import die_with_parent

    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    util.Finalize(None, shutdown_all, exitpriority=10)


def run_processes(jobs: Sequence[Job], settings: WorkerSettings, workers: int) -> Iterator[Outcome]:
    """N worker processes, each with its own kernel and its own HTML exporter."""
    ctx = multiprocessing.get_context("spawn")  # never fork a process holding ZMQ sockets
    remaining = list(jobs)
    for attempt in range(_POOL_RESTARTS + 1):
        done_ids: set[int] = set()
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=_init_worker_process,
            initargs=(os.getpid(),),
        )
        try:
            for job, fut in _drain(pool, remaining, settings, window=workers * 2):
                exc = fut.exception()
                if isinstance(exc, BrokenProcessPool):
                    raise exc
                done_ids.add(id(job))
                yield _crash_outcome(job, exc) if exc else fut.result()
            return
        except BrokenProcessPool as exc:
            remaining = [j for j in remaining if id(j) not in done_ids]
            if attempt == _POOL_RESTARTS:
                for job in remaining:
                    yield _crash_outcome(job, exc)
                return
        finally:
            # Also on Ctrl-C / generator close: drop queued pages, finish running ones.
            pool.shutdown(wait=True, cancel_futures=True)
