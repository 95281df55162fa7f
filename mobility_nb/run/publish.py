"""Turn an executed step notebook into a published page, or into a readable failure.

A page is three files in the output directory: ``<stem>.html`` (offline, code hidden),
``<stem>.csv`` (every number shown) and ``<stem>.provenance.json``, plus any files the
notebook exported (Step 8's plan) and, for pipeline runs, the ``<stem>.fingerprint``
record. They appear only when the run succeeded, all together or not at all
(:mod:`mobility_nb.run.pageset`). A failed run writes no page files; the executed
notebook is kept under ``_failed/`` for debugging and the failure becomes one readable
paragraph. Every path is named through :func:`mobility_nb.run.paths.out_path`.

Both engines (:mod:`~mobility_nb.run.papermill_engine` for single pages,
:mod:`~mobility_nb.run.warm_engine` for batches) end here, through
:func:`mobility_nb.run.pipeline.produce_page`, so a page and its errors do not depend on
how it was run.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from mobility_nb.atomic import write_atomic
from mobility_nb.errors import NotebookRunError
from mobility_nb.params import (
    redact_secrets,
    secret_values,
)
from mobility_nb.render.notebook_html import external_references, notebook_to_html
from mobility_nb.render.page_links import page_links
from mobility_nb.render.recorder import NUMBERS_FILE, PROVENANCE_FILE
from mobility_nb.run.fingerprint import SIDE_SUFFIX, sidecar_text
from mobility_nb.run.jobs import shorten
from mobility_nb.run.outdir import writing
from mobility_nb.run.pageset import commit_files, file_record
from mobility_nb.run.paths import FAILED_DIR, check_stem, is_plain_name, out_path


@dataclass(frozen=True)
class CellFailure:
    """The first error in an executed notebook."""

    cell_index: int
    exec_count: int | None
    ename: str
    evalue: str
    source: str
    traceback: tuple[str, ...] = ()


# --- publishing ----------------------------------------------------------------------------


def read_artifacts(artifacts_dir: Path, notebook: str) -> tuple[str, dict[str, Any]]:
    """The numbers CSV text and provenance dict a notebook's PageRecorder wrote."""
    numbers = Path(artifacts_dir) / NUMBERS_FILE
    prov = Path(artifacts_dir) / PROVENANCE_FILE
    if not numbers.is_file() or not prov.is_file():
        raise NotebookRunError(
            f"{notebook} ran without errors but did not write its numbers and provenance. "
            "The notebook must create a PageRecorder with the artifacts_dir parameter and end "
            "with page.finish()."
        )
    return numbers.read_text(encoding="utf-8"), json.loads(prov.read_text(encoding="utf-8"))


def extra_artifacts(artifacts_dir: Path) -> dict[str, bytes]:
    """Files a notebook wrote besides its numbers and provenance, published as ``<stem>.<name>``."""
    folder = Path(artifacts_dir)
    return {
        f.name: f.read_bytes()
        for f in sorted(folder.iterdir())
        if f.is_file() and f.name not in (NUMBERS_FILE, PROVENANCE_FILE) and is_plain_name(f.name)
    }


def publish_page(
    nb: NotebookNode,
    artifacts_dir: Path,
    out_dir: Path,
    stem: str,
    title: str | None = None,
    notebook: str = "",
    default_title: str | None = None,
    *,
    subdir: str = "",
    record: dict[str, Any] | None = None,
) -> tuple[Path, Path, Path, int]:
    """Export an executed notebook and commit its page files together.

    The files go to ``out_dir/subdir/<stem>.*``; with ``record`` the page's fingerprint
    record (listing each file's size and checksum) is committed with them, the HTML last. The
    title is ``title``, else the one the notebook's PageRecorder set, else
    ``default_title``. Returns the HTML, CSV and provenance paths and the page size in
    bytes. Nothing is written if the page would load a remote resource or contain a secret.
    """
    check_stem(stem)
    prefix = f"{subdir}/{stem}" if subdir else stem
    numbers, prov = read_artifacts(artifacts_dir, notebook or "The notebook")
    page_title = title or prov.get("title") or default_title or stem
    prov["title"] = page_title
    if notebook:
        prov["notebook"] = notebook
    extras = extra_artifacts(artifacts_dir)
    folder = Path(out_dir) / subdir if subdir else Path(out_dir)
    links = page_links(folder, stem, str(prov.get("step", "")), extras)
    page = notebook_to_html(nb, page_title, links=links)
    remote = external_references(page)
    if remote:
        raise NotebookRunError(
            f"The page for {stem} would load {remote[0]} from another host, so it would not "
            "work offline. Embed the resource instead (charts via mobility_nb.render.figures)."
        )
    prov_text = json.dumps(prov, indent=2, ensure_ascii=False, default=str) + "\n"
    for secret in secret_values():
        if secret in page or secret in numbers or secret in prov_text:
            raise NotebookRunError(
                f"The page for {stem} would contain the value of a secret environment "
                "variable, so nothing was published. Secrets must never be shown on a page; "
                "check what the notebook prints."
            )
    page_bytes = page.encode("utf-8")
    for name, data in extras.items():
        if any(secret.encode() in data for secret in secret_values()):
            raise NotebookRunError(
                f"The file {name} for {stem} would contain the value of a secret environment "
                "variable, so nothing was published."
            )
    # Committed in this order: provenance, numbers, extras, the fingerprint record, and the
    # HTML last, so a page a reader (or a watcher) can see already has every file beside it.
    files: dict[str, bytes] = {
        f"{prefix}.provenance.json": prov_text.encode("utf-8"),
        f"{prefix}.csv": numbers.encode("utf-8"),
    }
    for name, data in extras.items():  # e.g. Step 8's plan.csv / plan.xlsx
        files[f"{prefix}.{name}"] = data
    html = f"{prefix}.html"
    if record is not None:
        listed = {rel.rsplit("/", 1)[-1]: file_record(data) for rel, data in files.items()}
        listed[html.rsplit("/", 1)[-1]] = file_record(page_bytes)
        files[f"{prefix}{SIDE_SUFFIX}"] = sidecar_text(record, listed).encode("utf-8")
    files[html] = page_bytes
    commit_files(out_dir, files, stem=stem, what=stem)
    with contextlib.suppress(OSError):  # a stale failure of this page no longer applies
        failed = out_path(out_dir, f"{subdir}/{FAILED_DIR}" if subdir else FAILED_DIR)
        (failed / f"{stem}.ipynb").unlink()
        failed.rmdir()  # only when empty
    return (
        out_path(out_dir, f"{prefix}.html"),
        out_path(out_dir, f"{prefix}.csv"),
        out_path(out_dir, f"{prefix}.provenance.json"),
        len(page_bytes),
    )


