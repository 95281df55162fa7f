"""A batch owns its child processes: none outlives it, however the batch ends.

A batch starts worker processes (``processes`` backend, Dask's local cluster), and every
worker starts a Jupyter kernel. ``kill -9`` of the batch gives it no chance to stop them,
and a process whose parent dies simply carries on (worker processes even finish the
pages already queued to them). So every child asks the kernel to kill it when its
parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``, through ctypes), and checks right after
that its parent is still the one that started it, closing the race of a parent that
died in between. The chain batch -> worker -> kernel then unwinds from any end.

SIGTERM and SIGHUP (a service manager, a closed terminal) are turned into
:class:`~mobility_nb.errors.BatchInterrupted`, a KeyboardInterrupt, so the batch stops
exactly as on Ctrl-C: no new pages, workers and kernels shut down, the manifest
recorded as interrupted.

The module is also a Dask preload (``dask_setup``), so Dask's worker processes of a
local cluster follow the same rule.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

from mobility_nb.errors import BatchInterrupted

PR_SET_PDEATHSIG = 1
_TERMINATING = (signal.SIGTERM, signal.SIGHUP) if hasattr(signal, "SIGHUP") else (signal.SIGTERM,)


def die_with_parent(parent_pid: int | None = None, sig: int = signal.SIGKILL) -> bool:
    """Have this process killed with ``sig`` when its parent dies; False where unsupported.

    With ``parent_pid``, exits at once when the parent is already gone (re-parented).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the request took effect
    return True


def kernel_startup_code() -> str:
    """Code a new kernel runs first: die with the worker that started it."""
    return f"__import__('mobility_nb.run.lifeline', fromlist=['_']).die_with_parent({os.getpid()})"


def dask_setup(worker: Any = None) -> None:
    """Dask preload hook: a local cluster's worker process dies with the batch."""
    die_with_parent()


@contextlib.contextmanager
def stop_on_termination() -> Iterator[None]:
    """Within the block, SIGTERM/SIGHUP raise BatchInterrupted once (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        if raised.is_set():
            return  # already stopping; let the cleanup finish
        raised.set()
        raise BatchInterrupted(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in _TERMINATING}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
