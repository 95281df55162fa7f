"""Decide whether a page is already up to date, so a rerun only does the missing work.

A page's fingerprint is the SHA-256 of what determines its content: the notebook file,
the parameters, the checksums of the data files and the package version. Beside it the
record keeps a digest of every file of the installed package (code, notebooks,
templates, catalog), so a page is redone after any change to the tool; there is no
hand-kept list of files to go stale. The record is ``<stem>.fingerprint``
beside the page, committed together with the page files and after them
(:mod:`mobility_nb.run.pageset`); it lists the size and SHA-256 of every file of the page,
so a page whose run was killed half-way, or whose HTML was emptied, whose provenance
was damaged or whose CSV was deleted since, is not "up to date" and is redone.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mobility_nb.atomic import write_atomic
from mobility_nb.render.recorder import file_sha256

SIDE_SUFFIX = ".fingerprint"
# Parameters that name where things are rather than what the page shows; data content is
# covered by the data checksums instead.
_LOCATION_PARAMS = {"artifacts_dir", "data_dir"}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def data_digest(roots: Iterable[str | os.PathLike[str]]) -> str:
    """One checksum over every (non-hidden) file below the data directories.

    Conservative on purpose: a page may read any file of its data directory (subgroup
    files, catalogs), so any change there marks every page as stale.
    """
    h = hashlib.sha256()
    for root in roots:
        base = Path(root)
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                path = Path(dirpath, name)
                rel = path.relative_to(base).as_posix()
                h.update(f"{rel}\0{file_sha256(path)}\n".encode())
    return h.hexdigest()


def package_version() -> str:
    import mobility_nb

    return mobility_nb.__version__


def _package_root() -> Path:
    import mobility_nb

    return Path(mobility_nb.__file__).resolve().parent


def package_files() -> list[Path]:
    """Every file of the installed package (code, notebooks, templates, catalog), sorted.

    A page depends on more than the modules its kernel imported (export, publishing,
    templates, the catalog), and a hand-kept list silently goes stale when a module is
    renamed; hashing the whole package errs on the side of rebuilding.
    """
    root = _package_root()
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    )


_DIGEST: dict[Path, str] = {}


def package_digest() -> str:
    """SHA-256 over the package's files, once per process.

    The digest stands for the code this process (and the kernels it starts) runs, which
    was imported when it started; the next run sees any edit. Hashing once saves walking
    and reading the package's files for every page of a batch.
    """
    root = _package_root()
    digest = _DIGEST.get(root)
    if digest is None:
        h = hashlib.sha256()
        for path in package_files():
            h.update(f"{path.relative_to(root).as_posix()}\0{file_sha256(path)}\n".encode())
        digest = _DIGEST[root] = h.hexdigest()
    return digest


def page_fingerprint(notebook_sha: str, params: Mapping[str, Any], data: str, version: str) -> str:
    """The fingerprint of one page from its inputs."""
    shown = {k: v for k, v in params.items() if k not in _LOCATION_PARAMS}
    payload = _canonical(
        {"notebook": notebook_sha, "params": shown, "data": data, "version": version}
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def params_digest(params: Mapping[str, Any]) -> str:
    """One checksum of what a page was asked to show: its parameters, without locations.

    Recorded beside each page, so a run with other settings (other peers) can tell its
    page from the one already there, and batches and ``run`` name variants alike.
    """
    shown = {k: v for k, v in params.items() if k not in _LOCATION_PARAMS}
    return hashlib.sha256(_canonical(shown).encode()).hexdigest()


def sidecar_path(out_dir: Path, page_path: str) -> Path:
    """``<out>/<subdir>/<stem>.fingerprint`` for ``<subdir>/<stem>.html``."""
    html = Path(out_dir) / page_path
    return html.with_suffix(SIDE_SUFFIX)


def read_sidecar(path: Path) -> dict[str, Any] | None:
    """The stored record of a page, or ``None`` when absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def files_intact(folder: Path, files: Any) -> bool:
    """True when every recorded file (name -> size, sha256) is in ``folder`` unchanged."""
    if not isinstance(files, dict) or not files:
        return False
    for name, want in files.items():
        if not isinstance(want, dict) or "/" in str(name) or str(name).startswith("."):
            return False
        path = Path(folder) / str(name)
        try:
            if not path.is_file() or path.stat().st_size != want.get("size"):
                return False
            if file_sha256(path) != want.get("sha256"):
                return False
        except OSError:
            return False
    return True


def is_current(out_dir: Path, page_path: str, fingerprint: str) -> bool:
    """True when the page was produced from exactly these inputs and code, and every one
    of its files is still there with the size and checksum it was written with."""
    side_path = sidecar_path(out_dir, page_path)
    side = read_sidecar(side_path)
    if side is None or side.get("fingerprint") != fingerprint:
        return False
    if side.get("code_digest") != package_digest():
        return False
    html = Path(page_path).name
    files = side.get("files")
    if not isinstance(files, dict) or html not in files:
        return False
    return files_intact(side_path.parent, files)


def sidecar_text(record: Mapping[str, Any], files: Mapping[str, Mapping[str, Any]]) -> str:
    """The fingerprint record of a page: ``record`` plus each page file's size and SHA-256."""
    data = {**dict(record), "files": {k: dict(v) for k, v in files.items()}}
    return json.dumps(data, indent=1, sort_keys=True, default=str) + "\n"


def rerecord_html(out_dir: Path, page_path: str) -> None:
    """After a page's HTML was rewritten in place (its navigation refreshed by the index),
    record its new size and checksum, so resume still sees the page as intact."""
    side = sidecar_path(out_dir, page_path)
    data = read_sidecar(side)
    html = Path(out_dir) / page_path
    if data is None or not isinstance(data.get("files"), dict) or html.name not in data["files"]:
        return  # no record: the page is rebuilt on the next batch anyway
    files = dict(data.pop("files"))
    files[html.name] = {"size": html.stat().st_size, "sha256": file_sha256(html)}
    write_atomic(side, sidecar_text(data, files))


def write_sidecar(out_dir: Path, page_path: str, record: Mapping[str, Any]) -> Path:
    """Record a page whose files are already on disk (the pipeline commits the record
    with the page instead; see :func:`mobility_nb.run.publish.publish_page`)."""
    side = sidecar_path(out_dir, page_path)
    stem = side.stem
    files = {
        p.name: {"size": p.stat().st_size, "sha256": file_sha256(p)}
        for p in sorted(side.parent.glob(f"{stem}.*"))
        if p.is_file() and p.name != side.name
    }
    return write_atomic(side, sidecar_text(record, files))
