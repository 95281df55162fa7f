"""Run the same pages on a Dask distributed cluster (``--scheduler`` or ``--dask``).

Each Dask worker thread keeps its own warm kernel (the per-thread executor of
:mod:`mobility_nb.run.warm_engine`), started on its first page and stopped by a worker
plugin at the end of the batch (or when the worker closes). Workers write pages straight
into the output directory, so on a remote cluster ``--out`` and the data directory must
be on a file system every worker can see (as usual on HPC clusters); the scheduler only
carries small outcomes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from mobility_nb.errors import (
    DaskBackendError,  # noqa: F401 (defined there)
)
from mobility_nb.run.jobs import Job, Outcome
from mobility_nb.run.warm_engine import WorkerSettings, run_job, shutdown_all

PLUGIN_NAME = "mobility-nb-warm-kernels"


def _plugin() -> Any:
    from distributed.diagnostics.plugin import WorkerPlugin

    class WarmKernelPlugin(WorkerPlugin):
        """Stops the worker's kernels when the worker shuts down."""

        name = PLUGIN_NAME

        def teardown(self, worker: Any) -> None:
            shutdown_all()

    return WarmKernelPlugin()


def _run_on_worker(job: Job, settings: WorkerSettings) -> Outcome:
    try:
        return run_job(job, settings)
    except Exception as exc:  # noqa: BLE001 - report, never lose the page silently
        return Outcome.crashed(job, exc, f"worker error {type(exc).__name__}: {exc}")


def _refuse_unreachable(scheduler: str) -> None:
    """Fail in a second when nothing listens at a ``tcp://HOST:PORT`` scheduler address.

    Dask's own client keeps retrying a refused connection for its whole timeout.
    """
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(scheduler if "://" in scheduler else f"tcp://{scheduler}")
    if parts.scheme not in ("tcp", "") or not parts.hostname or not parts.port:
        return  # another protocol (tls, ucx, inproc): leave it to Dask
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=5).close()
    except OSError as exc:
        raise DaskBackendError(
            f"Could not connect to the Dask scheduler at {scheduler} "
            f"({exc.strerror or type(exc).__name__}). Check that the scheduler is running "
            "and reachable (dask scheduler; dask worker tcp://HOST:PORT), or drop "
            "--scheduler to run on this machine."
        ) from None


def _connect(scheduler: str | None, workers: int) -> tuple[Any, Any]:
    from distributed import Client, LocalCluster

    try:
        if scheduler:
            _refuse_unreachable(scheduler)
            return Client(scheduler, timeout="20s"), None
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            worker_dashboard_address=None,
            # each worker process dies with the batch, even on kill -9 (run/lifeline.py)
            preload=["mobility_nb.run.lifeline"],
        )
        return Client(cluster), cluster
    except (OSError, TimeoutError) as exc:
        where = f"the Dask scheduler at {scheduler}" if scheduler else "a local Dask cluster"
        raise DaskBackendError(
            f"Could not connect to {where} ({exc}). Check that the scheduler is running and "
            "reachable (dask scheduler; dask worker tcp://HOST:PORT), or drop --scheduler to "
            "run on this machine."
        ) from None


def run_dask(
    jobs: Sequence[Job], settings: WorkerSettings, workers: int, scheduler: str | None = None
) -> Iterator[Outcome]:
    """Submit every page to Dask and yield outcomes as they complete."""
    from distributed import as_completed

    client, cluster = _connect(scheduler, workers)
    try:
        client.register_plugin(_plugin(), name=PLUGIN_NAME)
        futures = {}
        for job in jobs:
            key = f"mnb-{job.step}-{job.stem}-{job.fingerprint[:12]}"
            futures[client.submit(_run_on_worker, job, settings, key=key, pure=False)] = job
        for fut in as_completed(futures):
            job = futures.pop(fut)
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker, a cancelled task
                yield Outcome.crashed(job, exc, f"Dask task failed: {exc}")
            fut.release()
    finally:
        # Stop the kernels on the workers (teardown), so a shared cluster gets its memory
        # back; a local cluster is closed altogether.
        with contextlib.suppress(Exception):
            client.unregister_worker_plugin(PLUGIN_NAME)
        client.close()
        if cluster is not None:
            cluster.close()
