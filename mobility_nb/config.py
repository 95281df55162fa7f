"""Where the Mobility Metrics files live.

Resolution order: an explicit path (CLI ``--data-dir`` or a notebook's ``data_dir``
parameter), then the ``MOBILITY_NB_DATA`` environment variable, then a per-user cache
directory that :mod:`mobility_nb.data.download` fills from the upstream repository.
Files are found by *name* anywhere below the directory, because users keep them in
different layouts (the shared copy uses ``assembled/`` and ``upstream/``). A folder that is
a release cache (it holds ``current.json``, see :mod:`mobility_nb.data.layout`) resolves to
its current release's folder.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from platformdirs import user_cache_dir

from mobility_nb.data import layout
from mobility_nb.errors import DataDirectoryError

DATA_ENV = "MOBILITY_NB_DATA"  # Mobility Metrics folder
CENSUS_DATA_ENV = "MOBILITY_NB_CENSUS_DATA"  # ACS extracts and geography (geo/, acs/)
ACS_STORE_ENV = "MOBILITY_NB_ACS_STORE"  # the local ACS store filled by `census fetch`
CENSUS_CACHE_ENV = "MOBILITY_NB_CENSUS_CACHE"  # HTTP cache of Census API answers
CENSUS_DEADLINE_ENV = "MOBILITY_NB_CENSUS_DEADLINE"  # seconds per Census request, in all
UPSTREAM_URL_ENV = "MOBILITY_NB_UPSTREAM_URL"  # where Urban's files are downloaded from
QUIET_ENV = "MOBILITY_NB_QUIET"  # no download progress bars
US_ATLAS_URL_ENV = "MOBILITY_NB_US_ATLAS_URL"  # mirror of the us-atlas county boundaries
NOTEBOOKS_ENV = "MOBILITY_NB_NOTEBOOKS"  # run step notebooks from another folder (tests)
CHROMIUM_ENV = "MOBILITY_NB_CHROMIUM"  # the Chromium that prints PDFs and checks pages
DEBUG_ENV = "MOBILITY_NB_DEBUG"  # 1: full tracebacks for the package's errors in notebooks
OUTPUTS_ENV = "MOBILITY_NB_OUTPUTS"  # where notebooks run by hand export (default ./outputs)
CENSUS_KEY_ENV = "CENSUS_API_KEY"  # the Census API key: from the environment only
SECRET_ENV_VARS = (CENSUS_KEY_ENV,)
CENSUS_FIPS_FILE = "fips/pygris_0.2.1_fips_codes.csv"  # below the census data folder
ENV_VAR = DATA_ENV
PACKAGE_DIR = Path(__file__).resolve().parent


def cache_root() -> Path:
    """The per-user cache folder of mobility-nb (downloads, ACS store, HTTP cache)."""
    return Path(user_cache_dir("mobility-nb"))


def jurisdiction_index_dir() -> Path:
    """Where the light name index of each Mobility Metrics file is kept (see data.jurisdictions)."""
    return cache_root() / "jurisdictions"


def debug_enabled() -> bool:
    """True when ``$MOBILITY_NB_DEBUG`` asks for full tracebacks (``--debug`` sets it)."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def project_root() -> Path:
    """The analyst's project folder: the checkout when working inside it; else the working
    folder, or its parent when only the parent has ``outputs/`` (a ``mobility-nb init``
    folder, whose notebooks run in ``notebooks/``).

    A notebook opened from ``notebooks/`` exports to the project's ``outputs/`` (where
    ``mobility-nb run`` writes too), not to ``notebooks/outputs/``.
    """
    here = Path.cwd().resolve()
    root = checkout_root()
    if root is not None and (here == root.resolve() or root.resolve() in here.parents):
        return root
    if not (here / "outputs").is_dir() and (here.parent / "outputs").is_dir():
        return here.parent
    return here


def interactive_outputs_dir(step: str) -> Path:
    """Where a notebook run by hand writes its exports: ``$MOBILITY_NB_OUTPUTS/<step>``,
    else ``outputs/<step>`` of the project (:func:`project_root`)."""
    env = os.environ.get(OUTPUTS_ENV, "").strip()
    base = Path(env).expanduser() if env else project_root() / "outputs"
    return base / step


def checkout_root() -> Path | None:
    """The repository folder when the package runs from a source checkout, else ``None``."""
    root = PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() else None


def examples_dir() -> Path:
    """The example parameters and plans shipped with the package (``params/`` in a checkout)."""
    return PACKAGE_DIR / "examples"


def project_dirs() -> list[Path]:
    """Folders that relative paths in parameters are tried against: cwd, then the checkout."""
    dirs = [Path.cwd()]
    root = checkout_root()
    if root is not None and root.resolve() != Path.cwd().resolve():
        dirs.append(root)
    return dirs


def default_cache_dir() -> Path:
    """The per-user cache used when nothing else is configured."""
    return cache_root() / "mobility-metrics"


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


def resolve_census_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """ACS extracts and geography: explicit > $MOBILITY_NB_CENSUS_DATA > ../shared/data/census."""
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit).expanduser())
    elif os.environ.get(CENSUS_DATA_ENV, "").strip():
        candidates.append(Path(os.environ[CENSUS_DATA_ENV].strip()).expanduser())
    else:
        candidates.append(Path.cwd().parent / "shared" / "data" / "census")
        root = checkout_root()
        if root is not None:
            candidates.append(root.parent / "shared" / "data" / "census")
    for path in candidates:
        if (path / "acs").is_dir() or (path / "geo").is_dir():
            return path
    raise DataDirectoryError(
        f"No ACS extracts found at {', '.join(str(p) for p in candidates)}. Point "
        f"${CENSUS_DATA_ENV} (or --census-data) at the folder holding acs/, geo/ and metadata/."
    )
