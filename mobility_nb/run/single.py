"""Run one step notebook for one jurisdiction and publish its page.

A page is three files in the output directory: ``<stem>.html`` (offline, code hidden),
``<stem>.csv`` (every number shown) and ``<stem>.provenance.json``. They appear only when
the run succeeded, each written atomically, the HTML last. A failed run writes no page
files; it saves the executed notebook under ``_failed/`` for debugging and raises
:class:`NotebookRunError` with one readable paragraph.

The kernel-agnostic pieces (:func:`locate_notebook`, :func:`publish_page`,
:func:`find_failure`, :func:`failure_message`, :func:`save_failed_notebook`) are public so
the batch runner, which keeps warm kernels, produces exactly the same pages and errors.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import re
import tempfile
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from mobility_nb.atomic import write_atomic
from mobility_nb.errors import NotebookRunError, ParamsError
from mobility_nb.params import (
    notebook_parameters,
    redact_secrets,
    secret_values,
    validate_params,
)
from mobility_nb.render.notebook_html import external_references, notebook_to_html
from mobility_nb.render.recorder import NUMBERS_FILE, PROVENANCE_FILE
from mobility_nb.steps import STEP_TITLES, locate_notebook

FAILED_DIR = "_failed"
DEFAULT_TIMEOUT = 600  # seconds per cell
_SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")


@dataclass(frozen=True)
class RunResult:
    """Where a published page went and what it cost."""

    html: Path
    csv: Path
    provenance: Path
    seconds: float
    page_bytes: int


@dataclass(frozen=True)
class CellFailure:
    """The first error in an executed notebook."""

    cell_index: int
    exec_count: int | None
    ename: str
    evalue: str
    source: str
    traceback: tuple[str, ...] = ()


# --- locating ------------------------------------------------------------------------------


def page_paths(out_dir: Path, stem: str) -> tuple[Path, Path, Path]:
    """The HTML, CSV and provenance paths of a page."""
    check_stem(stem)
    out = Path(out_dir)
    return out / f"{stem}.html", out / f"{stem}.csv", out / f"{stem}.provenance.json"


def slugify(text: str) -> str:
    """'Coeur d'Alene city, Idaho' -> 'coeur-d-alene-city-idaho' (ASCII, safe in file names)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")


def default_stem(place: Any) -> str:
    """``<geoid>-<slug of the name>`` for a resolved jurisdiction."""
    slug = getattr(place, "slug", None)
    if isinstance(slug, str) and _SAFE_STEM.fullmatch(slug):
        return slug
    name = slugify(str(getattr(place, "display_name", "")))
    return f"{place.geoid}-{name}" if name else str(place.geoid)


def check_stem(stem: str) -> None:
    """File stems are plain names: no folders, no hidden files."""
    if not _SAFE_STEM.fullmatch(stem):
        raise ParamsError(
            f"The output name {stem!r} is not a plain file name. Use letters, digits, '.', "
            "'-' and '_' only, starting with a letter or digit."
        )


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
        if f.is_file()
        and f.name not in (NUMBERS_FILE, PROVENANCE_FILE)
        and _SAFE_STEM.fullmatch(f.name)
    }


