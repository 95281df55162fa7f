"""Comparison reports in a real browser: the publishing rules every page follows (issue 15).

The demo's two reports are built on the real data (Pennsylvania's 67 counties with a map
per metric; Philadelphia city beside its five peers) and measured once in headless Chromium
by ``mobility_nb.testing.pagecheck`` at 1280×800 and 390×844 and in print: axe-core finds no
WCAG 2.1 A/AA violation, nothing is requested from outside the file, no console error, no
sideways page scroll, no element wider than the viewport outside a focusable scroll box,
and the summary starts on the first screen.
"""

from __future__ import annotations

import os
import re

import pytest

from mobility_nb.testing.pagecheck import DESKTOP, PHONE, PageReport, browser_unavailable_reason

pytestmark = [pytest.mark.browser, pytest.mark.shared]

REPORTS = {"state": "pa-counties.html", "peers": "peers-4260000-philadelphia-city-pa.html"}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
CASES = [(r, w) for r in REPORTS for w in WIDTHS]


@pytest.fixture(scope="module")
def reports(tmp_path_factory, shared_mm_dir, shared_atlas) -> dict[str, PageReport]:
    reason = browser_unavailable_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests, but {reason}", pytrace=False)
        pytest.skip(reason)
    from mobility_nb.cli.compare import run_compare
    from mobility_nb.compare import selection
    from mobility_nb.testing.pagecheck import PageChecker

    out = tmp_path_factory.mktemp("compare-pages")
    for geoid, stem in (("4260000", "philadelphia-city-pa"), ("42101", "philadelphia-county-pa")):
        _step_page(out, geoid, stem)  # so the reports draw their links to step pages
    chosen = [
        selection.state_selection("PA", "county", shared_mm_dir),
        selection.peer_selection("4260000", (), shared_mm_dir),
    ]
    run_compare(chosen, out, str(shared_mm_dir))
    with PageChecker() as checker:
        return {key: checker.check(out / "compare" / name) for key, name in REPORTS.items()}


def _step_page(out, geoid: str, stem: str) -> None:
    import json

    folder = out / "step2"
    folder.mkdir(exist_ok=True)
    (folder / f"{geoid}-{stem}.html").write_text("<!DOCTYPE html><title>x</title>")
    side = {"jurisdiction": geoid, "name": stem, "state": "PA", "level": "county"}
    (folder / f"{geoid}-{stem}.fingerprint").write_text(json.dumps(side))


@pytest.mark.parametrize(("report", "width"), CASES)
def test_axe_finds_no_wcag21_aa_violation(reports, report, width):
    found = reports[report].views[WIDTHS[width].name].axe
    assert not found, "; ".join(f"{v.rule} ({v.nodes} nodes: {v.target})" for v in found)


@pytest.mark.parametrize("report", REPORTS)
def test_nothing_leaves_the_file_and_no_console_error(reports, report):
    r = reports[report]
    assert r.blocked_requests == [] and r.console_errors == [] and r.page_errors == []


@pytest.mark.parametrize(("report", "width"), CASES)
def test_fits_the_viewport(reports, report, width):
    v = reports[report].views[WIDTHS[width].name]
    assert v.horizontal_scroll_px == 0, (
        f"{v.scroll_width} px of page ({v.opened_scroll_width} px with every section open) "
        f"in {v.client_width} px"
    )
    assert not v.wide_elements, "; ".join(f"{e.selector} {e.width} px" for e in v.wide_elements)


@pytest.mark.parametrize(("report", "width"), CASES)
def test_summary_is_on_the_first_screen(reports, report, width):
    v = reports[report].views[WIDTHS[width].name]
    assert v.summary_in_first_screen, v.summary_state


@pytest.mark.parametrize("report", REPORTS)
def test_prints(reports, report):
    assert reports[report].print_pages


def test_printed_tables_repeat_their_column_headers(reports, shared_mm_dir):
    """A printed page that continues a places table starts with the column headers, drawn.

    Chromium repeats a table's header on each page, but drew it blank (space kept, no text)
    when the header cells held the sort buttons the script adds, and did not repeat a header
    taller than about a quarter of the page; a page then began with a county's row.
    """
    from mobility_nb.compare import selection

    places = selection.state_selection("PA", "county", shared_mm_dir).places
    # a row: the county's name, then its first value (a number, $, minus or the missing mark);
    # the list of shared estimates also starts lines with names, followed by ',' or ':'
    names = "|".join(re.escape(_squeezed(p.name)) for p in places)
    row = re.compile(rf"(?:{names})[\d$\u2212\u2014]")
    texts = reports["state"].print_texts
    assert len(texts) > 2, "the state report should print its tables over several pages"
    starts = [re.sub(r"Page\d+of\d+", "", _squeezed(t), count=1) for t in texts]
    continued = [i + 1 for i, t in enumerate(starts) if row.match(t)]
    assert not continued, f"printed pages {continued} begin with a row, not the headers"
    assert sum(t.startswith("County") for t in starts) >= 2, "no page begins with headers"


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)
