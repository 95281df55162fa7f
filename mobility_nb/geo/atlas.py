"""Where the county boundaries come from: the us-atlas 3.0.1 TopoJSON, found or downloaded.

The file is ``counties-10m.json`` from the npm package ``us-atlas@3.0.1`` (Census
cartographic boundary files, 2017 edition; ISC licence; objects ``counties``, ``states``
and ``nation``; ids are FIPS codes; lon/lat). Lookup order:

1. an explicit path (a parameter);
2. ``geo/us-atlas-3.0.1/counties-10m.json`` in the census data folder
   (``$MOBILITY_NB_CENSUS_DATA``, else ``../shared/data/census``);
3. the per-user download cache (``<user cache>/mobility-nb/us-atlas-3.0.1/``), filled on
   first use from the npm registry: the package tarball is checked against its pinned
   sha256, the one file is taken out of it and checked against its own sha256, and only
   then moved into place. ``$MOBILITY_NB_US_ATLAS_URL`` may point at a mirror of the same
   tarball (tests point it at a local server).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from platformdirs import user_cache_dir

from mobility_nb.atomic import write_atomic
from mobility_nb.config import US_ATLAS_URL_ENV as URL_ENV_VAR
from mobility_nb.data.download import _redact, download_pinned
from mobility_nb.errors import AtlasError, DataDirectoryError, DownloadError
from mobility_nb.geo.topojson import Topology, load_topology


@dataclass(frozen=True)
class AtlasRelease:
    """A pinned boundary file inside a pinned npm tarball."""

    package: str
    version: str
    url: str
    tarball_sha256: str
    member: str
    sha256: str

    @property
    def folder(self) -> str:
        """Folder name used in the census data folder and in the cache (``us-atlas-3.0.1``)."""
        return f"{self.package}-{self.version}"

    @property
    def file_name(self) -> str:
        return self.member.rsplit("/", 1)[-1]


US_ATLAS = AtlasRelease(
    package="us-atlas",
    version="3.0.1",
    url="https://registry.npmjs.org/us-atlas/-/us-atlas-3.0.1.tgz",
    tarball_sha256="e6daba1800885868303ad3549da62f85a557b8142bb72629ec15651de62f9c5d",
    member="package/counties-10m.json",
    sha256="145aaf5d1433352a6a1d8e86b5f149c7c653f9171baf14aaf75ee66575def1b0",
)


def default_cache_dir(release: AtlasRelease = US_ATLAS) -> Path:
    """The per-user folder the downloaded atlas is kept in, beside the Mobility Metrics cache."""
    return Path(user_cache_dir("mobility-nb")) / release.folder


def find_atlas(
    explicit: str | os.PathLike[str] | None = None, *, release: AtlasRelease = US_ATLAS
) -> Path | None:
    """The atlas file already on this machine, or None (no network).

    An explicit path that does not exist is an error, not a fall-back.
    """
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise AtlasError(
                f"The county boundary file {str(path)!r} does not exist. Check the path, or "
                "leave it out to use the census data folder or the download cache."
            )
        return path
    for candidate in (_census_data_copy(release), default_cache_dir(release) / release.file_name):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def atlas_path(
    explicit: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    release: AtlasRelease = US_ATLAS,
    session: requests.Session | None = None,
) -> Path:
    """The atlas file to use, downloading it into the cache when it is nowhere on this machine."""
    found = find_atlas(explicit, release=release)
    if found is not None:
        return found
    if not download:
        raise AtlasError(
            f"The county boundary file {release.file_name} ({release.package} "
            f"{release.version}) is not on this machine: not in the census data folder and not "
            f"in {default_cache_dir(release)}. Allow the download, or put the file in one of "
            "those folders."
        )
    return ensure_atlas(release=release, session=session)


def load_atlas(path: str | os.PathLike[str] | None = None, *, download: bool = True) -> Topology:
    """The decoded county topology (once per process; see :func:`atlas_path` for the lookup)."""
    return load_topology(atlas_path(path, download=download))


def ensure_atlas(
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    release: AtlasRelease = US_ATLAS,
    session: requests.Session | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 2.0,
) -> Path:
    """Return the cached atlas file, downloading and checking it first when absent.

    Raises DownloadError (nothing saved) when the download fails or a checksum differs.
    """
    folder = Path(cache_dir).expanduser() if cache_dir else default_cache_dir(release)
    target = folder / release.file_name
    if target.is_file():
        return target
    url = os.environ.get(URL_ENV_VAR, "").strip() or release.url

    def fail(problem: str) -> DownloadError:
        return _download_error(release, url, folder, problem)

    tarball = download_pinned(
        url,
        folder / f"{release.folder}.tgz",
        sha256=release.tarball_sha256,
        fail=fail,
        not_found=f"{release.package}@{release.version} is not published under this URL",
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        session=session,
    )
    try:
        body = _member_bytes(tarball, release.member, fail)
        digest = hashlib.sha256(body).hexdigest()
        if digest != release.sha256:
            raise fail(
                f"{release.member} in the package has sha256 {digest}, not the expected "
                f"{release.sha256}"
            )
        write_atomic(target, body)
    except OSError as exc:
        raise fail(f"the file could not be written there ({exc.strerror or exc})") from exc
    finally:
        with contextlib.suppress(OSError):
            tarball.unlink()
    return target


def _census_data_copy(release: AtlasRelease) -> Path | None:
    """``geo/us-atlas-3.0.1/counties-10m.json`` in the census data folder, when there is one."""
    from mobility_nb.config import resolve_census_data_dir

    try:
        root = resolve_census_data_dir()
    except DataDirectoryError:
        return None
    return root / "geo" / release.folder / release.file_name


def _member_bytes(tarball: Path, member: str, fail: Callable[[str], DownloadError]) -> bytes:
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            handle = archive.extractfile(member)
            if handle is None:
                raise KeyError(member)
            with handle:
                return handle.read()
    except KeyError:
        raise fail(f"the package holds no file {member}") from None
    except (tarfile.TarError, EOFError, OSError, io.UnsupportedOperation) as exc:
        raise fail(f"the package is not a readable .tgz archive ({exc})") from exc


def _download_error(release: AtlasRelease, url: str, folder: Path, problem: str) -> DownloadError:
    shown = _redact(url)
    return DownloadError(
        f"Could not download the county boundaries ({release.package} {release.version}, "
        f"{release.file_name}) from {shown}: {problem}. Nothing was saved. To fix it, check "
        f"your internet connection and try again, or get {release.file_name} from the npm "
        f"package {release.package}@{release.version} by hand and put it in {folder}, or set "
        f"$MOBILITY_NB_CENSUS_DATA to a folder holding geo/{release.folder}/{release.file_name}."
    )
