"""Fetch Mobility Metrics files that are missing from the data directory.

Urban publishes the files in the ``data/`` folder of the public GitHub repository
``UI-Research/mobility-from-poverty``. The manifest ``resources/upstream_files.json`` pins
each file to a release tag or commit (so a page built today can be rebuilt next year from
the same bytes) and says what the file must start with and, where known, its sha256.

A download goes to a hidden temporary file beside the target and is moved into place only
after every check passed, so an interrupted or bad download never leaves a file that a
later run would trust. Tests point ``MOBILITY_NB_UPSTREAM_URL`` at a local server.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from tqdm import tqdm

from mobility_nb import config
from mobility_nb.config import DATA_ENV as DATA_ENV_VAR
from mobility_nb.config import find_file
from mobility_nb.data.origin import write_record
from mobility_nb.errors import DownloadError, NotPublishedError

log = logging.getLogger(__name__)

URL_ENV_VAR = config.UPSTREAM_URL_ENV
QUIET_ENV_VAR = config.QUIET_ENV
DEFAULT_URL_TEMPLATE = (
    "https://raw.githubusercontent.com/UI-Research/mobility-from-poverty/{ref}/{path}"
)
REPOSITORY_PAGE = "https://github.com/UI-Research/mobility-from-poverty"

_CHUNK = 1 << 16


@dataclass(frozen=True)
class UpstreamFile:
    """One manifest entry: where the file lives upstream and what it must look like."""

    name: str
    path: str
    ref: str
    header: tuple[str, ...]
    sha256: str | None = None
    note: str = ""


@lru_cache(maxsize=1)
def _manifest() -> dict[str, UpstreamFile]:
    text = (
        resources.files("mobility_nb")
        .joinpath("resources/upstream_files.json")
        .read_text(encoding="utf-8")
    )
    return {
        entry["name"]: UpstreamFile(
            name=entry["name"],
            path=entry["path"],
            ref=entry["ref"],
            header=tuple(entry["header"]),
            sha256=entry.get("sha256") or None,
            note=entry.get("note", ""),
        )
        for entry in json.loads(text)["files"]
    }


def known_files() -> list[UpstreamFile]:
    """Every file the package knows how to download, in manifest order."""
    return list(_manifest().values())


def upstream_file(name: str) -> UpstreamFile:
    """The manifest entry for ``name``; DownloadError when the name is not known."""
    try:
        return _manifest()[name]
    except KeyError:
        known = ", ".join(sorted(_manifest()))
        raise DownloadError(
            f"{name!r} is not a file mobility-nb knows how to download. Known files: {known}. "
            f"Put the file in the data directory yourself, or set ${DATA_ENV_VAR} to a "
            "folder that holds it."
        ) from None


def upstream_url(name: str) -> str:
    """The URL ``name`` is downloaded from ($MOBILITY_NB_UPSTREAM_URL overrides the host)."""
    return spec_url(upstream_file(name))


def spec_url(spec: UpstreamFile) -> str:
    """The URL of one manifest entry (its own ref and path) under the configured host."""
    template = os.environ.get(URL_ENV_VAR, "").strip() or DEFAULT_URL_TEMPLATE
    if "{path}" not in template:
        raise DownloadError(
            f"${URL_ENV_VAR} is set to {_redact(template)!r}, which has no {{path}} "
            "placeholder. Use a template like "
            f"{DEFAULT_URL_TEMPLATE!r}, or unset ${URL_ENV_VAR}."
        )
    return template.replace("{ref}", spec.ref).replace("{path}", spec.path)


def ensure_file(
    name: str,
    data_dir: str | os.PathLike[str],
    *,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 2.0,
    session: requests.Session | None = None,
) -> Path:
    """Return the path of ``name`` below ``data_dir``, downloading it first if absent.

    A file already present anywhere below ``data_dir`` is used as it is, without any
    network request. Otherwise the pinned upstream version is downloaded into
    ``data_dir`` and checked (not empty, complete, expected header, sha256 when known).
    Connection errors, timeouts and server errors (5xx) are retried ``retries`` times,
    waiting ``backoff`` x 1, 2, 4 ... seconds. Raises DownloadError on failure, leaving
    no partial file behind.
    """
    root = Path(data_dir).expanduser()
    existing = find_file(root, name)
    if existing is not None:
        return existing
    spec = upstream_file(name)
    return download_file(
        spec, root, timeout=timeout, retries=retries, backoff=backoff, session=session
    )


def download_file(
    spec: UpstreamFile,
    root: Path,
    *,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 2.0,
    session: requests.Session | None = None,
) -> Path:
    """Download ``spec`` (at its own ref) to ``root / spec.name``, replacing any file there.

    Same checks, retries and guarantees as :func:`ensure_file`; on success a download
    record (:mod:`mobility_nb.data.origin`) names the ref the file came from. A 404 raises
    NotPublishedError, a DownloadError that callers may treat as "not in this release".
    """
    url = spec_url(spec)
    target = root / spec.name
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _error(spec, url, root, f"the data directory cannot be created ({exc})") from exc

    def check(tmp_path: Path, digest: str) -> None:
        _check(spec, url, root, tmp_path, digest)

    def note_origin(path: Path, digest: str) -> None:
        _note_origin(path, spec, url, digest)

    return _download(
        url,
        target,
        label=spec.name,
        fail=functools.partial(_error, spec, url, root),
        missing=functools.partial(_error, spec, url, root, kind=NotPublishedError),
        not_found=f"the file is not published at {spec.ref!r} in "
        "UI-Research/mobility-from-poverty (or under this URL)",
        check=check,
        done=note_origin,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        session=session,
    )


def _note_origin(target: Path, spec: UpstreamFile, url: str, digest: str) -> None:
    """Record which ref the file came from; a failure here must not undo a good download."""
    try:
        write_record(target, ref=spec.ref, url=_redact(url), sha256=digest)
    except OSError as exc:
        log.warning("Could not record where %s came from (%s)", spec.name, exc)


def download_pinned(
    url: str,
    target: str | os.PathLike[str],
    *,
    sha256: str,
    fail: Callable[[str], DownloadError],
    not_found: str = "the file is not published under this URL",
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 2.0,
    session: requests.Session | None = None,
) -> Path:
    """Download ``url`` to ``target`` unless it is there; keep it only if it hashes to ``sha256``.

    The same streaming, retries and atomic move as :func:`ensure_file`, for pinned files
    that are not in the Mobility Metrics manifest (e.g. the us-atlas county boundaries).
    ``fail(problem)`` builds the DownloadError raised on failure, so the caller's message
    can say where else the file may be found.
    """
    target = Path(target).expanduser()
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"the folder {target.parent} cannot be created ({exc})") from exc

    def check(tmp_path: Path, digest: str) -> None:
        if tmp_path.stat().st_size == 0:
            raise _Transient("the server sent an empty file")
        if digest != sha256:
            raise fail(
                f"its sha256 checksum is {digest}, not the expected {sha256}, so it is not "
                "the pinned file (changed upstream, cut off or corrupted on the way)"
            )

    return _download(
        url,
        target,
        label=target.name,
        fail=fail,
        not_found=not_found,
        check=check,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        session=session,
    )


def _download(
    url: str,
    target: Path,
    *,
    label: str,
    fail: Callable[[str], DownloadError],
    not_found: str,
    check: Callable[[Path, str], None],
    missing: Callable[[str], DownloadError] | None = None,
    done: Callable[[Path, str], None] | None = None,
    timeout: float,
    retries: int,
    backoff: float,
    session: requests.Session | None,
) -> Path:
    """Stream ``url`` into a temp file beside ``target``, ``check`` it, move it into place.

    Transient failures (network, 5xx, cut-off bodies) are retried with exponential backoff.
    A 404 raises ``missing(problem)`` (default ``fail``); ``done(target, sha256)`` runs after
    the file is in place.
    """
    root = target.parent
    own_session = session is None
    http = session or requests.Session()
    try:
        attempt = 0
        while True:
            try:
                with _temporary_file(root, target.name) as (tmp_path, fh):
                    digest = _fetch(
                        http,
                        url,
                        fh,
                        timeout,
                        label=label,
                        fail=fail,
                        not_found=not_found,
                        missing=missing or fail,
                    )
                    fh.close()
                    check(tmp_path, digest)
                    os.chmod(tmp_path, 0o644)  # mkstemp's 0600 would hide it from the team
                    os.replace(tmp_path, target)
                if done is not None:
                    done(target, digest)
                log.info("Downloaded %s from %s", label, _redact(url))
                return target
            except _Transient as exc:
                if attempt >= retries:
                    tries = attempt + 1
                    raise fail(f"{exc} (gave up after {tries} attempt{'s' * (tries > 1)})") from exc
                wait = backoff * (2**attempt)
                log.warning("Download of %s failed (%s); retrying in %.0fs", label, exc, wait)
                time.sleep(wait)
                attempt += 1
            except OSError as exc:  # disk full, no permission, ...
                raise fail(f"the file could not be written there ({exc.strerror or exc})") from exc
    finally:
        if own_session:
            http.close()


class _Transient(Exception):
    """A failure worth retrying (network trouble, server error, cut-off body)."""


@contextlib.contextmanager
def _temporary_file(root: Path, name: str) -> Iterator[tuple[Path, io.BufferedWriter]]:
    """A hidden temp file in ``root``; removed on any exit unless it was moved away."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=root)
    tmp_path = Path(tmp)
    fh = os.fdopen(fd, "wb")
    try:
        yield tmp_path, fh
    finally:
        fh.close()
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def _fetch(
    http: requests.Session,
    url: str,
    fh: io.BufferedWriter,
    timeout: float,
    *,
    label: str,
    fail: Callable[[str], DownloadError],
    not_found: str,
    missing: Callable[[str], DownloadError],
) -> str:
    """Stream ``url`` into ``fh``; return the sha256 of what was written."""
    digest = hashlib.sha256()
    try:
        with http.get(url, stream=True, timeout=timeout) as resp:
            if resp.status_code == 404:
                raise missing(f"the server answered 404 Not Found: {not_found}")
            if resp.status_code >= 500:
                raise _Transient(f"the server answered {resp.status_code} {resp.reason}")
            if resp.status_code != 200:
                raise fail(f"the server answered {resp.status_code} {resp.reason}")
            total = _int_or_none(resp.headers.get("Content-Length"))
            with _progress(label, total) as bar:
                seen = 0
                for chunk in resp.iter_content(chunk_size=_CHUNK):
                    fh.write(chunk)
                    digest.update(chunk)
                    wire = resp.raw.tell() if hasattr(resp.raw, "tell") else seen + len(chunk)
                    bar.update(max(wire - seen, 0))
                    seen = wire
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _Transient(_describe_network_error(exc)) from exc
    except requests.exceptions.ChunkedEncodingError as exc:
        raise _Transient("the connection broke off before the whole file arrived") from exc
    except requests.RequestException as exc:  # bad URL and the like: retrying will not help
        raise fail(f"the request failed ({type(exc).__name__})") from exc
    return digest.hexdigest()


