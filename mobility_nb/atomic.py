"""Write output files so a reader never sees half of one.

Pages are published straight from ``outputs/``; a crash, a full disk or Ctrl-C in the
middle of a write must leave either the old file or no file under the final name. We
write a hidden temporary file in the same directory (same file system, so the rename is
atomic) and ``os.replace`` it into place. No fsync: a batch writes thousands of pages and
the guarantee we need is against a dying process, not a dying machine.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` (text is UTF-8) to ``path`` atomically; returns the final path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target