def publish_page(
    nb: NotebookNode,
    artifacts_dir: Path,
    out_dir: Path,
    stem: str,
    title: str | None = None,
    notebook: str = "",
    default_title: str | None = None,
) -> tuple[Path, Path, Path, int]:
    """Export an executed notebook and write its three page files atomically (HTML last).

    The title is ``title``, else the one the notebook's PageRecorder set, else
    ``default_title``. Returns the HTML, CSV and provenance paths and the page size in
    bytes. Nothing is written if the page would load a remote resource or contain a secret.
    """
    html_path, csv_path, prov_path = page_paths(out_dir, stem)
    numbers, prov = read_artifacts(artifacts_dir, notebook or "The notebook")
    page_title = title or prov.get("title") or default_title or stem
    prov["title"] = page_title
    if notebook:
        prov["notebook"] = notebook
    page = notebook_to_html(nb, page_title)
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
    extras = extra_artifacts(artifacts_dir)
    for name, data in extras.items():
        if any(secret.encode() in data for secret in secret_values()):
            raise NotebookRunError(
                f"The file {name} for {stem} would contain the value of a secret environment "
                "variable, so nothing was published."
            )
    write_atomic(csv_path, numbers)
    write_atomic(prov_path, prov_text)
    for name, data in extras.items():  # e.g. Step 8's plan.csv / plan.xlsx
        write_atomic(Path(out_dir) / f"{stem}.{name}", data)
    write_atomic(html_path, page_bytes)
    with contextlib.suppress(OSError):  # a stale failure of this page no longer applies
        (Path(out_dir) / FAILED_DIR / f"{stem}.ipynb").unlink()
        (Path(out_dir) / FAILED_DIR).rmdir()  # only when empty
    return html_path, csv_path, prov_path, len(page_bytes)


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


def is_package_error(ename: str, traceback: tuple[str, ...] | list[str] = ()) -> bool:
    """True when a notebook's exception is one of ours (a MobilityNBError), by name.

    The kernel only reports the class name, so we match it against the subclasses known in
    this process, and otherwise accept a non-builtin ``...Error`` raised from mobility_nb.
    """
    from mobility_nb.errors import MobilityNBError

    def names(cls: type) -> set[str]:
        found = {cls.__name__}
        for sub in cls.__subclasses__():
            found |= names(sub)
        return found

    if ename in names(MobilityNBError):
        return True
    if hasattr(builtins, ename) or not ename.endswith("Error"):
        return False
    text = _ANSI.sub("", "\n".join(traceback))
    return "mobility_nb" in text


def _first_line(source: str) -> str:
    lines = [ln.strip() for ln in source.splitlines() if ln.strip() and not ln.startswith("#")]
    line = lines[0] if lines else ""
    return line if len(line) <= 70 else line[:67] + "..."


def failure_message(
    failure: CellFailure, notebook: str, what: str, failed_path: Path | None
) -> str:
    """One paragraph for people: our own errors verbatim, anything else as a bug report."""
    evalue = redact_secrets(_ANSI.sub("", failure.evalue)).strip()
    if len(evalue) > 600:
        evalue = evalue[:597] + "..."
    saved = f" The failed notebook is saved at {failed_path}." if failed_path else ""
    if is_package_error(failure.ename, failure.traceback):
        return f"{evalue}{saved}" if evalue else f"{failure.ename} in {notebook}.{saved}"
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


def save_failed_notebook(nb: NotebookNode, out_dir: Path, stem: str) -> Path:
    """Save an executed notebook for debugging, without papermill's copy of the parameters."""
    nb = nbformat.from_dict(nb)  # a copy we may edit
    meta = nb.metadata.get("papermill")
    if isinstance(meta, dict):
        for key in ("parameters", "environment_variables"):
            meta.pop(key, None)
    text = redact_secrets(nbformat.writes(nb))
    return write_atomic(Path(out_dir) / FAILED_DIR / f"{stem}.ipynb", text)


def _stopped(
    exc: Exception,
    notebook: str,
    what: str,
    timeout: int,
    kernel_name: str,
    executed: Path,
    out_dir: Path,
    stem: str,
) -> NotebookRunError:
    """A run that ended without a cell error: timeout, dead kernel, kernel not starting."""
    failed_path = None
    if executed.exists():
        with contextlib.suppress(Exception):
            failed_path = save_failed_notebook(nbformat.read(executed, as_version=4), out_dir, stem)
    saved = f" The partial notebook is saved at {failed_path}." if failed_path else ""
    kind = type(exc).__name__
    first = redact_secrets(str(exc)).strip().splitlines()
    detail = first[0].rstrip(".") if first else kind
    if kind == "CellTimeoutError" or "timed out" in detail.lower():
        why = (
            f"a cell ran longer than the {timeout}-second limit. Allow more time with "
            "--timeout, or check that the data directory is on a fast local disk"
        )
    elif "kernel" in f"{kind} {detail}".lower():
        why = (
            f"the Jupyter kernel {kernel_name!r} failed ({kind}: {detail}). Check that it "
            "is installed (python -m ipykernel install --user) and that memory is not "
            "exhausted"
        )
    else:
        why = f"{kind}: {detail}"
    return NotebookRunError(
        f"Running {notebook} for {what} stopped: {why}.{saved}", ename=kind, evalue=detail
    )


