"""See and measure a published page in a real browser (Debian's Chromium through Playwright).

Published pages must work offline, be accessible (WCAG 2.1 AA), fit a 390 px phone and print
(issue 12). Reading the HTML cannot tell whether a table pushes the page sideways or a grey is
too light on its stripe, so :class:`PageChecker` opens one HTML file from disk (``file://``) in
headless Chromium and measures what a reader gets, at a desktop (1280×800) and a phone
(390×844) viewport:

* every request other than the file itself is blocked and recorded (a page must load nothing);
  console errors and uncaught page errors are collected;
* axe-core (bundled by the ``axe-playwright-python`` package, pinned in ``pyproject.toml``)
  runs the WCAG 2.1 A/AA rules;
* horizontal page scroll, elements wider than the viewport, inner scroll boxes, page height
  in screens, and where the page summary (``[data-mnb-summary]``) starts;
* the page printed to US Letter PDF (print media), its page count and each page's text, and
  screenshots of the screen layouts and of the printed pages, for people to look at.

It lives in the package (not under ``tests/``) because both the browser tests and
``bench/page_report.py`` use it. Playwright and pypdfium2 are dev dependencies, imported only
when a checker starts. One checker holds one browser and two reusable contexts: keep one per
process (the machine has two cores).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobility_nb.config import CHROMIUM_ENV
from mobility_nb.errors import BrowserUnavailableError
from mobility_nb.render.pdf import CHROMIUM_ARGS, CHROMIUM_CANDIDATES, find_chromium, pdf_bytes

# The contract for page authors: the element holding the one-screen summary.
SUMMARY_SELECTOR = "[data-mnb-summary]"
# axe-core rule tags for WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
# Chrome's own default print margins (about 1 cm), so the page count is what a reader gets.
PRINT_MARGIN = "0.4in"
PRINT_DPI = 80  # PNG renderings of the printed pages: enough to read the text
TOLERANCE_PX = 1.0  # sub-pixel rounding is not overflow


@dataclass(frozen=True)
class Viewport:
    """A window size the pages must fit."""

    name: str
    width: int
    height: int


DESKTOP = Viewport("desktop", 1280, 800)
PHONE = Viewport("phone", 390, 844)
VIEWPORTS = (DESKTOP, PHONE)


@dataclass(frozen=True)
class AxeViolation:
    """One failed axe rule: how bad, how many elements, and one of them to look at."""

    rule: str
    impact: str | None
    nodes: int
    target: str
    help: str


@dataclass(frozen=True)
class WideElement:
    """An element whose box reaches outside the viewport (outermost one of a wide subtree)."""

    selector: str
    text: str  # its caption or first words, to find it on the page
    left: float
    right: float
    width: float
    note: str  # why it counts: "page", "clipped by …", "in a scroll box without …"


@dataclass(frozen=True)
class InnerScroller:
    """A box whose content is wider than the box (it scrolls or cuts content off)."""

    selector: str
    text: str
    client_width: int
    scroll_width: int
    overflow: str  # computed overflow-x: auto, scroll, hidden, clip
    focusable: bool
    name: str  # accessible name, "" when none


@dataclass
class ViewReport:
    """What the page looks like at one viewport."""

    viewport: Viewport
    client_width: int  # the layout width: the viewport less any vertical scroll bar
    scroll_width: int
    page_height: int
    opened_scroll_width: int = 0  # the same with every <details> section opened
    axe: list[AxeViolation] = field(default_factory=list)
    wide_elements: list[WideElement] = field(default_factory=list)
    wide_element_count: int = 0  # every element outside the viewport, nested ones included
    inner_scrollers: list[InnerScroller] = field(default_factory=list)
    summary_top: float | None = None  # px from the page top; None when absent
    summary_visible: bool = False
    screenshots: list[Path] = field(default_factory=list)

    @property
    def horizontal_scroll_px(self) -> int:
        """How far the page scrolls sideways, as loaded or with every section opened (0 when
        it fits either way): a reader opens the tables behind the summaries."""
        return max(0, max(self.scroll_width, self.opened_scroll_width) - self.client_width)

    @property
    def screens(self) -> float:
        """Page height in viewport heights."""
        return self.page_height / self.viewport.height

    @property
    def summary_in_first_screen(self) -> bool:
        return (
            self.summary_top is not None
            and self.summary_visible
            and self.summary_top < self.viewport.height
        )

    @property
    def summary_state(self) -> str:
        """'first screen', 'absent', 'hidden' or 'below (top N px)'."""
        if self.summary_top is None:
            return "absent"
        if not self.summary_visible:
            return "hidden"
        if self.summary_in_first_screen:
            return "first screen"
        return f"below (top {self.summary_top:.0f} px)"

    @property
    def axe_nodes(self) -> int:
        return sum(v.nodes for v in self.axe)


@dataclass
class PageReport:
    """Everything measured for one HTML file."""

    path: Path
    html_bytes: int
    axe_version: str
    views: dict[str, ViewReport]
    blocked_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    print_pages: int | None = None
    pdf_path: Path | None = None
    pdf_bytes: int | None = None
    print_screenshots: list[Path] = field(default_factory=list)
    print_texts: list[str] = field(default_factory=list)  # each printed page's text

    @property
    def desktop(self) -> ViewReport:
        return self.views[DESKTOP.name]

    @property
    def phone(self) -> ViewReport:
        return self.views[PHONE.name]


def browser_unavailable_reason() -> str | None:
    """Why no page can be checked here (for a test skip), or None when everything is present."""
    try:
        import playwright.sync_api  # noqa: F401
        from axe_playwright_python.sync_playwright import Axe  # noqa: F401
    except ImportError as exc:
        return (
            f"the browser checks need the dev dependencies ({exc.name} is missing): "
            "pip install -e '.[dev]'"
        )
    if find_chromium() is None:
        return (
            "no Chromium found (looked at $MOBILITY_NB_CHROMIUM and "
            f"{', '.join(CHROMIUM_CANDIDATES)}): run tests/browser/install-chromium.sh as root "
            "or apt-get install chromium"
        )
    return None


class PageChecker:
    """One headless Chromium, reused for every page checked; use it as a context manager."""

    def __init__(self, chromium: str | None = None) -> None:
        reason = browser_unavailable_reason() if chromium is None else None
        executable = chromium or find_chromium()
        if reason or executable is None:
            raise BrowserUnavailableError(f"Cannot check pages in a browser: {reason}.")
        from axe_playwright_python.sync_playwright import Axe
        from playwright.sync_api import sync_playwright

        self._axe = Axe()
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_ARGS)
            )
        except Exception as exc:
            self._playwright.stop()
            raise BrowserUnavailableError(
                f"Chromium at {executable} did not start ({exc}). Check that it runs "
                f"('{executable} --headless --no-sandbox --version') or set "
                f"${CHROMIUM_ENV} to a working Chromium."
            ) from exc
        self.browser_version = self._browser.version
        self._contexts = {
            v.name: self._browser.new_context(
                viewport={"width": v.width, "height": v.height},
                offline=True,
                service_workers="block",
            )
            for v in VIEWPORTS
        }

    def __enter__(self) -> PageChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for context in self._contexts.values():
            context.close()
        self._browser.close()
        self._playwright.stop()

    def check(
        self,
        html: str | Path,
        shots: str | Path | None = None,
        name: str | None = None,
        *,
        axe: bool = True,
        print_pdf: bool = True,
    ) -> PageReport:
        """Measure one HTML file at both viewports and in print.

        With ``shots``, screenshots (``NAME-1280-full.png``, ``NAME-1280-screen.png``,
        ``NAME-390-full.png``, ``NAME-390-screen.png``), the PDF (``NAME.pdf``) and its pages
        (``NAME-print-01.png`` …) are written there; ``name`` defaults to the file's stem.
        """
        path = Path(html).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"No page to check at {path}.")
        url = path.as_uri()
        name = name or path.stem
        shot_dir = Path(shots) if shots is not None else None
        if shot_dir is not None:
            shot_dir.mkdir(parents=True, exist_ok=True)
        report = PageReport(path=path, html_bytes=path.stat().st_size, axe_version="", views={})
        for viewport in VIEWPORTS:
            page = self._open(url, viewport, report)
            try:
                view = _measure(page, viewport)
                if axe:
                    view.axe, report.axe_version = self._run_axe(page)
                if shot_dir is not None:
                    view.screenshots = _screenshots(page, shot_dir, f"{name}-{viewport.width}")
                report.views[viewport.name] = view
                if print_pdf and viewport is DESKTOP:
                    self._print(page, report, shot_dir, name)
            finally:
                page.close()
        return report

    def _open(self, url: str, viewport: Viewport, report: PageReport) -> Any:
        """A new page on ``url`` in the viewport's context, recording what it tries to load."""
        page = self._contexts[viewport.name].new_page()
        blocked: set[str] = set()

        def route(r: Any) -> None:
            if r.request.url.split("#", 1)[0] == url:
                r.continue_()
            else:
                blocked.add(r.request.url)
                _add_once(report.blocked_requests, r.request.url)
                r.abort("blockedbyclient")

        def console(message: Any) -> None:
            if message.type != "error":
                return
            # "Failed to load resource" for a request we blocked is reported as that request.
            if message.location.get("url") in blocked:
                return
            _add_once(report.console_errors, message.text)

        page.route("**/*", route)
        page.on("console", console)
        page.on("pageerror", lambda exc: _add_once(report.page_errors, str(exc)))
        page.on("websocket", lambda ws: _add_once(report.blocked_requests, ws.url))
        page.goto(url, wait_until="load")
        return page

    def _run_axe(self, page: Any) -> tuple[list[AxeViolation], str]:
        options = {
            "runOnly": {"type": "tag", "values": list(WCAG_TAGS)},
            "resultTypes": ["violations"],
        }
        results = self._axe.run(page, options=options).response
        violations = [
            AxeViolation(
                rule=v["id"],
                impact=v.get("impact"),
                nodes=len(v["nodes"]),
                target=_target_text(v["nodes"][0]["target"]) if v["nodes"] else "",
                help=v.get("help", ""),
            )
            for v in results["violations"]
        ]
        violations.sort(key=lambda v: (-v.nodes, v.rule))
        return violations, results.get("testEngine", {}).get("version", "")

    def _print(self, page: Any, report: PageReport, shot_dir: Path | None, name: str) -> None:
        pdf = pdf_bytes(page)  # exactly what `--pdf` writes
        page.emulate_media(media="screen")
        report.pdf_bytes = len(pdf)
        report.print_pages = pdf_page_count(pdf)
        report.print_texts = pdf_page_texts(pdf)
        if shot_dir is not None:
            report.pdf_path = shot_dir / f"{name}.pdf"
            report.pdf_path.write_bytes(pdf)
            report.print_screenshots = render_pdf_pages(pdf, shot_dir, f"{name}-print")


