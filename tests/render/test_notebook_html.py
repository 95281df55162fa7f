"""Offline HTML export: nothing fetched from another host, nothing private published."""

from __future__ import annotations

import base64
import contextlib
import copy
import re

import nbformat
import pytest
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
)

from mobility_nb.atomic import write_atomic
from mobility_nb.render.figures import figure_html, new_figure
from mobility_nb.render.notebook_html import (
    external_references,
    get_exporter,
    notebook_to_html,
)

PLACEHOLDER = "No description has been provided for this image"
# A 1x1 PNG, enough for the template's image path.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
        "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4a00000000049454e44ae426082"
    )
).decode()


def tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def html_output(fragment: str):
    return new_output("display_data", data={"text/html": fragment, "text/plain": "<HTML>"})


def executed_notebook():
    """What papermill hands back: parameters, injected cell, outputs, error banners."""
    fig, ax = new_figure(3, 2)
    ax.bar(["2018", "2021"], [0.712, 0.735])
    chart = figure_html(
        fig, alt="Bar chart: employment rose from 71.2% to 73.5%.", caption="Share employed"
    )
    cells = [
        tagged(
            new_markdown_cell("**Execution using papermill encountered an exception**"),
            "papermill-error-cell-tag",
        ),
        new_markdown_cell("# Findings for the county\n\nThe narrative stays on the page."),
        tagged(new_code_cell('jurisdiction = "17031"  # SOURCE-OF-PARAMETERS'), "parameters"),
        tagged(new_code_cell('jurisdiction = "INJECTED-17031"'), "injected-parameters"),
        new_code_cell(
            "import secret_stuff  # SOURCE-OF-CODE",
            outputs=[
                new_output("stream", name="stderr", text="STDERR-WARNING /home/me/path\n"),
                html_output("<p>Label: &lt;script&gt;alert(1)&lt;/script&gt;</p>"),
            ],
        ),
        new_code_cell("show_figure(...)", outputs=[html_output(chart)]),
        new_code_cell(
            "plt.show()",
            outputs=[
                new_output(
                    "display_data",
                    data={"image/png": PNG, "text/plain": "<Figure>"},
                    metadata={"image/png": {"alt": "Map of peer counties"}},
                )
            ],
        ),
        tagged(new_code_cell("x", outputs=[html_output("<p>REMOVED-CELL</p>")]), "remove-cell"),
        tagged(
            new_code_cell("REMOVE-INPUT-SOURCE", outputs=[html_output("<p>KEPT-OUTPUT</p>")]),
            "remove-input",
        ),
        tagged(new_code_cell("y", outputs=[html_output("<p>REMOVED-OUTPUT</p>")]), "remove-output"),
        new_code_cell(
            "1/0",
            outputs=[
                new_output(
                    "error",
                    ename="ZeroDivisionError",
                    evalue="TRACEBACK-VALUE",
                    traceback=["Traceback line with ?key=abc"],
                )
            ],
        ),
        new_code_cell("pass"),  # no outputs: leaves no trace
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["papermill"] = {"parameters": {"jurisdiction": "METADATA-PARAM"}}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def test_page_is_offline_titled_and_in_english():
    page = notebook_to_html(executed_notebook(), "Findings: Cook <County>")
    assert external_references(page) == []
    assert "<script" not in page
    assert re.search(r'<html lang="en">', page)
    assert "<title>Findings: Cook &lt;County&gt;</title>" in page
    assert '<meta name="viewport"' in page or 'name="viewport"' in page
    assert "@media print" in page  # print styles are inlined


def test_code_parameters_and_errors_never_reach_the_page():
    page = notebook_to_html(executed_notebook(), "t")
    for private in (
        "SOURCE-OF-PARAMETERS",
        "INJECTED-17031",
        "METADATA-PARAM",
        "SOURCE-OF-CODE",
        "REMOVE-INPUT-SOURCE",
        "STDERR-WARNING",
        "TRACEBACK-VALUE",
        "key=abc",
        "papermill encountered an exception",
        "REMOVED-CELL",
        "REMOVED-OUTPUT",
        "In&nbsp;[",
    ):
        assert private not in page, private
    assert "The narrative stays on the page." in page
    assert "KEPT-OUTPUT" in page


def test_escaped_text_stays_escaped():
    page = notebook_to_html(executed_notebook(), "t")
    assert "Label: &lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_images_are_embedded_with_real_alt_text():
    page = notebook_to_html(executed_notebook(), "t")
    imgs = re.findall(r"<img[^>]*>", page)
    assert len(imgs) == 2
    assert all(re.search(r'src="data:image/(png|svg\+xml);base64,', img) for img in imgs)
    assert 'alt="Bar chart: employment rose from 71.2% to 73.5%."' in page
    assert 'alt="Map of peer counties"' in page
    assert PLACEHOLDER not in page
    assert "<figcaption>Share employed</figcaption>" in page


def test_image_without_alt_is_flagged_by_nbconvert_placeholder():
    nb = new_notebook(
        cells=[
            new_code_cell(
                "plt.show()",
                outputs=[
                    new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})
                ],
            )
        ]
    )
    assert PLACEHOLDER in notebook_to_html(nb, "t")