# --- running -------------------------------------------------------------------------------


def _describe_target(params: Mapping[str, Any], stem: str) -> str:
    jur = params.get("jurisdiction")
    return f"jurisdiction {jur}" if jur else stem


def run_page(
    step: str,
    params: dict[str, Any],
    out_dir: Path,
    stem: str,
    data_dir: str | None = None,
    kernel_name: str = "python3",
    *,
    title: str | None = None,
    default_title: str | None = None,
    execution_timeout: int = DEFAULT_TIMEOUT,
) -> RunResult:
    """Execute ``step``'s notebook with ``params`` and publish ``<out_dir>/<stem>.*``.

    ``title`` overrides the page title the notebook sets; ``default_title`` is used when
    the notebook sets none.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    notebook_path = locate_notebook(step)
    check_stem(stem)
    run_params = dict(params)
    if data_dir:
        run_params["data_dir"] = str(data_dir)
    run_params.pop("artifacts_dir", None)  # always ours
    checked = validate_params(run_params, notebook_path)
    if "artifacts_dir" not in notebook_parameters(notebook_path):
        raise NotebookRunError(
            f"{notebook_path.name} has no artifacts_dir parameter, so its numbers and "
            'provenance cannot be collected. Add `artifacts_dir: str = ""` to its '
            "parameters cell and pass it to PageRecorder."
        )
    name = notebook_path.name
    what = _describe_target(checked, stem)
    out = Path(out_dir)

    with tempfile.TemporaryDirectory(prefix="mnb-run-") as work:
        artifacts = Path(work) / "artifacts"
        artifacts.mkdir()
        executed = Path(work) / "executed.ipynb"
        checked["artifacts_dir"] = str(artifacts)
        try:
            nb = pm.execute_notebook(
                str(notebook_path),
                str(executed),
                parameters=checked,
                kernel_name=kernel_name,
                progress_bar=False,
                request_save_on_cell_execute=False,
                execution_timeout=execution_timeout,
                # ipykernel >= 7 warns on stderr about unencrypted local TCP on every start
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        except PapermillExecutionError as exc:
            failed_nb = nbformat.read(executed, as_version=4) if executed.exists() else None
            failed_path = save_failed_notebook(failed_nb, out, stem) if failed_nb else None
            failure = CellFailure(
                exc.cell_index,
                exc.exec_count,
                exc.ename,
                exc.evalue,
                exc.source,
                tuple(exc.traceback or ()),
            )
            raise NotebookRunError(
                failure_message(failure, name, what, failed_path),
                cell_index=exc.cell_index,
                ename=exc.ename,
                evalue=redact_secrets(exc.evalue),
            ) from None
        except (KeyboardInterrupt, ParamsError):
            raise
        except Exception as exc:  # kernel died, timed out, could not start
            raise _stopped(
                exc, name, what, execution_timeout, kernel_name, executed, out, stem
            ) from None

        html, csv, prov, size = publish_page(
            nb,
            artifacts,
            out,
            stem,
            title=title,
            notebook=name,
            default_title=default_title
            or f"{STEP_TITLES[step]}: {checked.get('jurisdiction', stem)}",
        )
    return RunResult(html, csv, prov, time.perf_counter() - started, size)
