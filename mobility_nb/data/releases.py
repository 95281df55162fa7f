"""Follow Urban's releases of the Mobility Metrics: what is here, get another, what changed.

Analysts need to say which release a page used, to take up a newer one without breaking
the pages they publish, and to see what a new release changed before they do.

* :func:`status` lists the files a data folder holds, the release each came from (from the
  download record, else by checksum), their size, sha256 and years, and whether each
  matches the release this version of mobility-nb is pinned to.
* :func:`update` downloads a release into its own cache folder (``releases/<tag>/``), checks
  every file, and only then makes it current (one atomic rewrite of ``current.json``; see
  :mod:`mobility_nb.data.layout`). An interrupted or refused update leaves the previous
  release in use; files that arrived are kept, so running it again resumes.
* comparing two releases lives in :mod:`mobility_nb.data.release_diff` (it reads
  releases through this module).

Which files a release holds: the per-release manifest when there is one (a file given
with ``manifest=``, else ``resources/releases/<tag>.json`` shipped with the package; same
entries as ``upstream_files.json`` plus ``required``), otherwise the files the pinned
manifest takes from the pinned release, looked up at the other tag with the same id
header and no checksum (checksums are only known for the pinned release). The county and
city main files are required; a 404 for any other file means "not in this release".
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from mobility_nb.atomic import write_atomic
from mobility_nb.config import ENV_VAR as DATA_ENV_VAR
from mobility_nb.config import default_cache_dir, find_file, resolve_data_dir
from mobility_nb.data import layout, origin
from mobility_nb.data.download import REPOSITORY_PAGE, UpstreamFile, download_file, known_files
from mobility_nb.data.metrics import MAIN_FILES, SUBGROUP_FILES
from mobility_nb.errors import DownloadError, NotPublishedError, ReleaseError
from mobility_nb.render.recorder import file_sha256

Echo = Callable[[str], None]

# --------------------------------------------------------------------------------------------
# The file list of a release


@dataclass(frozen=True)
class ReleaseFile:
    """One file a release should hold; ``spec.ref`` is the release tag (or a commit)."""

    spec: UpstreamFile
    required: bool


def release_files(
    tag: str | None = None, manifest: str | os.PathLike[str] | None = None
) -> tuple[list[ReleaseFile], str]:
    """The files of release ``tag`` (default: the pinned one) and where the list came from."""
    tag = layout.check_tag(tag or layout.pinned_release())
    if manifest is not None:
        path = Path(manifest).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ReleaseError(
                f"The release manifest {str(path)!r} cannot be read ({exc.strerror or exc}). "
                "Check the path, or leave --manifest out to use the pinned file list."
            ) from None
        return _parse_manifest(text, tag, str(path)), str(path)
    shipped = resources.files("mobility_nb").joinpath(f"resources/releases/{tag}.json")
    if shipped.is_file():
        source = f"resources/releases/{tag}.json"
        return _parse_manifest(shipped.read_text(encoding="utf-8"), tag, source), source
    pinned = layout.pinned_release()
    files = [
        ReleaseFile(
            replace(spec, ref=tag, sha256=spec.sha256 if tag == pinned else None),
            required=spec.name in MAIN_NAMES,
        )
        for spec in known_files()
        if spec.ref == pinned
    ]
    return files, ("pinned manifest" if tag == pinned else f"pinned file list at {tag}")


MAIN_NAMES = frozenset(MAIN_FILES.values())


def _parse_manifest(text: str, tag: str, source: str) -> list[ReleaseFile]:
    def bad(problem: str) -> ReleaseError:
        return ReleaseError(
            f"The release manifest {source} {problem}. It must be JSON like "
            '{"release": "<tag>", "files": [{"name": ..., "path": "data/...", "header": '
            '[...], "sha256": ... or null, "required": true/false}]}; fix it or leave it out.'
        )

    try:
        data = json.loads(text)
    except ValueError as exc:
        raise bad(f"is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise bad("has no list of files")
    if str(data.get("release", tag)) != tag:
        raise bad(f"describes release {data.get('release')!r}, not {tag!r}")
    pinned = {spec.name: spec for spec in known_files()}
    out = []
    for i, entry in enumerate(data["files"], start=1):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise bad(f"has a file entry without a name (entry {i})")
        name = str(entry["name"])
        header = entry.get("header") or (pinned[name].header if name in pinned else None)
        if not header:
            raise bad(f"gives no header for {name}, which mobility-nb does not know")
        spec = UpstreamFile(
            name=name,
            path=str(entry.get("path") or f"data/{name}"),
            ref=str(entry.get("ref") or tag),
            header=tuple(str(c) for c in header),
            sha256=entry.get("sha256") or None,
            note=str(entry.get("note", "")),
        )
        out.append(ReleaseFile(spec, bool(entry.get("required", name in MAIN_NAMES))))
    return out


# --------------------------------------------------------------------------------------------
# status


@dataclass(frozen=True)
class FileStatus:
    """One data file as found in a folder."""

    name: str
    path: Path
    release: str  # "v2025.01", "commit 1b0cfe0" or "unknown"
    how: str  # origin.BY_RECORD, BY_CHECKSUM, CHANGED or NOT_FOUND
    size: int
    sha256: str
    years: str  # "2014–2023"; "" when the file has no year column
    pinned_ref: str | None  # what upstream_files.json pins for this name
    matches_pinned: bool | None  # None: cannot tell (no pinned checksum, origin unknown)

    @property
    def release_label(self) -> str:
        if self.how == origin.BY_RECORD:
            return self.release
        if self.how == origin.NOT_FOUND:
            return "unknown (not downloaded by mobility-nb)"
        return f"{self.release} ({self.how})"


@dataclass(frozen=True)
class CachedRelease:
    """One ``releases/<tag>/`` folder of a cache."""

    tag: str
    folder: Path
    complete: bool
    files: int


@dataclass
class DataStatus:
    """What :func:`status` found; :meth:`text` says it for people, :meth:`to_dict` for tools."""

    folder: Path  # the folder pages read
    cache: Path | None  # the cache it belongs to, None for a folder the user filled
    current: str | None  # the release pages read from the cache
    pinned: str
    files: list[FileStatus]
    missing: list[str] = field(default_factory=list)  # release files not (yet) there
    not_published: list[str] = field(default_factory=list)
    releases: list[CachedRelease] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = []
        if self.cache is not None:
            state = next((r for r in self.releases if r.tag == self.current), None)
            done = "complete" if state and state.complete else "not downloaded in full"
            lines.append(f"Pages read release {self.current} ({done}) from {self.folder}")
            others = [r for r in self.releases if r.tag != self.current]
            if others:
                lines.append(
                    "Also in the cache: "
                    + ", ".join(
                        f"{r.tag} ({'complete' if r.complete else 'partial'})" for r in others
                    )
                )
        else:
            lines.append(
                f"Pages read the folder {self.folder} (filled by you, not a release cache)"
            )
        lines.append(f"mobility-nb is pinned to release {self.pinned}.")
        lines.append("")
        if self.files:
            rows = [
                [
                    f.name,
                    f.release_label,
                    f.years or "-",
                    _human_size(f.size),
                    f.sha256[:12],
                    _yes_no(f.matches_pinned, f),
                ]
                for f in self.files
            ]
            lines += text_table(["file", "release", "years", "size", "sha256", "pinned?"], rows)
        else:
            lines.append("No Mobility Metrics files here yet.")
        if self.missing:
            lines.append("")
            lines.append(f"Not here yet: {short_names(self.missing)}")
            lines.append(
                "They are downloaded when a page needs them, or all at once with "
                "`mobility-nb data update`."
            )
        if self.not_published:
            lines.append(f"Not published in this release: {short_names(self.not_published)}")
        lines += [""] + self.notes if self.notes else []
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


def _yes_no(value: bool | None, f: FileStatus) -> str:
    if value is None:
        return "cannot tell"
    if value:
        return "yes"
    pinned = origin.describe_ref(f.pinned_ref) if f.pinned_ref else "nothing"
    return f"no (pinned: {pinned})"


def status(data_dir: str | os.PathLike[str] | None = None) -> DataStatus:
    """Which release and files the data folder pages read holds.

    ``data_dir`` as for the loaders (None: ``$MOBILITY_NB_DATA``, else the cache). For a
    release cache the other releases it holds are listed too.
    """
    folder = resolve_data_dir(data_dir)
    cache = cache_of(folder)
    pinned_specs = {spec.name: spec for spec in known_files()}
    paths = data_files(folder, managed=cache is not None)
    files = [_file_status(name, path, pinned_specs.get(name)) for name, path in paths.items()]
    result = DataStatus(
        folder=folder,
        cache=cache,
        current=folder.name if cache is not None else None,
        pinned=layout.pinned_release(),
        files=files,
    )
    if cache is not None:
        result.releases = cached_releases(cache)
        done = layout.completion(folder)
        if done is not None:  # the file list the update used, whatever its source
            result.not_published = [str(n) for n in done.get("not_published", [])]
            expected = [str(f.get("name")) for f in done.get("files", [])]
        else:
            expected = [rf.spec.name for rf in release_files(folder.name)[0]]
        result.missing = [n for n in expected if n not in paths]
        result.notes.append(f"Cache: {cache}")
    elif data_dir is None:
        result.notes.append(
            f"${DATA_ENV_VAR} points pages at this folder; `mobility-nb data update` "
            f"downloads into the cache {default_cache_dir()}, which pages read only once "
            f"${DATA_ENV_VAR} is unset."
        )
    changed = [f.name for f in files if f.how == origin.CHANGED]
    if changed:
        result.notes.append(
            "Changed since mobility-nb downloaded them (their release is no longer known): "
            + ", ".join(changed)
        )
    return result


def cache_of(folder: Path) -> Path | None:
    if layout.is_release_folder(folder, default_cache_dir()):
        return folder.parent.parent
    return None


def cached_releases(cache: Path) -> list[CachedRelease]:
    root = cache / layout.RELEASES_DIR
    if not root.is_dir():
        return []
    out = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        count = sum(1 for p in sub.iterdir() if p.suffix == ".csv" and p.is_file())
        out.append(CachedRelease(sub.name, sub, layout.completion(sub) is not None, count))
    return out


LEVEL_OF: dict[str, str] = {name: level for level, name in MAIN_FILES.items()}
LEVEL_OF.update({s.name: level for level, specs in SUBGROUP_FILES.items() for s in specs})
_URBAN_NAME = re.compile(r"^\d\d_.+\.csv$")


def data_files(folder: Path, managed: bool) -> dict[str, Path]:
    """Urban's files in ``folder``: every one at the top of a release folder; in a folder
    the user filled, the one the loaders pick (by name, anywhere below) for each known name."""
    if not folder.is_dir():
        return {}
    if managed:
        return {
            p.name: p for p in sorted(folder.iterdir()) if p.is_file() and _URBAN_NAME.match(p.name)
        }
    names = [spec.name for spec in known_files()]
    names += [n for n in LEVEL_OF if n not in names]
    found = {}
    for name in names:
        hit = find_file(folder, name)
        if hit is not None:
            found[name] = hit
    return found


def _file_status(name: str, path: Path, pinned: UpstreamFile | None) -> FileStatus:
    digest = file_sha256(path)
    where = origin.origin_of(path, digest)
    if pinned is None:
        matches = None
    elif pinned.sha256:
        matches = digest == pinned.sha256
    elif where.ref is not None:
        matches = where.ref == pinned.ref
    else:
        matches = None
    return FileStatus(
        name=name,
        path=path,
        release=where.release,
        how=where.how,
        size=path.stat().st_size,
        sha256=digest,
        years=_years_of(path),
        pinned_ref=pinned.ref if pinned else None,
        matches_pinned=matches,
    )


def _years_of(path: Path) -> str:
    """The years a file covers, read from its ``year`` column only."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            header = next(csv.reader([fh.readline()]), [])
        if "year" not in header:
            return ""
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                include_columns=["year"], column_types={"year": pa.int32()}, null_values=["NA", ""]
            ),
        )
    except (OSError, pa.ArrowInvalid):
        return "unreadable"
    return years_compact(table.column("year").unique().to_pylist())


