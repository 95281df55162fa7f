"""Names of the files a run writes: page stems, their paths, the failure folder.

Every file name that comes from data (a jurisdiction's name, a list row) passes
:func:`check_stem`, so a hostile or odd name cannot make a page land outside its folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mobility_nb.errors import ParamsError

FAILED_DIR = "_failed"
_SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")


def page_paths(out_dir: Path, stem: str) -> tuple[Path, Path, Path]:
    """The HTML, CSV and provenance paths of a page."""
    check_stem(stem)
    out = Path(out_dir)
    return out / f"{stem}.html", out / f"{stem}.csv", out / f"{stem}.provenance.json"


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
