"""The page checker itself, on small pages written here whose measurements are known by hand."""

from __future__ import annotations

import os

import pytest
from PIL import Image

from mobility_nb.testing.pagecheck import PageChecker, browser_unavailable_reason

pytestmark = pytest.mark.browser

HEAD = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
STYLE = (
    "<style>body, h1, h2, p {{ margin: 0; }} body {{ font: 16px sans-serif; }} {css}</style>"
    "</head><body>"
)
ROWS = "".join(f"<tr><td>Row {i}</td><td>{i * 10}</td></tr>" for i in range(3))
TABLE = f'<table style="width: 900px"><caption>Wide numbers</caption>{ROWS}</table>'

# Loads two things, logs an error, throws, has light grey text, a 600 px box, a wide table in
# a scroll box a keyboard cannot reach, and its summary below a 1000 px block.
BAD = (
    HEAD.format(title="Bad page")
    + '<link rel="stylesheet" href="https://example.invalid/site.css">'
    + STYLE.format(css=".page { break-after: page; height: 300px; } .grey { color: #aaa; }")
    + '<main><div class="page" style="height: 1000px"><h1>Bad page</h1>'
    + '<p class="grey">Too light to read.</p><div style="width: 600px">Wide box</div></div>'
    + '<section data-mnb-summary class="page"><h2>Summary</h2><p>Words.</p></section>'
    + '<div class="page"><img src="chart.png" alt="A chart"></div>'
    + '<div style="overflow-x: auto">'
    + TABLE
    + "</div></main>"
    + '<script>console.error("boom"); throw new Error("kaput");</script></body></html>'
)
# A summary first, and a wide table in a named, focusable scroll box: nothing to report.
GOOD = (
    HEAD.format(title="Good page")
    + STYLE.format(css="main { padding: 0 8px; } .scroll { overflow-x: auto; }")
    + "<main><h1>Good page</h1>"
    + "<section data-mnb-summary><h2>Summary</h2><p>What matters, in plain words.</p></section>"
    + '<div class="scroll" role="region" aria-label="Wide numbers" tabindex="0">'
    + TABLE
    + "</div></main></body></html>"
)


@pytest.fixture(scope="module")
def checker():
    reason = browser_unavailable_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests, but {reason}", pytrace=False)
        pytest.skip(reason)
    with PageChecker() as c:
        yield c


@pytest.fixture(scope="module")
def bad(checker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    page = folder / "bad.html"
    page.write_text(BAD, encoding="utf-8")
    return checker.check(page, folder / "shots")


@pytest.fixture(scope="module")
def good(checker, tmp_path_factory):
    page = tmp_path_factory.mktemp("good") / "good.html"
    page.write_text(GOOD, encoding="utf-8")
    return checker.check(page, print_pdf=False)


def test_requests_are_blocked_and_recorded_with_errors(bad):
    assert sorted(bad.blocked_requests) == sorted(
        ["https://example.invalid/site.css", (bad.path.parent / "chart.png").as_uri()]
    )
    assert bad.console_errors == ["boom"]  # the blocked loads are reported as requests only
    assert len(bad.page_errors) == 1 and "kaput" in bad.page_errors[0]


def test_layout_measures(bad):
    phone, desktop = bad.phone, bad.desktop
    assert phone.horizontal_scroll_px == 600 - 390  # the 600 px box from x = 0
    assert desktop.horizontal_scroll_px == 0
    wide = {e.text: e for e in phone.wide_elements}
    assert wide["Wide box"].note == "page" and wide["Wide box"].width == 600
    # The table's scroll box is neither focusable nor named, so the table counts too.
    assert wide["Wide numbers"].width == 900
    assert wide["Wide numbers"].note.startswith("in a scroll box not focusable or unnamed")
    assert desktop.wide_elements == []
    scrollers = [s for s in phone.inner_scrollers if s.text.startswith("Wide numbers")]
    assert scrollers and scrollers[0].scroll_width == 900 and not scrollers[0].focusable
    # 1000 + 300 + 300 px of blocks, then the table (caption + three rows) below them.
    assert desktop.page_height > 1600 and desktop.screens == desktop.page_height / 800


def test_summary_below_the_first_screen(bad, good):
    assert bad.desktop.summary_top == 1000
    assert not bad.desktop.summary_in_first_screen
    assert bad.desktop.summary_state == "below (top 1000 px)"
    assert good.desktop.summary_in_first_screen and good.phone.summary_state == "first screen"


def test_axe_reports_contrast_and_unreachable_scroll_box(bad):
    rules = {v.rule: v for v in bad.phone.axe}
    assert rules["color-contrast"].nodes == 1 and rules["color-contrast"].impact == "serious"
    assert "scrollable-region-focusable" in rules
    assert bad.axe_version.startswith("4.")


def test_print_pages_and_screenshots(bad):
    # Letter less 0.4 in margins holds 10.2 in = 979 px: the 1000 px block takes two pages,
    # then a page break after each 300 px block, then the table.
    assert bad.print_pages == 2 + 1 + 1 + 1
    assert len(bad.print_screenshots) == 5
    shots = bad.path.parent / "shots"
    with Image.open(shots / "bad-1280-screen.png") as img:
        assert img.size == (1280, 800)
    with Image.open(shots / "bad-390-full.png") as img:
        assert img.size[0] == 600  # the full page includes what scrolls sideways
    assert (shots / "bad.pdf").read_bytes().startswith(b"%PDF")


def test_a_fitting_page_reports_nothing(good):
    for view in good.views.values():
        assert view.axe == []
        assert view.wide_elements == [] and view.horizontal_scroll_px == 0
    assert good.blocked_requests == good.console_errors == good.page_errors == []
    assert good.print_pages is None  # not asked for
