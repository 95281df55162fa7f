"""A page's words as a reader sees them, for tests that look for a sentence on a page."""

from __future__ import annotations

import html
import re

DOLLAR = "<span>$</span>"  # mobility_nb.render.formats puts every $ in its own element


def visible_text(page_html: str) -> str:
    """Tags dropped (a space each, the $ element none), entities decoded, spaces collapsed."""
    page_html = re.sub(r'src="data:[^"]+"', "", page_html).replace(DOLLAR, "$")
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page_html)))