# --- failures ------------------------------------------------------------------------------


def find_failure(nb: NotebookNode) -> CellFailure | None:
    """The first cell error in an executed notebook (a clean ``SystemExit`` is not one)."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output.get("ename") == "SystemExit" and output.get("evalue") in ("", "0"):
                continue
            return CellFailure(
                cell_index=index,
                exec_count=cell.get("execution_count"),
                ename=output.get("ename", ""),
                evalue=output.get("evalue", ""),
                source=cell.get("source", ""),
                traceback=tuple(output.get("traceback", [])),
            )
    return None


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def is_package_error(ename: str) -> bool:
    """True when a notebook's exception is one of ours (a MobilityNBError), by class name.

    The kernel reports only the class name; every error the package raises on purpose is
    defined in :mod:`mobility_nb.errors`, so the names known in this process are complete.
    """
    from mobility_nb import errors

    def names(cls: type) -> set[str]:
        found = {cls.__name__}
        for sub in cls.__subclasses__():
            found |= names(sub)
        return found

    return ename in names(errors.MobilityNBError)


def _first_line(source: str) -> str:
    lines = [ln.strip() for ln in source.splitlines() if ln.strip() and not ln.startswith("#")]
    line = lines[0] if lines else ""
    return line if len(line) <= 70 else line[:67] + "..."


def failure_message(
    failure: CellFailure, notebook: str, what: str, failed_path: Path | None
) -> str:
    """For people: our own errors verbatim and whole (every problem of a list, one line
    each), anything else as a bug report with its message shortened."""
    evalue = redact_secrets(_ANSI.sub("", failure.evalue)).strip()
    saved = f" The failed notebook is saved at {failed_path}." if failed_path else ""
    if is_package_error(failure.ename):  # written for people: every problem, never cut
        if not evalue:
            return f"{failure.ename} in {notebook}.{saved}"
        return f"{evalue}\n{saved.strip()}" if "\n" in evalue and saved else f"{evalue}{saved}"
    evalue = shorten(evalue, 600)
    count = f" (In [{failure.exec_count}])" if failure.exec_count is not None else ""
    line = _first_line(failure.source)
    code = f", running `{line}`" if line else ""
    detail = f"{failure.ename}: {evalue}" if evalue else failure.ename
    return (
        f"{notebook} failed for {what} in cell {failure.cell_index}{count}{code}: {detail}. "
        "This is probably a bug in the notebook or in mobility-nb rather than in your input."
        f"{saved} Open it in JupyterLab to see the full traceback, and include it when "
        "reporting the problem."
    )


def save_failed_notebook(nb: NotebookNode, out_dir: Path, stem: str, subdir: str = "") -> Path:
    """Save an executed notebook for debugging, without papermill's copy of the parameters.

    Goes to ``out_dir/subdir/_failed/<stem>.ipynb``, named through the same checks as
    every page file (a hostile stem cannot put it elsewhere).
    """
    check_stem(stem)
    nb = nbformat.from_dict(nb)  # a copy we may edit
    meta = nb.metadata.get("papermill")
    if isinstance(meta, dict):
        for key in ("parameters", "environment_variables"):
            meta.pop(key, None)
    text = redact_secrets(nbformat.writes(nb))
    rel = f"{subdir}/{FAILED_DIR}/{stem}.ipynb" if subdir else f"{FAILED_DIR}/{stem}.ipynb"
    target = out_path(out_dir, rel)
    with writing("the failed notebook", target):
        return write_atomic(target, text)