def years_compact(values: Sequence[int | None]) -> str:
    """'2014–2019, 2021, 2023': runs of three or more years as ranges, the rest listed."""
    years = sorted({int(v) for v in values if v is not None})
    parts, start = [], 0
    for i in range(1, len(years) + 1):
        if i == len(years) or years[i] != years[i - 1] + 1:
            run = years[start:i]
            parts += [f"{run[0]}\u2013{run[-1]}"] if len(run) >= 3 else [str(y) for y in run]
            start = i
    return ", ".join(parts)


# --------------------------------------------------------------------------------------------
# update


@dataclass
class UpdateResult:
    """What :func:`update` did."""

    release: str
    cache: Path
    folder: Path
    previous: str | None  # the release pages read before
    downloaded: list[str]
    kept: list[str]  # already there and verified (an earlier, interrupted run)
    carried: list[str]  # files pinned to a commit, copied from the previous release's folder
    not_published: list[str]
    file_list: str  # where the list of files came from
    notes: list[str] = field(default_factory=list)

    @property
    def switched(self) -> bool:
        return self.previous != self.release

    def text(self) -> str:
        got = len(self.downloaded) + len(self.kept) + len(self.carried)
        if self.switched:
            head = f"Release {self.release} is now current (was {self.previous or 'none'})."
        else:
            head = f"Release {self.release} is current and complete."
        lines = [
            head,
            f"Folder: {self.folder}",
            f"{got} file(s): {len(self.downloaded)} downloaded, {len(self.kept)} already there"
            + (f", {len(self.carried)} copied from the previous release" if self.carried else "")
            + f". File list: {self.file_list}.",
        ]
        if self.not_published:
            lines.append(f"Not published in this release: {short_names(self.not_published)}")
        lines += self.notes
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {**plain(self), "switched": self.switched}


