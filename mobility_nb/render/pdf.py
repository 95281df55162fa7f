"""A tagged PDF beside a published page (``--pdf`` on ``mobility-nb run`` and ``batch``).

Chromium's own printer, driven through Playwright for Python (PyPI), prints the page: the
browser the tests measure pages in is the one that prints them, so the PDF has exactly the
layout, page breaks, running header and page count the print checks hold (Step 2 within 12
Letter pages). Chromium writes a tagged PDF (headings, tables, lists, links and the charts'
alt text in the structure tree) with a document outline, and its text is extractable.
WeasyPrint, the other well-kept choice, lays pages out with its own engine, so its page
breaks and its reading of modern CSS (``<details>`` expanded in print, page-margin boxes,
CSS columns) would differ from the pages partners see in their browsers.

No browser is downloaded: Playwright drives Debian's ``chromium`` (``apt-get install
chromium``) or the one named by ``$MOBILITY_NB_CHROMIUM``. The page loads nothing while it
prints: every request other than the page file is refused.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mobility_nb.atomic import write_atomic
from mobility_nb.config import CHROMIUM_ENV
from mobility_nb.errors import BrowserUnavailableError

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# Chromium flags this machine needs: root (no sandbox), no GPU, and no background connections.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-dev-shm-usage",  # small /dev/shm in containers crashes tabs
)
INSTALL_HINT = (
    "install Chromium (Debian/Ubuntu: 'sudo apt-get install chromium', or set "
    f"${CHROMIUM_ENV} to a Chromium executable) and Playwright for Python "
    "(pip install 'mobility-nb[pdf]')"
)


def find_chromium() -> str | None:
    """The Chromium to drive: $MOBILITY_NB_CHROMIUM, else Debian's; None when there is none."""
    chosen = os.environ.get(CHROMIUM_ENV, "").strip()
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    for candidate in CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def unavailable_reason() -> str | None:
    """Why no PDF can be printed here, or None when Playwright and Chromium are present."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"Playwright for Python is not installed: {INSTALL_HINT}"
    if find_chromium() is None:
        return f"no Chromium was found: {INSTALL_HINT}"
    return None


@contextmanager
def printer() -> Iterator[Any]:
    """One headless Chromium for printing many pages (a Playwright browser context)."""
    reason = unavailable_reason()
    if reason:
        raise BrowserUnavailableError(f"Cannot write PDF files: {reason}.")
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_ARGS)
            )
        except Exception as exc:
            raise BrowserUnavailableError(
                f"Cannot write PDF files: Chromium at {executable} did not start ({exc}). "
                f"Check that it runs, or set ${CHROMIUM_ENV} to a working Chromium."
            ) from exc
        context = browser.new_context(offline=True, service_workers="block")
        try:
            yield context
        finally:
            context.close()
            browser.close()


def pdf_bytes(page: Any) -> bytes:
    """An open Playwright page printed as a tagged US Letter PDF (margins from page.css)."""
    page.emulate_media(media="print")
    return page.pdf(
        format="Letter",
        margin={side: "0.4in" for side in ("top", "right", "bottom", "left")},
        prefer_css_page_size=True,
        print_background=True,
        tagged=True,
        outline=True,
    )


def print_page(context: Any, html: str | Path, pdf: str | Path | None = None) -> Path:
    """Print ``html`` to ``pdf`` (default: beside it, ``.pdf``) as a tagged Letter PDF."""
    page_path = Path(html).resolve()
    target = Path(pdf) if pdf else page_path.with_suffix(".pdf")
    url = page_path.as_uri()
    page = context.new_page()
    try:
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.split("#")[0] == url else r.abort(),
        )
        page.goto(url, wait_until="load")
        data = pdf_bytes(page)
    finally:
        page.close()
    return write_atomic(target, data)


def publish_pdfs(
    pages: Iterable[tuple[str | Path, str]], *, only_stale: bool = False
) -> list[Path]:
    """A PDF beside every published page ``(html, step)``, linked from the page's navigation.

    With ``only_stale``, pages whose PDF is newer than the HTML are left alone (a batch that
    skipped up-to-date pages). One browser prints them all.
    """
    from mobility_nb.render.page_links import page_links, published_extras, refresh_nav

    todo = []
    for html, step in pages:
        page = Path(html)
        pdf = page.with_suffix(".pdf")
        if only_stale and pdf.is_file() and pdf.stat().st_mtime >= page.stat().st_mtime:
            continue
        todo.append((page, step))
    if not todo:
        return []
    written = []
    with printer() as context:
        for page, step in todo:
            folder, stem = page.parent, page.stem
            extras = published_extras(folder, stem)
            refresh_nav(page, page_links(folder, stem, step, [*extras, "pdf"]))
            written.append(print_page(context, page))
    return written
