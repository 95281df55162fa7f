"""Small, escaped HTML tables (and page blocks) for pages read by non-technical partners.

We render tables ourselves instead of ``DataFrame.to_html`` so every cell is escaped
(parameters may contain ``<script>``; ``$`` is isolated so JupyterLab never reads a formula),
headers get ``scope`` for screen readers, a caption names the table, and Weak or missing
values can be styled. Every table sits in a scroll box that is a named, keyboard-focusable
region: on a phone a wide table scrolls inside it (its first column stays in view) and the
page itself never scrolls sideways.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from mobility_nb.data.records import records
from mobility_nb.render import formats as fmt

Formatter = Callable[[Any], str]
WIDE_COLUMNS = 4  # tables with this many columns get the "scroll sideways" hint on a phone


class Html:
    """HTML the package built itself (its text already escaped); tables insert it as is.

    Not a ``str`` subclass: pandas turns text columns into its string dtype, which would
    drop the marker.
    """

    __slots__ = ("html",)

    def __init__(self, html: str) -> None:
        self.html = html

    def __str__(self) -> str:
        return self.html

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Html) and other.html == self.html

    def __hash__(self) -> int:
        return hash(self.html)


def _cell(value: Any, formatter: Formatter | None) -> str:
    if formatter is not None:
        value = formatter(value)
    if isinstance(value, Html):
        return value.html
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return fmt.MISSING
    return fmt.html_text(value)


def html_table(
    df: pd.DataFrame,
    caption: str = "",
    formats: Mapping[str, Formatter] | None = None,
    row_classes: list[str] | None = None,
    table_id: str = "",
    numeric: tuple[str, ...] = (),
    css_class: str = "",
) -> str:
    """Render ``df`` as an accessible HTML table inside a labelled scroll region.

    ``formats`` maps column -> function returning display text (or :class:`Html`);
    ``row_classes`` gives one CSS class per row (e.g. ``"weak"`` to mark Weak data);
    columns in ``numeric`` are right-aligned. Cells that are :class:`Html` are inserted as
    they are; everything else is escaped.
    """
    formats = formats or {}
    id_attr = f' id="{fmt.html_attr(table_id)}"' if table_id else ""
    columns = list(df.columns)
    wide = " mnb-wide" if len(columns) >= WIDE_COLUMNS else ""
    label = fmt.html_attr(caption or "Table")
    classes = "mnb-table" + (f" {fmt.html_attr(css_class)}" if css_class else "")
    parts = [
        f'<div class="mnb-scroll{wide}" role="region" aria-label="{label}" tabindex="0">',
        f'<table class="{classes}"{id_attr}>',
    ]
    if caption:
        parts.append(f"<caption>{fmt.html_text(caption)}</caption>")
    parts.append("<thead><tr>")
    for col in columns:
        parts.append(f'<th scope="col">{fmt.html_text(col)}</th>')
    parts.append("</tr></thead><tbody>")
    aligned = [col in numeric for col in columns]
    for i, row in enumerate(df.itertuples(index=False, name=None)):
        cls = row_classes[i] if row_classes and row_classes[i] else ""
        parts.append(f'<tr class="{fmt.html_attr(cls)}">' if cls else "<tr>")
        for j, (col, value) in enumerate(zip(columns, row, strict=True)):
            text = _cell(value, formats.get(col))
            align = ' class="num"' if aligned[j] else ""
            if j == 0:
                parts.append(f'<th scope="row"{align}>{text}</th>')
            else:
                parts.append(f"<td{align}>{text}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def definitions(df: pd.DataFrame, caption: str = "") -> str:
    """A table of long texts as a definition list: the first column names each row, the
    others follow as 'Column: value' (empty and missing cells left out). It reflows on any
    screen and sits in two or three columns on paper, where a wide table would not fit."""
    term, *others = list(df.columns)
    skip = {"", "-", fmt.MISSING, "nan", "None"}
    items = []
    for row in records(df):
        parts = [
            f"<span class='mnb-sub'>{fmt.html_text(col)}:</span> {fmt.html_text(row[col])}"
            for col in others
            if str(row[col]).strip() not in skip
        ]
        items.append(f"<div><dt>{fmt.html_text(row[term])}</dt><dd>{'<br>'.join(parts)}</dd></div>")
    head = f"<p><strong>{fmt.html_text(caption)}</strong></p>" if caption else ""
    return head + "<dl class='mnb-defs'>" + "".join(items) + "</dl>"


def details(summary: str, body: str, open_: bool = False, css_class: str = "") -> str:
    """A ``<details>`` block: closed on screen (no JavaScript needed), expanded in print."""
    cls = (
        f' class="mnb-details {fmt.html_attr(css_class)}"' if css_class else ' class="mnb-details"'
    )
    return (
        f"<details{cls}{' open' if open_ else ''}><summary>{summary}</summary>"
        f'<div class="mnb-details-body">{body}</div></details>'
    )


# What the analyst must see in the workbook (the command that fills a gap, a parameter to
# set) but a coalition reader must not: the published page's exporter cuts everything
# between these comments (mobility_nb.render.notebook_html).
WORKBOOK_ONLY_START = "<!--mnb:workbook-only-->"
WORKBOOK_ONLY_END = "<!--/mnb:workbook-only-->"


def workbook_only(fragment: str) -> str:
    """``fragment`` in the workbook only: left out of the published page."""
    return f"{WORKBOOK_ONLY_START}{fragment}{WORKBOOK_ONLY_END}"


def show_table(df: pd.DataFrame, caption: str = "", **kwargs: Any) -> None:
    """Display an accessible, escaped table in the notebook (and so in the HTML page)."""
    show_html(html_table(df, caption=caption, **kwargs))


def show_html(fragment: str) -> None:
    """Display HTML the package built (callers escape user text with ``formats.html_text``)."""
    from IPython.display import HTML, display

    display(HTML(fragment))