def update(
    release: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    manifest: str | os.PathLike[str] | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 2.0,
    echo: Echo | None = None,
) -> UpdateResult:
    """Download release ``release`` (default: the pinned one) and make it current.

    ``data_dir`` is the cache to fill (default: ``$MOBILITY_NB_DATA`` when that is a
    release cache, else the user cache). Each file is checked as it arrives (complete,
    expected header, sha256 where known) and moved into place atomically; the release
    becomes current only when all of them are there. On failure ReleaseError names the
    file and URL and the previous release stays current; the files that arrived are kept,
    so running update again resumes where it stopped.
    """
    say = echo or (lambda _msg: None)
    tag = layout.check_tag(release or layout.pinned_release())
    cache = _cache_for_update(data_dir)
    files, source = release_files(tag, manifest)
    folder = layout.release_dir(cache, tag)
    previous = layout.current_release(cache)
    if previous is None:
        # From now on the folder is a cache: it must not be read as one flat data folder,
        # even if this first update is interrupted.
        previous = layout.pinned_release()
        _mkdir(cache)
        layout.write_current(cache, previous)
    _mkdir(folder)
    _remove_stale_partials(folder)
    result = UpdateResult(tag, cache, folder, previous, [], [], [], [], source)
    with _session() as http:
        for i, rf in enumerate(files, start=1):
            name = rf.spec.name
            prefix = f"[{i}/{len(files)}] {name}"
            if _verified(folder / name, rf.spec):
                result.kept.append(name)
                say(f"{prefix}: already here, checked")
                continue
            try:
                download_file(
                    rf.spec,
                    folder,
                    timeout=timeout,
                    retries=retries,
                    backoff=backoff,
                    session=http,
                )
            except NotPublishedError as exc:
                if rf.required:
                    raise _update_failed(result, exc, len(files)) from None
                result.not_published.append(name)
                say(f"{prefix}: not published in {tag}")
                continue
            except DownloadError as exc:
                raise _update_failed(result, exc, len(files)) from None
            result.downloaded.append(name)
            say(f"{prefix}: downloaded ({_human_size((folder / name).stat().st_size)})")
    if previous != tag:
        result.carried = _carry_pinned_commits(
            cache, previous, folder, {f.spec.name for f in files}
        )
    _write_completion(folder, result, files)
    if previous != tag:
        layout.write_current(cache, tag)
    env = os.environ.get(DATA_ENV_VAR, "").strip()
    if env and not _same(Path(env).expanduser(), cache):
        result.notes.append(
            f"Note: ${DATA_ENV_VAR} is set, so pages read {os.environ[DATA_ENV_VAR]} and not "
            f"this cache. Unset it to use release {tag}."
        )
    return result


