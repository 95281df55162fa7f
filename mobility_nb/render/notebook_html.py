"""Turn an executed notebook into one self-contained HTML page for non-technical readers.

The stock nbconvert lab template loads require.js and MathJax from a CDN and inlines
~250 KB of JupyterLab CSS. Our template (``resources/templates/mobility``) reuses lab's
cell markup with a small stylesheet and loads nothing from another host. Code, prompts,
the papermill parameters (cell and metadata), papermill's error banners, tracebacks and
stderr never reach the page. One exporter is built per process and reused: building it
(template discovery, Jinja compilation) costs more than exporting a page.
"""

from __future__ import annotations

import re
import threading
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from mobility_nb.render.formats import long_date
from mobility_nb.render.page_links import PageLinks, nav_html
from mobility_nb.render.tables import WORKBOOK_ONLY_END, WORKBOOK_ONLY_START

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
TEMPLATES = RESOURCES / "templates"
TEMPLATE_NAME = "mobility"

# Cells with these tags are dropped entirely from the page. "workbook-only" marks the
# notebooks' instructions for the analyst (how to run, what to edit): they stay in the
# workbook and never reach a published page.
WORKBOOK_ONLY_TAG = "workbook-only"
REMOVE_CELL_TAGS = {
    "injected-parameters",
    "parameters",
    "remove-cell",
    "papermill-error-cell-tag",
    WORKBOOK_ONLY_TAG,
}
REMOVE_INPUT_TAGS = {"remove-input", "hide-input"}
REMOVE_OUTPUT_TAGS = {"remove-output"}

_LOCK = threading.Lock()
_EXPORTER: Any = None


def _publish_preprocessor_class() -> type:
    from nbconvert.preprocessors import Preprocessor

    class PublishPreprocessor(Preprocessor):
        """Drop what must not be published: parameters metadata, errors, stderr."""

        def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
            nb.metadata.pop("papermill", None)
            nb.metadata.pop("widgets", None)
            for cell in nb.cells:
                cell.metadata.pop("papermill", None)
                if cell.cell_type == "code":
                    cell.outputs = [o for o in cell.outputs if _publishable(o)]
                    for output in cell.outputs:
                        _cut_workbook_only(output)
            return nb, resources

    return PublishPreprocessor


_WORKBOOK_ONLY = re.compile(
    re.escape(WORKBOOK_ONLY_START) + ".*?" + re.escape(WORKBOOK_ONLY_END), re.DOTALL
)


def _cut_workbook_only(output: NotebookNode) -> None:
    """Drop the HTML marked :func:`~mobility_nb.render.tables.workbook_only` from an output."""
    data = output.get("data") or {}
    html = data.get("text/html")
    if html is None:
        return
    text = "".join(html) if isinstance(html, list) else str(html)
    if WORKBOOK_ONLY_START in text:
        data["text/html"] = _WORKBOOK_ONLY.sub("", text)


def _publishable(output: NotebookNode) -> bool:
    if output.output_type == "error":
        return False
    return not (output.output_type == "stream" and output.get("name") == "stderr")


@lru_cache(maxsize=1)
def page_css() -> str:
    """The page stylesheet, inlined into every page."""
    return (RESOURCES / "page.css").read_text(encoding="utf-8")


_IMG_NO_ALT = re.compile(r"<img(?![^>]*\balt=)", re.IGNORECASE)


def _exporter_class() -> type:
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):
        """HTMLExporter without its BeautifulSoup re-parse of the finished page.

        That pass only adds ``tabindex`` to outputs and placeholder alt text, yet it cost
        ~90% of export time on chart-heavy pages. Our outputs never scroll (tables scroll in
        their own labelled regions), so they need no tab stop; one regular expression adds
        the placeholder alt text.
        """

        def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[override]
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter(
                "highlight_code",
                self.filters.get(
                    "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
                ),
            )
            resources = self._init_resources(resources)
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources
                ),
            )
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            html = _IMG_NO_ALT.sub(
                '<img alt="No description has been provided for this image"', html
            )
            return html, resources

    return PageExporter


