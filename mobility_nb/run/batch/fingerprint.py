"""Decide whether a page is already up to date, so a rerun only does the missing work.

A page's fingerprint is the SHA-256 of what determines its content: the notebook file,
the parameters, the checksums of the data files and the package version. Beside it the
record keeps a digest of the package source the page actually ran (the ``mobility_nb``
modules loaded in its kernel, plus the export code and resources), so a page is redone
after an edit to code it uses, and only then. The record is ``<stem>.fingerprint``
beside the page, written *after* the HTML: a page whose run was killed half-way has no
matching record and is redone.
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


# Code that shapes a page outside the kernel: export, publishing, templates, catalog.
WORKER_SIDE_FILES = ("__init__.py", "export.py", "runner.py", "page.py", "params.py", "atomic.py")


def code_files(kernel_files: Iterable[str]) -> list[str]:
    """Package files a page depends on: those its kernel loaded plus the export side."""
    root = _package_root()
    resources = [
        p.relative_to(root).as_posix()
        for p in (root / "resources").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    return sorted(set(kernel_files) | set(WORKER_SIDE_FILES) | set(resources))


def code_digest(files: Iterable[str]) -> str:
    """SHA-256 over the named package files (a missing file counts as a change)."""
    root = _package_root()
    h = hashlib.sha256()
    for rel in sorted(files):
        path = root / rel
        digest = file_sha256(path) if path.is_file() else "missing"
        h.update(f"{rel}\0{digest}\n".encode())
    return h.hexdigest()


def page_fingerprint(notebook_sha: str, params: Mapping[str, Any], data: str, version: str) -> str:
    """The fingerprint of one page from its inputs."""
    shown = {k: v for k, v in params.items() if k not in _LOCATION_PARAMS}
    payload = _canonical(
        {"notebook": notebook_sha, "params": shown, "data": data, "version": version}
    )
    return hashlib.sha256(payload.encode()).hexdigest()


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


def is_current(
    out_dir: Path,
    page_path: str,
    fingerprint: str,
    digests: dict[tuple[str, ...], str] | None = None,
) -> bool:
    """True when the page exists and was produced from exactly these inputs and code.

    ``digests`` caches code digests across pages (they share the same file lists).
    """
    side = read_sidecar(sidecar_path(out_dir, page_path))
    if side is None or side.get("fingerprint") != fingerprint:
        return False
    files = tuple(side.get("code_files") or ())
    if not files or not (Path(out_dir) / page_path).is_file():
        return False
    cache = digests if digests is not None else {}
    if files not in cache:
        cache[files] = code_digest(files)
    return side.get("code_digest") == cache[files]


def write_sidecar(out_dir: Path, page_path: str, record: Mapping[str, Any]) -> Path:
    """Record a finished page (call only after its HTML is in place)."""
    text = json.dumps(dict(record), indent=1, sort_keys=True, default=str) + "\n"
    return write_atomic(sidecar_path(out_dir, page_path), text)
