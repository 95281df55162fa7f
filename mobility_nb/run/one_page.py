"""``run_page``: one step notebook for one jurisdiction, in a fresh kernel, published.

The convenience behind ``mobility-nb run`` (and tests): plan the job, run it on the
papermill engine, publish through the same pipeline a batch uses, and raise the package's
error with one readable paragraph when the page could not be made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mobility_nb.run.jobs import Job
from mobility_nb.run.papermill_engine import DEFAULT_TIMEOUT, PapermillEngine
from mobility_nb.run.paths import page_paths
from mobility_nb.run.pipeline import PageFiles, produce_page, raise_for_outcome
from mobility_nb.run.planning import make_job


def run_single_job(
    job: Job, out_dir: str | Path, *, kernel_name: str = "python3", timeout: int = DEFAULT_TIMEOUT
) -> PageFiles:
    """Produce a planned job's page into ``out_dir``; raises NotebookRunError on failure."""
    engine = PapermillEngine(kernel_name=kernel_name, cell_timeout=timeout)
    outcome = produce_page(job, engine, out_dir)
    raise_for_outcome(outcome)
    folder = Path(out_dir) / job.subdir if job.subdir else Path(out_dir)
    html, csv, prov = page_paths(folder, job.stem)
    return PageFiles(html, csv, prov, outcome.seconds, outcome.page_bytes or 0)


def run_page(
    step: str,
    params: dict[str, Any],
    out_dir: str | Path,
    stem: str,
    data_dir: str | None = None,
    kernel_name: str = "python3",
    *,
    place: Any = None,
    execution_timeout: int = DEFAULT_TIMEOUT,
) -> PageFiles:
    """Execute ``step``'s notebook with ``params`` and publish ``<out_dir>/<stem>.*``."""
    job = make_job(step, params, place, data_dir=data_dir, stem=stem)
    return run_single_job(job, out_dir, kernel_name=kernel_name, timeout=execution_timeout)