def _cache_for_update(data_dir: str | os.PathLike[str] | None) -> Path:
    """The cache folder to fill; refuses a folder of the user's own files."""
    if data_dir is None:
        return cache_for_lookup(None)
    root = Path(data_dir).expanduser().resolve()
    if layout.is_release_folder(root, default_cache_dir()):
        return root.parent.parent
    if layout.is_cache(root) or _same(root, default_cache_dir()) or not root.exists():
        return root
    if not root.is_dir():
        raise ReleaseError(f"{str(root)!r} is a file, not a folder. Give a folder for the cache.")
    own = [p.name for p in root.iterdir() if p.name not in (layout.RELEASES_DIR,)]
    if own:
        raise ReleaseError(
            f"{str(root)!r} holds files of its own ({', '.join(sorted(own)[:3])}"
            f"{', ...' if len(own) > 3 else ''}), so it is not a mobility-nb release cache. "
            "mobility-nb keeps releases in a folder it manages: give a new or empty folder "
            "with --data-dir, or leave --data-dir out to use the cache "
            f"{default_cache_dir()}."
        )
    return root


_STALE_SECONDS = 600  # a live download writes its temporary file every few milliseconds


def _remove_stale_partials(folder: Path) -> None:
    """Delete temporary files a killed download left behind (hidden, never read as data)."""
    now = time.time()
    for tmp in folder.glob(".*.part"):
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > _STALE_SECONDS:
                tmp.unlink()


