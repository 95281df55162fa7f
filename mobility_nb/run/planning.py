"""Turn a step, its parameters and a resolved place into a :class:`~mobility_nb.run.jobs.Job`.

``mobility-nb run`` and every batch row come through :func:`make_job`, so parameters are
checked against the notebook once, in one way, before any kernel starts, and a page's
title and file name are made in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mobility_nb.errors import NotebookRunError
from mobility_nb.params import notebook_parameters, validate_params
from mobility_nb.run.jobs import Job
from mobility_nb.run.paths import check_stem, default_stem
from mobility_nb.steps import STEP_TITLES, locate_notebook

Fingerprinter = Callable[[str, Path, dict[str, Any]], str]


def plan_by_file(params: Mapping[str, Any], source: str | Path) -> dict[str, Any]:
    """Parameters read from ``source`` whose inline ``plan:`` becomes ``plan_file: source``.

    A Step 8 params file usually holds its plan inline; passing the file itself lets the
    page name the plan by its file name (not "(inline plan)") and resolve the plan's
    local files against the file's folder, as when it is given as ``plan_file``.
    """
    out = dict(params)
    if isinstance(out.get("plan"), Mapping) and out["plan"] and not out.get("plan_file"):
        out.pop("plan")
        out["plan_file"] = str(Path(source).resolve())
    return out


def make_job(
    step: str,
    params: Mapping[str, Any],
    place: Any = None,
    *,
    data_dir: str | None = None,
    peers: list[str] | None = None,
    stem: str | None = None,
    subdir: str = "",
    notebook: Path | None = None,
    fingerprint: Fingerprinter | None = None,
    row: int | None = None,
) -> Job:
    """A checked job: parameters validated, jurisdiction (and peers) as codes, stem, title.

    ``place`` is the resolved jurisdiction (None only for low-level runs whose parameters
    already name it by code). Raises ParamsError for parameters the notebook does not take
    or of the wrong type.
    """
    book = Path(notebook) if notebook else locate_notebook(step)
    declared = notebook_parameters(book)
    if "artifacts_dir" not in declared:
        raise NotebookRunError(
            f"{book.name} has no artifacts_dir parameter, so its numbers and provenance "
            'cannot be collected. Add `artifacts_dir: str = ""` to its parameters cell and '
            "pass it to the page."
        )
    wanted = {k: v for k, v in params.items() if k != "artifacts_dir"}  # always ours
    if place is not None:
        wanted["jurisdiction"] = place.geoid
    if peers is not None and "peers" in declared:
        wanted["peers"] = peers
    if data_dir and "data_dir" in declared:
        wanted["data_dir"] = str(data_dir)
    checked = validate_params(wanted, book)
    geoid = str(checked.get("jurisdiction", ""))
    name = place.name if place is not None else geoid
    if stem is None:
        stem = default_stem(place) if place is not None else geoid
    check_stem(stem)
    shown = place.display_name if place is not None else geoid or stem
    return Job(
        step=step,
        geoid=geoid,
        level=getattr(place, "level", ""),
        name=name,
        state=getattr(place, "state", ""),
        state_abbr=getattr(place, "state_abbr", ""),
        notebook=str(book),
        params=checked,
        stem=stem,
        subdir=subdir,
        title=f"{STEP_TITLES.get(step, step)}: {shown}",
        fingerprint=fingerprint(step, book, checked) if fingerprint else "",
        row=row,
    )