def check_page(html: str | Path, shots: str | Path | None = None) -> PageReport:
    """Check one page with a browser of its own (for a single look; reuse a PageChecker else)."""
    with PageChecker() as checker:
        return checker.check(html, shots)


def pdf_page_count(pdf: bytes) -> int:
    """Number of pages in a PDF."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def pdf_page_texts(pdf: bytes) -> list[str]:
    """The text of each PDF page, to check what print shows (repeated table headers)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    texts = []
    try:
        for pdf_page in document:
            text_page = pdf_page.get_textpage()
            texts.append(text_page.get_text_range())
            text_page.close()
            pdf_page.close()
    finally:
        document.close()
    return texts


def render_pdf_pages(pdf: bytes, folder: Path, prefix: str, dpi: int = PRINT_DPI) -> list[Path]:
    """Each PDF page as ``PREFIX-01.png`` … in ``folder``, for people to look at."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    written = []
    try:
        for number, pdf_page in enumerate(document, start=1):
            target = folder / f"{prefix}-{number:02d}.png"
            pdf_page.render(scale=dpi / 72).to_pil().save(target)
            pdf_page.close()
            written.append(target)
    finally:
        document.close()
    return written


def _screenshots(page: Any, folder: Path, prefix: str) -> list[Path]:
    first = folder / f"{prefix}-screen.png"
    full = folder / f"{prefix}-full.png"
    page.screenshot(path=str(first))
    page.screenshot(path=str(full), full_page=True)
    return [first, full]


def _measure(page: Any, viewport: Viewport) -> ViewReport:
    data = page.evaluate(_LAYOUT_JS, {"summary": SUMMARY_SELECTOR, "tolerance": TOLERANCE_PX})
    opened = page.evaluate(_OPENED_WIDTH_JS)
    summary = data["summary"]
    return ViewReport(
        viewport=viewport,
        client_width=int(data["clientWidth"]),
        scroll_width=int(data["scrollWidth"]),
        page_height=int(data["scrollHeight"]),
        opened_scroll_width=int(opened),
        wide_elements=[WideElement(**w) for w in data["wide"]],
        wide_element_count=int(data["wideCount"]),
        inner_scrollers=[InnerScroller(**s) for s in data["scrollers"]],
        summary_top=None if summary is None else float(summary["top"]),
        summary_visible=bool(summary and summary["visible"]),
    )


def _target_text(target: list[Any]) -> str:
    """axe's target (a selector list, nested for shadow roots) as one string."""
    return " >> ".join(" ".join(t) if isinstance(t, list) else str(t) for t in target)


