"""Which release of Urban's files a data file came from.

Every download writes a small record beside the file it saved
(``<folder>/.mobility-nb/<file name>.json``: the tag or commit, the URL without any secret,
sha256, size, modification time and when it arrived). Pages and provenance name each file's
release from it. Files a user put in a folder themselves have no record; their release is
then found by matching their sha256 against the checksums mobility-nb knows (the pinned
manifest and any per-release manifests it ships), or stays "unknown".
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from mobility_nb.atomic import write_atomic
from mobility_nb.data.layout import record_dir

UNKNOWN = "unknown"
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
# Urban's data files are named "<two digits>_mobility-metrics_<what>.csv".
_URBAN_FILE = re.compile(r"^\d\d_mobility-metrics_.+\.csv$")

# How an origin was established, shown by `mobility-nb data status`.
BY_RECORD = "download record"
BY_CHECKSUM = "checksum"
CHANGED = "changed after download"
NOT_FOUND = "not downloaded by mobility-nb"


@dataclass(frozen=True)
class Origin:
    """Where one file came from and how sure we are."""

    release: str  # "v2025.01", "commit 1b0cfe0" or "unknown"
    ref: str | None  # the tag or commit as written in the manifest, None when unknown
    how: str  # BY_RECORD, BY_CHECKSUM, CHANGED or NOT_FOUND
    record: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        """The release with how it was found, for people: 'unknown (not downloaded ...)'."""
        if self.how == BY_RECORD:
            return self.release
        return f"{self.release} ({self.how})"


def is_urban_file(name: str) -> bool:
    """True for a Mobility Metrics file name (pages name a release only for those)."""
    return bool(_URBAN_FILE.match(name))


def describe_ref(ref: str) -> str:
    """A release tag as it is; a commit id as 'commit 1b0cfe0' (readers know tags, not ids)."""
    return f"commit {ref[:7]}" if _COMMIT.match(ref) else ref


def record_path(path: str | os.PathLike[str]) -> Path:
    """Where the download record of ``path`` lives."""
    file = Path(path)
    return record_dir(file.parent) / f"{file.name}.json"


def write_record(path: str | os.PathLike[str], *, ref: str, url: str, sha256: str) -> Path:
    """Note that ``path`` was just downloaded from ``url`` (already stripped of secrets)."""
    file = Path(path)
    st = file.stat()
    record = {
        "name": file.name,
        "ref": ref,
        "url": url,
        "sha256": sha256,
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "downloaded_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
    }
    return write_atomic(record_path(file), json.dumps(record, indent=2) + "\n")


def read_record(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The download record of ``path`` as written, or None when there is none (or unreadable)."""
    try:
        data = json.loads(record_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("ref"), str):
        return None
    return data


def origin_of(path: str | os.PathLike[str], sha256: str | None = None) -> Origin:
    """Where ``path`` came from: its download record, else its checksum, else unknown.

    A record is trusted while the file keeps the size and modification time it had on
    arrival; otherwise the file is hashed (or ``sha256`` is used, when the caller has it)
    and the record counts only if the bytes are unchanged.
    """
    file = Path(path)
    record = read_record(file)
    if record is not None:
        st = file.stat()
        same_stat = record.get("size") == st.st_size and record.get("mtime_ns") == st.st_mtime_ns
        if same_stat or (sha256 or _sha256(file)) == record.get("sha256"):
            return Origin(describe_ref(record["ref"]), record["ref"], BY_RECORD, record)
        return Origin(UNKNOWN, None, CHANGED, record)
    ref = known_checksums().get(sha256 or _sha256(file))
    if ref is not None:
        return Origin(describe_ref(ref), ref, BY_CHECKSUM)
    return Origin(UNKNOWN, None, NOT_FOUND)


def release_of(path: str | os.PathLike[str], sha256: str | None = None) -> str:
    """The release ``path`` came from ('v2025.01', 'commit 1b0cfe0') or 'unknown'.

    Pass ``sha256`` when it is already known (the page recorder hashes every file): a file
    without a download record is then identified without reading it again.
    """
    return origin_of(path, sha256).release


@lru_cache(maxsize=1)
def known_checksums() -> dict[str, str]:
    """sha256 -> ref for every file whose exact bytes mobility-nb knows."""
    from mobility_nb.data.download import known_files  # download imports us: lazily

    found = {spec.sha256: spec.ref for spec in known_files() if spec.sha256}
    for manifest in _shipped_release_manifests():
        tag = str(manifest.get("release", ""))
        for entry in manifest.get("files", []):
            digest = entry.get("sha256")
            if digest and tag:
                found.setdefault(str(digest), str(entry.get("ref") or tag))
    return found


def _shipped_release_manifests() -> list[dict[str, Any]]:
    folder = resources.files("mobility_nb").joinpath("resources/releases")
    if not folder.is_dir():
        return []
    out = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".json"):
            try:
                out.append(json.loads(item.read_text(encoding="utf-8")))
            except ValueError:
                continue
    return out


def _sha256(path: Path) -> str:
    from mobility_nb.render.recorder import file_sha256

    return file_sha256(path)
