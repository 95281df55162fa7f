"""Where mobility-nb keeps Urban's releases inside its cache folder.

::

    <cache>/current.json                      {"release": "v2026.01", ...}: what pages read
    <cache>/releases/<tag>/<file>.csv         one folder per release tag
    <cache>/releases/<tag>/.mobility-nb/      download records (origin.py) and release.json,
                                              written once every file of the tag arrived

A release becomes current only when ``current.json`` is rewritten (atomically) after all its
files arrived and passed their checks, so an interrupted update leaves the previous release
in use. A cache without ``current.json`` reads the pinned release's folder, which the loaders
fill file by file on demand. Any folder holding ``current.json`` is such a cache, wherever it
is; every other folder is the user's own and is read as it is.

Only the standard library is used here: :mod:`mobility_nb.config` calls this on every data
lookup.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from mobility_nb.atomic import write_atomic
from mobility_nb.errors import DataDirectoryError, ReleaseError

# The main longitudinal file of each level (read by the pages and by the name index).
MAIN_FILES: dict[str, str] = {
    "county": "11_mobility-metrics_county_longitudinal.csv",
    "place": "61_mobility-metrics_place_longitudinal.csv",
}

POINTER_FILE = "current.json"
RELEASES_DIR = "releases"
RECORD_DIR = ".mobility-nb"
COMPLETE_FILE = "release.json"

# A tag or commit becomes a folder name, so keep it to what git refs of Urban's repo use.
_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@lru_cache(maxsize=1)
def _pinned_manifest() -> dict[str, Any]:
    text = (
        resources.files("mobility_nb")
        .joinpath("resources/upstream_files.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


def pinned_release() -> str:
    """The release tag this version of mobility-nb is pinned to (``upstream_files.json``)."""
    return str(_pinned_manifest()["release"])


def is_release_file(name: str) -> bool:
    """True for a file that comes with each release (not one pinned to an old commit)."""
    return any(
        f["name"] == name and f["ref"] == pinned_release() for f in _pinned_manifest()["files"]
    )


def check_tag(tag: str) -> str:
    """``tag`` stripped, or ReleaseError when it cannot be a release tag or commit id."""
    text = str(tag).strip()
    if not _TAG.match(text) or ".." in text:
        raise ReleaseError(
            f"{tag!r} is not a release tag: use a tag of UI-Research/mobility-from-poverty "
            f"such as {pinned_release()!r} (letters, digits, '.', '_' and '-' only)."
        )
    return text


def release_dir(cache: Path, tag: str) -> Path:
    """The folder that holds (or will hold) release ``tag`` in ``cache``."""
    return Path(cache) / RELEASES_DIR / check_tag(tag)


def record_dir(folder: Path) -> Path:
    """Hidden folder beside the data files for download records and the completion mark."""
    return Path(folder) / RECORD_DIR


def is_cache(root: Path) -> bool:
    """True when ``root`` is a cache mobility-nb manages (it holds ``current.json``)."""
    return (Path(root) / POINTER_FILE).is_file()


def current_release(cache: Path) -> str | None:
    """The tag ``current.json`` names, or None when the cache has none yet."""
    pointer = Path(cache) / POINTER_FILE
    try:
        text = pointer.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DataDirectoryError(
            f"The release pointer {pointer} cannot be read ({exc.strerror or exc}). Check the "
            "folder's permissions, or delete the file and run `mobility-nb data update`."
        ) from None
    try:
        tag = json.loads(text)["release"]
        return check_tag(tag)
    except (ValueError, KeyError, TypeError, ReleaseError):
        raise DataDirectoryError(
            f'The release pointer {pointer} is damaged (it should hold {{"release": '
            '"<tag>"}). Delete it and run `mobility-nb data update` to choose a release '
            "again; the downloaded files stay where they are."
        ) from None


def write_current(cache: Path, tag: str) -> Path:
    """Make ``tag`` the release pages read: one atomic rewrite of ``current.json``."""
    stamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    body = json.dumps({"release": check_tag(tag), "switched_at": stamp}, indent=2) + "\n"
    return write_atomic(Path(cache) / POINTER_FILE, body)


def completion(folder: Path) -> dict[str, Any] | None:
    """The ``release.json`` written when every file of the release arrived, else None."""
    try:
        data = json.loads((record_dir(folder) / COMPLETE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def release_lacks(folder: Path, name: str) -> bool:
    """True when the completed release in ``folder`` has no ``name``: the server answered
    404 for it, or the release's file list leaves out a file that comes with releases.
    Loaders then do without it instead of mixing in another release's copy."""
    done = completion(folder)
    if not done:
        return False
    absent = [str(n) for n in done.get("not_published") or []]
    listed = {str(f.get("name")) for f in done.get("files") or [] if isinstance(f, dict)}
    return name in absent or (name not in listed and is_release_file(name))


def data_folder(root: Path, default_cache: bool = False) -> Path:
    """The folder whose files pages read, for a data directory ``root``.

    A cache (``current.json``) reads its current release's folder; the default cache
    without a pointer reads the pinned release's folder; any other folder is itself.
    """
    root = Path(root)
    tag = current_release(root)
    if tag is not None:
        return release_dir(root, tag)
    if default_cache:
        return release_dir(root, pinned_release())
    return root


def is_release_folder(folder: Path, default_cache: Path) -> bool:
    """True for ``<cache>/releases/<tag>`` of the default cache or of any managed cache."""
    folder = Path(folder)
    cache = folder.parent.parent
    if folder.parent.name != RELEASES_DIR:
        return False
    return _same(cache, default_cache) or is_cache(cache)


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)
