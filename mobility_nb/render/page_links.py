"""The links at the top of every page: the index, the same place's other steps, its files.

Pages are handed around as a folder (or copied to any static host), so every link is
relative and points at a file that exists. A batch writes ``<out>/<step>/<stem>.html`` with
the index at ``<out>/index.html``; ``mobility-nb run`` writes ``<out>/<stem>.html``. When a
page is published it links the sibling pages already on disk; when the index is rebuilt
(:func:`mobility_nb.run.batch.index_page.write_index`) the navigation of pages whose set
of siblings changed is rewritten with :func:`refresh_nav`, so the first page of a batch
links the later ones too. Links to upstream sources are plain ``<a href>`` links, which a
browser does not fetch when the page opens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mobility_nb.atomic import write_atomic
from mobility_nb.render.formats import html_attr, html_text, label
from mobility_nb.steps import REGISTRY

INDEX_NAME = "index.html"
_DOWNLOAD_NAMES = {
    "plan.csv": "Measurement plan (CSV)",
    "plan.xlsx": "Measurement plan (Excel)",
    "pdf": "This page as PDF",
}
_NAV = re.compile(r'<nav class="mnb-nav"[^>]*>.*?</nav>', re.DOTALL)


@dataclass(frozen=True)
class PageLinks:
    """Where a page's related pages and files are, relative to the page."""

    index: str = ""  # "../index.html", or "" when there is no index
    steps: tuple[tuple[str, str], ...] = ()  # (step key, href; "" for this page), registry order
    downloads: tuple[tuple[str, str], ...] = ()  # (label, href)


def page_root(folder: Path, step: str) -> Path:
    """The output folder of a page: its folder's parent for a batch layout (``<out>/<step>``)."""
    folder = Path(folder)
    return folder.parent if step and folder.name == step else folder


def page_links(
    folder: Path,
    stem: str,
    step: str,
    extras: Iterable[str] = (),
    *,
    planned_index: bool | None = None,
) -> PageLinks:
    """The links of ``<folder>/<stem>.html``: index, sibling steps on disk, published files.

    ``extras`` are the files a notebook exported beside the page (published as
    ``<stem>.<name>``). ``planned_index`` says an index will be written (a batch); by
    default the index is linked when the folder layout is a batch's or an index exists.
    """
    folder = Path(folder)
    root = page_root(folder, step)
    batch = root != folder
    up = "../" if batch else ""
    has_index = planned_index if planned_index is not None else batch
    has_index = has_index or (root / INDEX_NAME).is_file()
    steps: list[tuple[str, str]] = []
    if batch:
        for key in REGISTRY:
            if key == step:
                steps.append((key, ""))
            elif (root / key / f"{stem}.html").is_file():
                steps.append((key, f"../{key}/{stem}.html"))
    downloads = [("Every number on this page (CSV)", f"{stem}.csv")]
    for name in extras:
        text = _DOWNLOAD_NAMES.get(name)
        if name == "pdf":
            downloads.insert(0, (str(text), f"{stem}.pdf"))
            continue
        if text is None:
            base, _, ext = name.rpartition(".")
            text = f"{label(base)} ({'Excel' if ext in ('xlsx', 'xlsm') else ext.upper()})"
        downloads.append((text, f"{stem}.{name}"))
    return PageLinks(f"{up}{INDEX_NAME}" if has_index else "", tuple(steps), tuple(downloads))


def nav_html(links: PageLinks) -> str:
    """The navigation bar (one ``<nav>`` element, rewritten in place by :func:`refresh_nav`)."""
    items: list[str] = []
    if links.index:
        items.append(f'<li><a href="{html_attr(links.index)}">All pages</a></li>')
    for key, href in links.steps if len(links.steps) > 1 else ():
        step = REGISTRY[key]
        text = f"Step {key[4:]}: {step.title}"
        if href:
            items.append(f'<li><a href="{html_attr(href)}">{html_text(text)}</a></li>')
        else:
            items.append(f'<li><span aria-current="page">{html_text(text)}</span></li>')
    for text, href in links.downloads:
        items.append(f'<li><a href="{html_attr(href)}" download>{html_text(text)}</a></li>')
    if not items:
        return '<nav class="mnb-nav" aria-label="Related pages and files"></nav>'
    return (
        '<nav class="mnb-nav" aria-label="Related pages and files"><ul>'
        + "".join(items)
        + "</ul></nav>"
    )


def refresh_nav(page: Path, links: PageLinks) -> bool:
    """Rewrite the navigation of a published page when it changed; True when rewritten."""
    text = Path(page).read_text(encoding="utf-8")
    new = nav_html(links)
    match = _NAV.search(text)
    if match is None or match.group(0) == new:
        return False
    write_atomic(Path(page), text[: match.start()] + new + text[match.end() :])
    return True


_OWN_SUFFIXES = ("html", "csv", "provenance.json", "fingerprint")


def published_extras(folder: Path, stem: str) -> list[str]:
    """Names of the files exported beside ``<stem>.html`` (``<stem>.plan.xlsx`` -> 'plan.xlsx')."""
    out = []
    for path in sorted(Path(folder).glob(f"{glob_escape(stem)}.*")):
        name = path.name[len(stem) + 1 :]
        if path.is_file() and name not in _OWN_SUFFIXES and not name.endswith(".tmp"):
            out.append(name)
    return out


def glob_escape(text: str) -> str:
    """``text`` with glob wildcards escaped (stems are plain names, but be safe)."""
    return re.sub(r"([*?\[])", r"[\1]", text)