def _build_exporter() -> Any:
    from traitlets.config import Config

    c = Config()
    c.TemplateExporter.exclude_input = True
    c.TemplateExporter.exclude_input_prompt = True
    c.TemplateExporter.exclude_output_prompt = True
    c.Exporter.optimistic_validation = True  # validate once, not after every preprocessor
    c.HTMLExporter.language_code = "en"
    c.HTMLExporter.sanitize_html = False  # our HTML is escaped at source; keep <style>/<figure>
    c.CSSHTMLHeaderPreprocessor.enabled = False  # pygments CSS is for code, which we hide
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    c.TagRemovePreprocessor.remove_input_tags = set(REMOVE_INPUT_TAGS)
    c.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    exporter = _exporter_class()(
        config=c, template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES)]
    )
    exporter.register_preprocessor(_publish_preprocessor_class()(), enabled=True)
    return exporter


def get_exporter() -> Any:
    """The process-wide HTML exporter, built on first use."""
    global _EXPORTER
    if _EXPORTER is None:
        with _LOCK:
            if _EXPORTER is None:
                _EXPORTER = _build_exporter()
    return _EXPORTER


def css_string(text: str) -> str:
    """``text`` as a CSS string literal that cannot end the string or the style element."""
    escaped = text.replace("\\", "\\5C ").replace('"', "\\22 ").replace("<", "\\3C ")
    return '"' + re.sub(r"[\r\n]+", " ", escaped) + '"'


def print_header_css(title: str, when: date | None = None) -> str:
    """The running header of printed pages: the page title left, the date right."""
    day = long_date(when or datetime.now(timezone.utc).date())
    return (
        "@page{@top-left{content:" + css_string(title) + "}"
        "@top-right{content:" + css_string(day) + "}}"
    )


def notebook_to_html(
    nb: NotebookNode, title: str, links: PageLinks | None = None, when: date | None = None
) -> str:
    """Render an executed notebook as an offline HTML page titled ``title``.

    ``links`` fills the navigation bar (index, the place's other steps, its files);
    ``when`` is the date in the printed running header (today by default). ``nb`` is not
    modified (nbconvert works on a deep copy).
    """
    from mobility_nb import __version__

    exporter = get_exporter()
    resources = {
        "metadata": {"name": title},
        "mnb": {
            "title": title,
            "version": __version__,
            "css": page_css() + print_header_css(title, when),
            "nav": nav_html(links or PageLinks()),
        },
    }
    with _LOCK:  # the exporter re-registers filters per call: not thread-safe
        body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


# Attributes that make a browser fetch something. Plain <a href> links are not fetches.
_FETCH_ATTR = re.compile(
    r"<(?P<tag>script|link|img|iframe|source|video|audio|embed|object|track|input)\b"
    r"[^>]*?\b(?P<attr>src|href|data|srcset|poster)\s*=\s*[\"']?\s*(?P<url>(?:https?:)?//[^\s\"'>]+)",
    re.IGNORECASE,
)
_CSS_URL = re.compile(
    r"(?:url\(\s*[\"']?|@import\s+[\"'])(?P<url>(?:https?:)?//[^\s\"')]+)", re.IGNORECASE
)
# What must come just before the "//" of a fetched URL (an attribute or a CSS url/@import).
_BEFORE_URL = re.compile(
    r"(?:\b(?:src|href|data|srcset|poster)\s*=\s*[\"']?|url\(\s*[\"']?|@import\s+[\"'])"
    r"\s*(?:https?:)?\Z",
    re.IGNORECASE,
)
_WINDOW = 256  # characters before a "//" that can hold its attribute name and spacing
_URL_END = re.compile(r"[\s\"'>)]|\Z")  # a URL stops at the first of these (or the page's end)


def external_references(page: str) -> list[str]:
    """URLs a browser would fetch from another host when opening ``page`` (should be none).

    Every such URL contains "//", which a page holds only a few times outside its
    embedded images, so the patterns run only around those places: scanning a whole
    page with them cost some 20 ms, as much as writing the page.
    """
    fetched: dict[int, str] = {}
    styled: dict[int, str] = {}
    at = page.find("//")
    while at != -1:
        lead = page[max(0, at - _WINDOW) : at]
        if _BEFORE_URL.search(lead):
            url_end = _URL_END.search(page, at).start()
            tag_from = page.rfind(">", 0, at) + 1  # the tag holding the URL starts after it
            for found, pattern, start in (
                (fetched, _FETCH_ATTR, tag_from),
                (styled, _CSS_URL, max(0, at - _WINDOW)),
            ):
                for m in pattern.finditer(page, start, url_end):
                    if m.start("url") <= at < m.end("url"):
                        found[m.start("url")] = m.group("url")
                        break
        at = page.find("//", at + 2)
    return [fetched[k] for k in sorted(fetched)] + [styled[k] for k in sorted(styled)]
