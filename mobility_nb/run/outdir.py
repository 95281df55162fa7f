"""The output folder: usable before any notebook runs, and only our own files touched.

``--out`` is checked first (not a file, not under a file, writable), so a mistake costs a
second instead of a whole notebook run. Inside the folder the tool replaces or removes
only files it can recognise as its own: pages carry ``<meta name="generator"
content="mobility-nb ...">``, provenance and fingerprint records and ``manifest.json``
name the tool, and temporary files have our ``.mnb-`` mark. A user's own
``index.html``, ``manifest.json`` or ``.notes.part`` in the same folder is left alone and
reported instead of overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mobility_nb.atomic import is_our_temp_file
from mobility_nb.errors import OutputFolderError

GENERATOR_MARK = b'<meta name="generator" content="mobility-nb'
_HEAD_BYTES = 8192


def prepare_output_folder(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Create ``path`` if needed and prove it takes files; OutputFolderError otherwise."""
    folder = Path(path).expanduser()
    where = f"The output folder {str(folder)!r} (given with {option})"
    for parent in [folder, *folder.parents]:
        if parent.exists() and not parent.is_dir():
            if parent == folder:
                raise OutputFolderError(
                    f"{where} is a file, not a folder. Choose a folder name with {option}; "
                    "it is created when missing."
                )
            raise OutputFolderError(
                f"{where} is inside {str(parent)!r}, which is a file, so the folder cannot be "
                f"created. Choose another place with {option}."
            )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".mnb-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputFolderError(
            f"{where} cannot be written to ({_reason(exc)}). Choose a folder you may write "
            f"to with {option}, or fix its permissions; nothing was run."
        ) from None
    return folder.resolve()


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EROFS:
        return "it is on a read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or type(exc).__name__


def write_failure(what: str, path: Path, exc: OSError) -> OutputFolderError:
    """A readable error for an OSError while writing ``path`` (disk full, permissions)."""
    return OutputFolderError(
        f"Could not write {what}: {_reason(exc)} ({str(path)!r}). Nothing of it was left "
        "half-written; free some space or fix the folder's permissions and run again "
        "(pages already written are kept, and a batch resumes where it stopped)."
    )


@contextlib.contextmanager
def writing(what: str, path: Path) -> Iterator[None]:
    """Turn an OSError raised while writing ``path`` into :func:`write_failure`."""
    try:
        yield
    except OSError as exc:
        raise write_failure(what, path, exc) from None


# --- recognising our own files ------------------------------------------------------------


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(_HEAD_BYTES)
    except OSError:
        return b""


def _json_marks_us(path: Path, *keys: str) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    return any(str(data.get(key, "")).startswith("mobility-nb") for key in keys)


def is_our_html(path: Path) -> bool:
    """An HTML page or index mobility-nb wrote (its generator mark)."""
    return GENERATOR_MARK in _head(path)


def is_our_manifest(path: Path) -> bool:
    """A ``manifest.json`` written by a mobility-nb batch."""
    return _json_marks_us(path, "tool")


def is_our_provenance(path: Path) -> bool:
    return _json_marks_us(path, "package")


def is_our_sidecar(path: Path) -> bool:
    """A page's fingerprint record (JSON with our fingerprint and code digest)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "fingerprint" in data and "code_digest" in data


def page_is_ours(folder: Path, stem: str) -> bool:
    """True when an existing ``<stem>.*`` page set in ``folder`` was written by us.

    Provenance is committed first and the fingerprint and HTML last, so any one of them
    being ours (even after a commit cut short) marks the whole set as ours.
    """
    return (
        is_our_html(folder / f"{stem}.html")
        or is_our_provenance(folder / f"{stem}.provenance.json")
        or is_our_sidecar(folder / f"{stem}.fingerprint")
    )


def foreign_files(paths: list[Path], *, stem: str, folder: Path) -> list[Path]:
    """Those of ``paths`` that exist but are not ours to replace."""
    existing = [p for p in paths if p.exists()]
    if not existing or page_is_ours(folder, stem):
        return []
    return existing


def check_tool_files(out: Path, names: dict[str, bool]) -> None:
    """Refuse to start when a tool file (``index.html``, ``manifest.json``) is someone else's.

    ``names`` maps each file the run will write to whether it must be checked.
    """
    from mobility_nb.run.batch.index_page import INDEX_NAME, is_our_index
    from mobility_nb.run.batch.manifest import MANIFEST_NAME

    checks = {INDEX_NAME: is_our_index, MANIFEST_NAME: is_our_manifest}
    foreign = [
        out / name
        for name, wanted in names.items()
        if wanted and (out / name).exists() and not checks[name](out / name)
    ]
    if foreign:
        listed = " and ".join(repr(str(p)) for p in foreign)
        raise OutputFolderError(
            f"The output folder {str(out)!r} already holds {listed}, which mobility-nb did not "
            "write, so a batch would overwrite it. Nothing was changed. Move that file away, "
            "or choose another (empty) folder with --out."
        )


def remove_stale_temp_files(out: Path) -> list[Path]:
    """Delete temporary files a killed run of ours left; never any other file."""
    removed = []
    folders = [out, *(p for p in out.iterdir() if p.is_dir() and not p.is_symlink())]
    folders += [f / "_failed" for f in folders if (f / "_failed").is_dir()]
    for folder in folders:
        with contextlib.suppress(OSError):
            for path in folder.iterdir():
                if is_our_temp_file(path.name) and path.is_file():
                    with contextlib.suppress(OSError):
                        path.unlink()
                        removed.append(path)
    return removed
