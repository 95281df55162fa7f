"""Write output files so a reader never sees half of one.

Pages are published straight from ``outputs/``; a crash, a full disk or Ctrl-C in the
middle of a write must leave either the old file or no file under the final name. We
write a hidden temporary file in the same directory (same file system, so the rename is
atomic) and ``os.replace`` it into place. No fsync: a batch writes thousands of pages and
the guarantee we need is against a dying process, not a dying machine.

Temporary files are named ``.<final name>.mnb-<random>.part`` so that a later run can
recognise (and remove) exactly the ones a killed run of ours left, and never a user's
own ``.notes.part``. Several files that must appear together (a page's HTML, CSV,
provenance and fingerprint) go through :mod:`mobility_nb.run.pageset` instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

TEMP_MARK = ".mnb-"
TEMP_SUFFIX = ".part"
_OUR_TEMP = re.compile(r"\..+\.mnb-[A-Za-z0-9_]{6,}\.part")


def is_our_temp_file(name: str) -> bool:
    """True for the name of a temporary file :func:`write_temp` made (never a user's file)."""
    return bool(_OUR_TEMP.fullmatch(name))


def write_temp(target: Path, payload: bytes) -> Path:
    """Write ``payload`` to a new hidden temporary file beside ``target``; returns its path.

    The caller renames it into place (or removes it); on any error nothing is left.
    """
    fd, tmp = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}{TEMP_MARK}", suffix=TEMP_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o644)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` (text is UTF-8) to ``path`` atomically; returns the final path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = write_temp(target, payload)
    try:
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target