def _verified(path: Path, spec: UpstreamFile) -> bool:
    """True when ``path`` is the file ``spec`` names, downloaded and unchanged since."""
    if not path.is_file():
        return False
    record = origin.read_record(path)
    if record is None or record.get("ref") != spec.ref:
        return False
    digest = file_sha256(path)
    return digest == record.get("sha256") and (spec.sha256 is None or digest == spec.sha256)


def _carry_pinned_commits(cache: Path, previous: str, folder: Path, taken: set[str]) -> list[str]:
    """Copy files pinned to a commit (they are the same in every release) from the previous
    release's folder, so pages that use them keep working offline after the switch."""
    old = layout.release_dir(cache, previous)
    carried = []
    for spec in known_files():
        if spec.name in taken or spec.ref == layout.pinned_release():
            continue
        source, target = old / spec.name, folder / spec.name
        if target.exists() or not _verified(source, spec):
            continue
        try:
            tmp = folder / f".{spec.name}.carry"
            shutil.copy2(source, tmp)
            os.replace(tmp, target)
            layout.record_dir(folder).mkdir(exist_ok=True)
            shutil.copy2(origin.record_path(source), origin.record_path(target))
        except OSError:
            with contextlib.suppress(OSError):
                (folder / f".{spec.name}.carry").unlink()
            continue
        carried.append(spec.name)
    return carried


def _write_completion(folder: Path, result: UpdateResult, files: list[ReleaseFile]) -> None:
    entries = []
    for rf in files:
        record = origin.read_record(folder / rf.spec.name)
        if record is not None:
            entries.append({k: record.get(k) for k in ("name", "ref", "sha256", "size")})
    body = {
        "release": result.release,
        "completed_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "file_list": result.file_list,
        "files": entries,
        "not_published": result.not_published,
    }
    write_atomic(
        layout.record_dir(folder) / layout.COMPLETE_FILE, json.dumps(body, indent=2) + "\n"
    )


def _update_failed(result: UpdateResult, exc: DownloadError, total: int) -> ReleaseError:
    got = len(result.downloaded) + len(result.kept)
    what = (
        f"Could not download {exc.file} from {exc.url} for release {result.release}: "
        + f"{exc.problem}."
        if exc.file
        else str(exc)
    )
    if got == 0:  # leave no empty folder that status would list as a partial release
        with contextlib.suppress(OSError):
            result.folder.rmdir()
    if isinstance(exc, NotPublishedError):
        return ReleaseError(
            f"{what} Every release has this file, so {result.release!r} is probably not a "
            f"release tag of {REPOSITORY_PAGE} (see its tags page), or the download address "
            f"is wrong. Nothing changed: pages keep reading {result.previous}."
        )
    kept = f" {got} of {total} files had arrived and are kept in {result.folder}." if got else ""
    return ReleaseError(
        f"{what} Release {result.release} was not made current: pages keep reading "
        f"{result.previous}.{kept} Check the connection and run the same update again to "
        "resume. If the same file fails its checks again, it is not the file the release's "
        "list describes: check the tag (and --manifest), or report it."
    )


@contextlib.contextmanager
def _session() -> Any:
    import requests

    http = requests.Session()
    try:
        yield http
    finally:
        http.close()


def _mkdir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReleaseError(
            f"The cache folder {str(path)!r} cannot be created ({exc.strerror or exc}). Give "
            "a writable folder with --data-dir."
        ) from None


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def cache_for_lookup(data_dir: str | os.PathLike[str] | None) -> Path:
    if data_dir is not None:
        root = Path(data_dir).expanduser().resolve()
        return root.parent.parent if layout.is_release_folder(root, default_cache_dir()) else root
    env = os.environ.get(DATA_ENV_VAR, "").strip()
    if env and layout.is_cache(Path(env).expanduser()):
        return Path(env).expanduser().resolve()
    return default_cache_dir()


# --------------------------------------------------------------------------------------------
# text helpers


def short_names(names: Sequence[str]) -> str:
    """File names for a sentence: in full up to three, else Urban's file numbers."""
    if not names:
        return "none"
    if len(names) <= 3 or not all(_URBAN_NAME.match(n) for n in names):
        return ", ".join(names)
    return f"{len(names)} files, numbers " + ", ".join(n[:2] for n in names)


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [
        max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
        for i, h in enumerate(header)
    ]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip()] + [fmt.format(*map(str, r)).rstrip() for r in rows]


def _human_size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def plain(obj: Any) -> Any:
    """Dataclasses, paths and tuples as JSON-ready values."""
    if hasattr(obj, "__dataclass_fields__"):
        return {
            k: plain(getattr(obj, k))
            for k in obj.__dataclass_fields__
            if not isinstance(getattr(obj, k), pd.DataFrame)
        }
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