def _add_once(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


# Layout measurements, run in the page. An element is "wide" when its box reaches outside the
# viewport, unless it sits in a scroll box that is inside the viewport, keyboard-focusable and
# named (the pattern WCAG accepts for wide tables on a phone). Only the outermost element of a
# wide subtree is listed; SVG internals are measured through their <svg>.
_LAYOUT_JS = r"""
({summary, tolerance}) => {
  const doc = document.documentElement;
  const vw = doc.clientWidth;
  // A short selector a person can search for: the nearest id, then the last two steps.
  const step = (e) => {
    let part = e.localName + [...e.classList].slice(0, 2).map((c) => "." + CSS.escape(c)).join("");
    const parent = e.parentElement;
    if (parent) {
      const same = [...parent.children].filter((c) => c.localName === e.localName);
      if (same.length > 1) part += `:nth-of-type(${same.indexOf(e) + 1})`;
    }
    return part;
  };
  const selector = (el) => {
    if (el.id) return "#" + CSS.escape(el.id);
    const parts = [];
    let e = el;
    for (; e && e !== document.body && !e.id && parts.length < 2; e = e.parentElement) {
      parts.unshift(step(e));
    }
    while (e && e !== document.body && !e.id) e = e.parentElement;
    const anchor = e && e.id ? "#" + CSS.escape(e.id) + " … " : "";
    return anchor + parts.join(" > ");
  };
  // What the element says, so it can be found on the page (a caption, label or first words).
  const snippet = (el) => {
    const caption = el.querySelector?.("caption, figcaption, h1, h2, h3, h4");
    const text = el.getAttribute("aria-label") || caption?.textContent || el.textContent || "";
    const words = text.replace(/\s+/g, " ").trim();
    return words.length > 60 ? words.slice(0, 57) + "..." : words;
  };
  const accessibleName = (el) => {
    const label = (el.getAttribute("aria-label") || "").trim();
    if (label) return label;
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
    const text = ids.map((id) => document.getElementById(id)?.textContent || "")
      .join(" ").trim();
    if (text) return text;
    return (el.getAttribute("title") || "").trim();
  };
  const focusable = (el) => el.tabIndex >= 0 && !el.hasAttribute("disabled");
  const insideViewport = (r) => r.left >= -tolerance && r.right <= vw + tolerance;
  const clipping = (el) => {
    for (let a = el.parentElement; a && a !== doc; a = a.parentElement) {
      if (a === document.body) return null;
      const ox = getComputedStyle(a).overflowX;
      if (ox !== "visible") return {box: a, overflow: ox};
    }
    return null;
  };
  const wide = [];
  const listed = new Set();
  let wideCount = 0;
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg") && el.localName !== "svg") continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;  // empty or visually-hidden text
    if (insideViewport(r)) continue;
    const clip = clipping(el);
    let note = "page";
    if (clip) {
      const box = clip.box;
      const scrolls = clip.overflow === "auto" || clip.overflow === "scroll";
      const boxOk = insideViewport(box.getBoundingClientRect());
      if (scrolls && boxOk && focusable(box) && accessibleName(box)) continue;
      if (!scrolls) note = "clipped by " + selector(box);
      else if (!boxOk) note = "in a scroll box wider than the viewport: " + selector(box);
      else note = "in a scroll box not focusable or unnamed: " + selector(box);
    }
    wideCount += 1;
    let ancestorListed = false;
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (listed.has(a)) { ancestorListed = true; break; }
    }
    listed.add(el);
    if (!ancestorListed) {
      wide.push({selector: selector(el), text: snippet(el), left: Math.round(r.left),
                 right: Math.round(r.right), width: Math.round(r.width), note});
    }
  }
  const scrollers = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg")) continue;
    const ox = getComputedStyle(el).overflowX;
    if (ox === "visible") continue;
    if (el.scrollWidth <= el.clientWidth + tolerance) continue;
    if (el.clientWidth <= 1 || el.clientHeight <= 1) continue;  // visually-hidden text
    scrollers.push({selector: selector(el), text: snippet(el), client_width: el.clientWidth,
                    scroll_width: el.scrollWidth, overflow: ox, focusable: focusable(el),
                    name: accessibleName(el)});
  }
  const s = document.querySelector(summary);
  let summaryBox = null;
  if (s) {
    const r = s.getBoundingClientRect();
    const st = getComputedStyle(s);
    summaryBox = {top: r.top + window.scrollY,
                  visible: r.width > 0 && r.height > 0 && st.visibility !== "hidden"};
  }
  return {
    clientWidth: vw,
    scrollWidth: Math.max(doc.scrollWidth, document.body.scrollWidth),
    scrollHeight: Math.max(doc.scrollHeight, document.body.scrollHeight),
    wide, wideCount, scrollers, summary: summaryBox,
  };
}
"""

# The page's width with every <details> opened (then closed again as they were): hidden
# content can widen the page only once shown.
_OPENED_WIDTH_JS = """
() => {
  const closed = [...document.querySelectorAll("details:not([open])")];
  closed.forEach(d => { d.open = true; });
  const doc = document.documentElement;
  const width = Math.max(doc.scrollWidth, document.body.scrollWidth);
  closed.forEach(d => { d.open = false; });
  return width;
}
"""
