"""Names of the files a run writes: page stems, their paths, the failure folder.

Every file name that comes from data (a jurisdiction's name, a list row) passes
:func:`check_stem`, and every file the tool writes into an output folder (pages and
their extras, fingerprints, failed notebooks, the manifest, the index, the lock) is
named through :func:`out_path`, which refuses anything that would resolve outside the
folder (``..``, absolute parts, a symlink pointing elsewhere). A hostile or odd name
cannot make a file land outside ``--out``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mobility_nb.errors import ParamsError, UnsafeOutputPathError

FAILED_DIR = "_failed"
_SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")


_COMPONENT = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9._-]{0,200}")


def out_path(out_dir: str | Path, relative: str) -> Path:
    """``out_dir/relative``, refused unless it stays inside ``out_dir`` once resolved.

    The one way to name a file the tool writes into an output folder. ``relative`` is a
    POSIX path of plain components (no ``..``, no absolute path, no separators hidden in
    names); the resolved result (symlinks followed) must lie inside the resolved folder.
    """
    root = Path(out_dir).resolve()
    parts = str(relative).split("/")
    bad = [p for p in parts if p in ("", ".", "..") or not _COMPONENT.fullmatch(p)]
    target = root.joinpath(*parts)
    if not bad:
        resolved = target.resolve()
        if resolved == root or not resolved.is_relative_to(root):
            bad = [str(relative)]
    if bad:
        raise UnsafeOutputPathError(
            f"The file name {str(relative)!r} would be written outside the output folder "
            f"{root} (or is not a plain file name), so nothing was written. File names come "
            "from jurisdiction codes, names and list rows; check the data file or list row "
            "that produced it, and that no folder inside the output folder is a link to "
            "another place."
        )
    return Path(out_dir).joinpath(*parts)  # as the user named the folder (for messages)


def page_paths(out_dir: Path, stem: str) -> tuple[Path, Path, Path]:
    """The HTML, CSV and provenance paths of a page."""
    check_stem(stem)
    return (
        out_path(out_dir, f"{stem}.html"),
        out_path(out_dir, f"{stem}.csv"),
        out_path(out_dir, f"{stem}.provenance.json"),
    )


def default_stem(place: Any) -> str:
    """``<geoid>-<slug of the name>`` for a resolved jurisdiction."""
    slug = getattr(place, "slug", None)
    if isinstance(slug, str) and _SAFE_STEM.fullmatch(slug):
        return slug
    from mobility_nb.data.jurisdictions import slugify

    name = slugify(str(getattr(place, "display_name", "")))
    return f"{place.geoid}-{name}" if name else str(place.geoid)


def variant_stem(stem: str, digest: str) -> str:
    """The file name of a page whose settings differ from an existing page's of that name."""
    return f"{stem}-{digest[:8]}"


def is_plain_name(name: str) -> bool:
    """A plain file name: letters, digits, '.', '-', '_', starting with a letter or digit."""
    return bool(_SAFE_STEM.fullmatch(name))


def check_stem(stem: str) -> None:
    """File stems are plain names: no folders, no hidden files."""
    if not _SAFE_STEM.fullmatch(stem):
        raise ParamsError(
            f"The output name {stem!r} is not a plain file name. Use letters, digits, '.', "
            "'-' and '_' only, starting with a letter or digit."
        )
