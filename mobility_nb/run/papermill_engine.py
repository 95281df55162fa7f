"""The cold engine: papermill runs one notebook in a fresh kernel (``mobility-nb run``).

This is papermill's ordinary path, the one an analyst would use by hand: parameters are
injected after the ``parameters`` cell, every cell runs in a new kernel, and the executed
notebook comes back with its outputs. A cell error is not an exception here (the pipeline
reads it from the outputs); a run that cannot reach the end raises EngineStoppedError.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from mobility_nb.errors import EngineStoppedError, ParamsError
from mobility_nb.params import redact_secrets
from mobility_nb.run.jobs import Job
from mobility_nb.run.kernel_manager import QuietShutdownKernelManager

DEFAULT_TIMEOUT = 600  # seconds per cell
# papermill hands nbclient its "papermill" logger; without a handler Python prints its
# errors ("Timeout waiting for execute reply (1s).") on stderr before our own message.
# Applications that configure logging still receive them through the root logger.
logging.getLogger("papermill").addHandler(logging.NullHandler())


class PapermillEngine:
    """Runs each job in its own new kernel."""

    def __init__(self, kernel_name: str = "python3", cell_timeout: int = DEFAULT_TIMEOUT):
        self.kernel_name = kernel_name
        self.cell_timeout = cell_timeout

    def execute(self, job: Job, artifacts: Path) -> tuple[NotebookNode, int]:
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

        params = {**job.params, "artifacts_dir": str(artifacts)}
        with tempfile.TemporaryDirectory(prefix="mnb-run-") as work:
            executed = Path(work) / "executed.ipynb"
            try:
                nb = pm.execute_notebook(
                    job.notebook,
                    str(executed),
                    parameters=params,
                    kernel_name=self.kernel_name,
                    progress_bar=False,
                    request_save_on_cell_execute=False,
                    execution_timeout=self.cell_timeout,
                    # ipykernel >= 7 warns on stderr about unencrypted local TCP on every start
                    extra_arguments=["--IPKernelApp.log_level=ERROR"],
                    kernel_manager_class=QuietShutdownKernelManager,
                    # Every output is collected by now; a polite shutdown only gives the
                    # kernel's threads a race to lose in public (ipykernel's IOPub thread
                    # closing under a last status message prints a ZMQError traceback).
                    # The warm engine stops its kernels the same way.
                    shutdown_kernel="immediate",
                )
            except PapermillExecutionError:
                return _without_error_banners(nbformat.read(executed, as_version=4)), 1
            except (KeyboardInterrupt, ParamsError):
                raise
            except Exception as exc:  # kernel died, timed out, could not start
                partial = nbformat.read(executed, as_version=4) if executed.exists() else None
                raise self._stopped(exc, job, partial) from None
        return nb, 1

    def _stopped(
        self, exc: Exception, job: Job, partial: NotebookNode | None
    ) -> EngineStoppedError:
        kind = type(exc).__name__
        first = redact_secrets(str(exc)).strip().splitlines()
        detail = first[0].rstrip(".") if first else kind
        if kind == "CellTimeoutError" or "timed out" in detail.lower():
            why = (
                f"a cell ran longer than the {self.cell_timeout}-second limit. Allow more time "
                "with --timeout, or check that the data directory is on a fast local disk"
            )
        elif "kernel" in f"{kind} {detail}".lower():
            why = (
                f"the Jupyter kernel {self.kernel_name!r} failed ({kind}: {detail}). Check "
                "that it is installed (python -m ipykernel install --user) and that memory "
                "is not exhausted"
            )
        else:
            why = f"{kind}: {detail}"
        return EngineStoppedError(
            f"Running {Path(job.notebook).name} for {job.what} stopped: {why}.",
            ename=kind,
            evalue=detail,
            notebook=partial,
        )


def _without_error_banners(nb: NotebookNode) -> NotebookNode:
    """Drop the red banner cells papermill adds on an error; the error stays in its cell.

    Without them the notebook matches what the warm engine returns, so a failure names
    the same cell whichever engine ran it.
    """
    nb.cells = [
        c
        for c in nb.cells
        if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])
    ]
    return nb