def _check(spec: UpstreamFile, url: str, root: Path, path: Path, digest: str) -> None:
    """Raise unless the downloaded file looks like the expected CSV."""
    size = path.stat().st_size
    if size == 0:
        raise _Transient("the server sent an empty file")
    with path.open("rb") as fh:
        head = fh.read(_CHUNK)
        fh.seek(-1, os.SEEK_END)
        last = fh.read(1)
    if last != b"\n":
        raise _Transient(
            f"the file ends mid-line after {size:,} bytes, so the download was cut off"
        )
    first_line = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").rstrip("\r")
    columns = tuple(next(csv.reader([first_line]), []))
    expected = spec.header
    if columns[: len(expected)] != expected:
        shown = first_line[:120] + ("..." if len(first_line) > 120 else "")
        raise _error(
            spec,
            url,
            root,
            f"the file does not start with the expected columns {','.join(expected)}; its "
            f"first line is {shown!r} (an error page or a different file)",
        )
    if spec.sha256 and digest != spec.sha256:
        raise _error(
            spec,
            url,
            root,
            f"its sha256 checksum is {digest}, not the expected {spec.sha256}, so it is not "
            "the pinned release file (changed upstream or corrupted on the way)",
        )


def _error(
    spec: UpstreamFile,
    url: str,
    root: Path,
    problem: str,
    kind: type[DownloadError] = DownloadError,
) -> DownloadError:
    shown = _redact(url)
    return kind(
        f"Could not download {spec.name} from {shown}: {problem}. Nothing was saved. "
        f"To fix it, check your internet connection and try again, or download the file "
        f"by hand (from {shown}, or the data/ folder of {REPOSITORY_PAGE} at {spec.ref}) "
        f"and put it in {root}, or set ${DATA_ENV_VAR} to a folder that already holds it.",
        file=spec.name,
        url=shown,
        problem=problem,
    )


def _describe_network_error(exc: Exception) -> str:
    if isinstance(exc, requests.Timeout):
        return "the server did not answer in time"
    return f"could not connect to the server ({type(exc).__name__})"


def _redact(url: str) -> str:
    """Drop any user:password@ and query string, so a URL is safe to print."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url.split("?", 1)[0]
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _progress(name: str, total: int | None) -> tqdm:
    quiet = os.environ.get(QUIET_ENV_VAR, "").strip().lower() not in ("", "0", "false", "no")
    interactive = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
    return tqdm(
        total=total,
        desc=f"Downloading {name}",
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        disable=quiet or not interactive,
        leave=False,
    )
