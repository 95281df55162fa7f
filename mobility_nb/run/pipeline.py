"""One way to produce a page, whichever engine runs the notebook.

:func:`produce_page` takes a planned :class:`~mobility_nb.run.jobs.Job` and an engine
(papermill's cold kernel for ``mobility-nb run``, a warm kernel per worker for batches),
executes the notebook, and then either publishes the page and records its fingerprint or
saves the failed notebook and describes the failure. It never raises for a page problem:
the :class:`~mobility_nb.run.jobs.Outcome` says what happened, in words a user can act on.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from nbformat import NotebookNode

from mobility_nb.errors import EngineStoppedError, MobilityNBError, NotebookRunError
from mobility_nb.params import redact_secrets
from mobility_nb.run.fingerprint import package_digest, params_digest, write_sidecar
from mobility_nb.run.jobs import Job, Outcome
from mobility_nb.run.publish import (
    failure_message,
    find_failure,
    publish_page,
    save_failed_notebook,
)


class Engine(Protocol):
    """Executes a job's notebook and returns it with its outputs (errors included)."""

    def execute(self, job: Job, artifacts: Path) -> tuple[NotebookNode, int]:
        """The executed notebook and the number of attempts; EngineStoppedError when the
        notebook could not run to the end (timeout, dead kernel)."""
        ...


@dataclass(frozen=True)
class PageFiles:
    """Where a published page went and what it cost."""

    html: Path
    csv: Path
    provenance: Path
    seconds: float
    page_bytes: int


def produce_page(
    job: Job, engine: Engine, out_dir: str | Path, *, save_failed: bool = True
) -> Outcome:
    """Run ``job`` on ``engine`` and publish ``<out_dir>/<job.page_path>`` (and its files)."""
    out = Path(out_dir)
    folder = out / job.subdir if job.subdir else out
    started = time.perf_counter()
    notebook = Path(job.notebook).name

    def elapsed() -> float:
        return round(time.perf_counter() - started, 3)

    with tempfile.TemporaryDirectory(prefix="mnb-page-") as work:
        artifacts = Path(work)
        try:
            nb, attempts = engine.execute(job, artifacts)
        except EngineStoppedError as exc:
            saved = None
            if save_failed and exc.notebook is not None:
                with contextlib.suppress(Exception):
                    saved = save_failed_notebook(exc.notebook, folder, job.stem)
            where = f" The partial notebook is saved at {saved}." if saved else ""
            return Outcome.for_job(
                job,
                "failed",
                seconds=elapsed(),
                ename=exc.ename,
                evalue=redact_secrets(exc.evalue),
                message=redact_secrets(str(exc)) + where,
                attempts=exc.attempts,
            )
        failure = find_failure(nb)
        if failure is not None:
            saved = None
            if save_failed:
                with contextlib.suppress(Exception):
                    saved = save_failed_notebook(nb, folder, job.stem)
            return Outcome.for_job(
                job,
                "failed",
                seconds=elapsed(),
                cell_index=failure.cell_index,
                ename=failure.ename,
                evalue=redact_secrets(failure.evalue),
                message=failure_message(failure, notebook, job.what, saved),
                attempts=attempts,
            )
        try:
            html, _, _, size = publish_page(
                nb, artifacts, folder, job.stem, notebook=notebook, default_title=job.title
            )
        except MobilityNBError as exc:
            return Outcome.for_job(
                job,
                "failed",
                seconds=elapsed(),
                ename=type(exc).__name__,
                evalue=redact_secrets(getattr(exc, "evalue", "") or str(exc)),
                message=redact_secrets(str(exc)),
                attempts=attempts,
            )
    seconds = elapsed()
    write_sidecar(out, job.page_path, _record(job, seconds))
    return Outcome.for_job(
        job, "ok", seconds=seconds, page=job.page_path, attempts=attempts, page_bytes=size
    )


def _record(job: Job, seconds: float) -> dict[str, Any]:
    """What the fingerprint file says about a finished page (read by resume and the index)."""
    return {
        "fingerprint": job.fingerprint,
        "params_digest": params_digest(job.params),
        "step": job.step,
        "jurisdiction": job.geoid,
        "name": job.name,
        "state": job.state_abbr,
        "state_fips": job.state,
        "level": job.level,
        "title": job.title,
        "seconds": seconds,
        "code_digest": package_digest(),
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def raise_for_outcome(outcome: Outcome) -> None:
    """Turn a failed outcome into the package's error (for single-page runs)."""
    if outcome.status == "failed":
        raise NotebookRunError(
            outcome.message or f"{outcome.ename}: {outcome.evalue}",
            cell_index=outcome.cell_index,
            ename=outcome.ename,
            evalue=outcome.evalue,
        )