def test_export_leaves_the_notebook_alone_and_reuses_one_exporter():
    nb = executed_notebook()
    before = copy.deepcopy(nb)
    notebook_to_html(nb, "t")
    assert nb == before
    assert get_exporter() is get_exporter()


def test_external_reference_check_catches_the_stock_template():
    from nbconvert import HTMLExporter

    stock, _ = HTMLExporter(template_name="lab").from_notebook_node(
        nbformat.v4.new_notebook(cells=[new_markdown_cell("hi")])
    )
    assert any("require" in url for url in external_references(stock))


def test_external_reference_check_ignores_plain_links():
    page = (
        '<a href="https://www.urban.org/">Urban</a>'
        '<img alt="x" src="data:image/png;base64,AAAA">'
        '<script src="https://cdn.example.org/x.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.com/a.css">'
        "<style>@import 'https://cdn.example.org/b.css'; p{background:url(http://x.org/i.png)}"
        "</style>"
    )
    assert external_references(page) == [
        "https://cdn.example.org/x.js",
        "//fonts.example.com/a.css",
        "https://cdn.example.org/b.css",
        "http://x.org/i.png",
    ]


def test_write_atomic_replaces_whole_files_only(tmp_path, monkeypatch):
    target = tmp_path / "sub" / "page.html"
    write_atomic(target, "first")
    assert target.read_text() == "first"

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("mobility_nb.atomic.os.replace", boom)
    with contextlib.suppress(OSError):
        write_atomic(target, b"second, half written")
    assert target.read_text() == "first"
    assert [p.name for p in target.parent.iterdir()] == ["page.html"]  # no temp left


def test_workbook_only_notes_stay_in_the_workbook():
    from mobility_nb.render.tables import workbook_only

    fragment = (
        "<p>Not in the local store for this release."
        + workbook_only(" Fetch it with <code>mobility-nb census fetch --state 51</code>.")
        + " Shown below: the tracts.</p>"
    )
    cell = new_code_cell("page.show_tracts()")
    cell.outputs = [html_output(fragment)]
    nb = new_notebook(cells=[cell])
    page = notebook_to_html(nb, "t")
    assert "Not in the local store for this release." in page
    assert "Shown below: the tracts." in page
    assert "census fetch" not in page
    assert "census fetch" in nb.cells[0].outputs[0]["data"]["text/html"]  # workbook keeps it


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ('<img alt="a<b" src="//x.org/i.png">', ["//x.org/i.png"]),
        ('<IMG SRC = \n "HTTPS://x.org/a.png">', ["HTTPS://x.org/a.png"]),
        # "//" inside embedded image data is not a URL; the next attribute's URL is
        ('<img src="data:image/png;base64,ab//cd" srcset="//y.org/b.png 2x">', ["//y.org/b.png"]),
        ('<style>p{background:URL( "//z.org/i.png")}</style>', ["//z.org/i.png"]),
        ('<a href="//x.org">x</a><link href=//a.org/c.css>', ["//a.org/c.css"]),
        (
            '<script src="https://x.org//double//slash.js"></script>',
            ["https://x.org//double//slash.js"],
        ),
        (
            '<video poster="http://p.org/x.jpg"><source src="//v.org/v.mp4"></video>',
            ["http://p.org/x.jpg", "//v.org/v.mp4"],
        ),
        ("text // more, and a bare //", []),
    ],
)
def test_external_references_found_wherever_they_hide(page, expected):
    assert external_references(page) == expected
    padded = "<p>" + "A//b" * 5000 + "</p>" + page  # a long page with many non-URL "//"
    assert external_references(padded) == expected
