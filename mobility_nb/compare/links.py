"""Relative links from a comparison report to the pages beside it in an output folder.

Reports are written to ``OUT/compare/``; step pages live in ``OUT/<step>/`` and the index
at ``OUT/index.html``. Links are made only to files that exist when the report is built,
relative to the report, so the folder works offline and on any static host.
"""

from __future__ import annotations

from pathlib import Path

COMPARE_DIR = "compare"
UP = "../"  # from OUT/compare/ to OUT/


def step_links(out_dir: str | Path) -> dict[str, dict[str, str]]:
    """geoid -> step -> the page's path relative to ``out_dir`` (pages found on disk)."""
    from mobility_nb.run.batch.index_page import collect_entries

    folder = Path(out_dir)
    if not folder.is_dir():
        return {}
    out: dict[str, dict[str, str]] = {}
    for entry in collect_entries(folder):
        out.setdefault(entry.geoid, {}).update(entry.links)
    return out


def from_report(href: str) -> str:
    """A path relative to the output folder, as a link from a page in ``OUT/compare/``."""
    return UP + href


def index_href(out_dir: str | Path) -> str | None:
    """The batch index, when the output folder has one."""
    from mobility_nb.run.batch.index_page import INDEX_NAME

    return from_report(INDEX_NAME) if (Path(out_dir) / INDEX_NAME).is_file() else None
