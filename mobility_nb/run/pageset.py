"""Commit a page's files together: all of them appear, or none changes.

A page is several files (HTML, numbers CSV, provenance, extras such as Step 8's plan
files, and the fingerprint record that says the page is complete). Written one by one,
a full disk or an error half-way leaves a CSV without its HTML, or a new HTML beside an
old CSV. :func:`commit_files` instead

1. names every file through :func:`~mobility_nb.run.paths.out_path` (nothing outside the
   output folder) and refuses files of the same names that are not ours;
2. writes every new file to a hidden temporary file beside its target (this is where a
   full disk shows up; on failure every temporary file is removed and nothing changed);
3. keeps a hard link to each old file it is about to replace, then renames the new files
   into place in the caller's order (publish: the fingerprint record, then the HTML last,
   so a page that can be seen is complete); if a rename fails, the renamed files are put
   back as they were.

A process killed during step 3 can leave a mixed set for a moment; the fingerprint record
lists each file's size and SHA-256, so resume sees the mismatch and rebuilds the page.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path

from mobility_nb.atomic import TEMP_MARK, TEMP_SUFFIX, write_temp
from mobility_nb.errors import OutputFolderError
from mobility_nb.run.outdir import foreign_files, write_failure
from mobility_nb.run.paths import out_path


def file_record(data: bytes) -> dict[str, object]:
    """What the fingerprint record keeps about one page file."""
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _backup_name(target: Path) -> Path:
    return target.with_name(f".{target.name}{TEMP_MARK}old{secrets.token_hex(4)}{TEMP_SUFFIX}")


def _keep_old(target: Path) -> Path:
    """A second name for the file about to be replaced (a hard link; a copy where the file
    system has no hard links), so a failed commit can put it back."""
    backup = _backup_name(target)
    try:
        os.link(target, backup)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP):
            raise
        shutil.copy2(target, backup)
    return backup


def commit_files(
    out_dir: str | os.PathLike[str], files: Mapping[str, bytes], *, stem: str, what: str
) -> list[Path]:
    """Write ``files`` (paths relative to ``out_dir`` -> bytes) all together, in order.

    ``stem`` names the page set (for recognising our own older files) and ``what`` the
    page (for messages). Raises OutputFolderError (nothing changed) when a target is not
    ours, or when the disk is full or a write fails.
    """
    targets = [(out_path(out_dir, rel), data) for rel, data in files.items()]
    folders = {t.parent for t, _ in targets}
    foreign = []
    for folder in folders:
        foreign += foreign_files(
            [t for t, _ in targets if t.parent == folder], stem=stem, folder=folder
        )
    if foreign:
        raise OutputFolderError(
            f"The page for {what} was not written: {str(foreign[0])!r} already exists and was "
            "not written by mobility-nb, so it was left alone. Move it away, or choose another "
            "--out folder."
        )
    staged: list[tuple[Path, Path]] = []
    backups: dict[Path, Path] = {}
    done: list[Path] = []
    current = targets[0][0] if targets else Path(out_dir)
    try:
        for target, data in targets:
            current = target
            target.parent.mkdir(parents=True, exist_ok=True)
            staged.append((write_temp(target, data), target))
        for _, target in staged:
            current = target
            if target.exists():
                backups[target] = _keep_old(target)
        for tmp, target in staged:
            current = target
            os.replace(tmp, target)
            done.append(target)
    except BaseException as exc:
        _roll_back(staged, done, backups)
        if isinstance(exc, OSError):
            raise write_failure(f"the page for {what}", current, exc) from None
        raise
    for backup in backups.values():
        with contextlib.suppress(OSError):
            backup.unlink()
    return [t for t, _ in targets]


def _roll_back(
    staged: list[tuple[Path, Path]], done: list[Path], backups: dict[Path, Path]
) -> None:
    """Put replaced files back (or remove new ones) and drop every temporary file."""
    for target in reversed(done):
        with contextlib.suppress(OSError):
            if target in backups:
                os.replace(backups.pop(target), target)
            else:
                target.unlink()
    for tmp, _ in staged:
        with contextlib.suppress(OSError):
            tmp.unlink()
    for backup in backups.values():
        with contextlib.suppress(OSError):
            backup.unlink()
