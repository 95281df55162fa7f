"""Where the Mobility Metrics files live.

Resolution order: an explicit path (CLI ``--data-dir`` or a notebook's ``data_dir``
parameter), then the ``MOBILITY_NB_DATA`` environment variable, then a per-user cache
directory that :mod:`mobility_nb.download` fills from the upstream repository.
A folder that is a release cache (it holds ``current.json``, see
:mod:`mobility_nb.data.layout`) resolves to its current release's folder.
Files are found by *name* anywhere below the directory, because users keep them in
different layouts (the shared copy uses ``assembled/`` and ``upstream/``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from platformdirs import user_cache_dir

from .data import layout
from .errors import DataDirectoryError

ENV_VAR = "MOBILITY_NB_DATA"


def default_cache_dir() -> Path:
    """The per-user cache used when nothing else is configured."""
    return Path(user_cache_dir("mobility-nb")) / "mobility-metrics"


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the data directory to use, checking that an explicit choice exists."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_dir():
            raise DataDirectoryError(
                f"The data directory {str(path)!r} (given with --data-dir or the data_dir "
                "parameter) does not exist. Check the path, or leave it out to use "
                f"${ENV_VAR} or the download cache."
            )
        return layout.data_folder(path.resolve())
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise DataDirectoryError(
                f"The data directory {env!r} set in ${ENV_VAR} does not exist. Fix or unset "
                f"${ENV_VAR}; when unset, files are downloaded into {default_cache_dir()}."
            )
        return layout.data_folder(path.resolve())
    folder = layout.data_folder(default_cache_dir(), default_cache=True)
    # Created now so the loaders, which re-resolve it as an explicit path, find it on a
    # fresh machine (downloads then fill it); an unwritable cache fails later, by name.
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    return folder


_INDEX: dict[str, dict[str, str]] = {}


def _scan(root: str) -> dict[str, str]:
    """Map file name -> path for every file below ``root``.

    When a name occurs twice, the shallowest wins, then the first in path order, so the
    choice never depends on the file system's listing order (the shared copy holds
    ``assembled/61_…`` and an older ``upstream/61_…``; ``assembled`` sorts first).
    """
    found: dict[str, str] = {}
    walked = sorted(os.walk(root), key=lambda t: (t[0].count(os.sep), t[0]))
    for dirpath, dirnames, filenames in walked:
        dirnames.sort()
        for name in sorted(filenames):
            found.setdefault(name, os.path.join(dirpath, name))
    return found


def find_file(root: Path, name: str) -> Path | None:
    """Find ``name`` anywhere below ``root``; ``None`` when absent.

    The directory listing is cached per root and refreshed on a miss, so a batch of
    thousands of pages does not walk the tree thousands of times.
    """
    if not root.is_dir():
        return None
    key = str(root)
    index = _INDEX.get(key)
    if index is None or name not in index or not os.path.exists(index[name]):
        index = _INDEX[key] = _scan(key)
    hit = index.get(name)
    return Path(hit) if hit else None
