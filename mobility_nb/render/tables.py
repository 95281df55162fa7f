"""Small, escaped HTML tables for pages read by non-technical partners.

We render tables ourselves instead of ``DataFrame.to_html`` so every cell is escaped
(parameters may contain ``<script>``), headers get ``scope`` for screen readers, a
caption names the table, and Weak or missing values can be styled.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

Formatter = Callable[[Any], str]


def _cell(value: Any, fmt: Formatter | None) -> str:
    if fmt is not None:
        return fmt(value)
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "NA"
    return str(value)


def html_table(
    df: pd.DataFrame,
    caption: str = "",
    formats: Mapping[str, Formatter] | None = None,
    row_classes: list[str] | None = None,
    table_id: str = "",
    numeric: tuple[str, ...] = (),
) -> str:
    """Render ``df`` as an accessible HTML table; every value is HTML-escaped.

    ``formats`` maps column -> function returning display text; ``row_classes`` gives one
    CSS class per row (e.g. ``"weak"`` to grey out Weak data); columns in ``numeric`` are
    right-aligned.
    """
    formats = formats or {}
    id_attr = f' id="{html.escape(table_id, quote=True)}"' if table_id else ""
    parts = [f'<table class="mnb-table"{id_attr}>']
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append("<thead><tr>")
    for col in df.columns:
        parts.append(f'<th scope="col">{html.escape(str(col))}</th>')
    parts.append("</tr></thead><tbody>")
    columns = list(df.columns)
    for i, row in enumerate(df.itertuples(index=False, name=None)):
        cls = row_classes[i] if row_classes and row_classes[i] else ""
        parts.append(f'<tr class="{html.escape(cls, quote=True)}">' if cls else "<tr>")
        for j, (col, value) in enumerate(zip(columns, row, strict=True)):
            text = html.escape(_cell(value, formats.get(col)))
            align = ' class="num"' if col in numeric else ""
            tag = "th" if j == 0 else "td"
            scope = ' scope="row"' if j == 0 else ""
            parts.append(f"<{tag}{scope}{align}>{text}</{tag}>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def show_table(df: pd.DataFrame, caption: str = "", **kwargs: Any) -> None:
    """Display an accessible, escaped table in the notebook (and so in the HTML page)."""
    from IPython.display import HTML, display

    display(HTML(html_table(df, caption=caption, **kwargs)))


def show_html(fragment: str) -> None:
    """Display HTML the package built (callers escape any user text with ``html.escape``)."""
    from IPython.display import HTML, display

    display(HTML(fragment))
