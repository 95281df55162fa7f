"""Measure every published page of a folder in a real browser and write a Markdown table.

    .venv/bin/python bench/page_report.py PAGES_DIR --shots DIR [--out FILE.md]

For each ``.html`` under PAGES_DIR (recursively), through
:class:`mobility_nb.testing.pagecheck.PageChecker` (one headless Chromium for the whole run):
size, height in screens at 1280×800, Letter print pages, sideways page scroll at 390 px,
elements wider than the viewport, axe-core WCAG 2.1 A/AA violations at both widths,
requests leaving the file, console errors and whether the summary is in the first screen.
Below the table, each page's details (axe rules with a sample element, the widest elements,
inner scroll boxes) say where to look. Screenshots (desktop and phone, first screen and full
page), the PDF and its pages as PNG go to ``--shots`` for people to look at; keep them out of
the repository.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from mobility_nb.errors import MobilityNBError
from mobility_nb.testing.pagecheck import (
    DESKTOP,
    PHONE,
    WCAG_TAGS,
    PageChecker,
    PageReport,
    ViewReport,
)

DETAIL_ROWS = 3  # per list in the details section


def shot_name(page: Path, root: Path) -> str:
    """A flat file prefix for a page's screenshots: step2/42101-x.html -> step2--42101-x."""
    return "--".join(page.relative_to(root).with_suffix("").parts)


def axe_cell(view: ViewReport) -> str:
    return f"{len(view.axe)}/{view.axe_nodes}"


def top_rules(report: PageReport, count: int = 3) -> str:
    nodes: Counter[str] = Counter()
    for view in report.views.values():
        for v in view.axe:
            nodes[v.rule] += v.nodes
    return ", ".join(f"{rule} ({n})" for rule, n in nodes.most_common(count)) or "none"


def summary_cell(report: PageReport) -> str:
    desktop, phone = report.desktop.summary_state, report.phone.summary_state
    return desktop if desktop == phone else f"{desktop} / phone: {phone}"


def table(reports: list[PageReport], root: Path) -> list[str]:
    lines = [
        "| page | KB | screens @1280 | print pages (Letter) | sideways scroll @390 (px) "
        "| elements wider than viewport @1280 / @390 | boxes with content wider than the box @1280 "
        "| axe @1280 rules/nodes "
        "| axe @390 rules/nodes | top axe rules (nodes, both widths) | requests leaving the file "
        "| console errors | summary in first screen |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in reports:
        d, p = r.desktop, r.phone
        lines.append(
            f"| {r.path.relative_to(root)} | {r.html_bytes / 1024:.0f} | {d.screens:.1f} "
            f"| {r.print_pages} | {p.horizontal_scroll_px} "
            f"| {d.wide_element_count} / {p.wide_element_count} | {len(d.inner_scrollers)} "
            f"| {axe_cell(d)} | {axe_cell(p)} "
            f"| {top_rules(r)} | {len(r.blocked_requests)} "
            f"| {len(r.console_errors) + len(r.page_errors)} | {summary_cell(r)} |"
        )
    return lines


def details(report: PageReport, root: Path) -> list[str]:
    lines = [f"### {report.path.relative_to(root)}", ""]
    for view in (report.desktop, report.phone):
        w = view.viewport
        lines.append(
            f"- {w.width}×{w.height}: {view.page_height} px tall ({view.screens:.1f} screens), "
            f"page {view.scroll_width} px wide, summary: {view.summary_state}"
        )
        for v in view.axe[:DETAIL_ROWS]:
            lines.append(f"  - axe `{v.rule}` ({v.impact}, {v.nodes} nodes), e.g. `{v.target}`")
        for e in view.wide_elements[:DETAIL_ROWS]:
            lines.append(
                f'  - wide `{e.selector}` ("{e.text}"): x {e.left}..{e.right} '
                f"({e.width} px); {e.note}"
            )
        for s in view.inner_scrollers[:DETAIL_ROWS]:
            keyboard = "focusable" if s.focusable else "not focusable"
            named = f'named "{s.name}"' if s.name else "unnamed"
            lines.append(
                f'  - inner {s.overflow} box `{s.selector}` ("{s.text}"): {s.scroll_width} px '
                f"of content "
                f"in {s.client_width} px ({keyboard}, {named})"
            )
    for label, items in (
        ("requests leaving the file", report.blocked_requests),
        ("console errors", report.console_errors),
        ("page errors", report.page_errors),
    ):
        for item in items[:DETAIL_ROWS]:
            lines.append(f"- {label}: `{item}`")
    lines.append("")
    return lines


def report_markdown(
    reports: list[PageReport], root: Path, command: str, browser: str, note: str = ""
) -> str:
    axe_version = next((r.axe_version for r in reports if r.axe_version), "?")
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# Published pages in a real browser ({when})",
        "",
        f"Command: `{command}`",
        "",
        *([note, ""] if note else []),
        f"Chromium {browser} (headless, Playwright), axe-core {axe_version} with the "
        f"{', '.join(WCAG_TAGS)} rules; viewports {DESKTOP.width}×{DESKTOP.height} and "
        f"{PHONE.width}×{PHONE.height}; print: US Letter, 0.4 in margins, print media. "
        "Screens = page height / 800 px. Elements wider than the viewport count every "
        "element whose box leaves the viewport, except inside a keyboard-focusable, named "
        "scroll box within the viewport; boxes with content wider than the box are scroll or "
        "clip boxes (e.g. a table wider than its column). Rules/nodes: axe rules failed and "
        "elements failing them. The summary is the element `[data-mnb-summary]`.",
        "",
        *table(reports, root),
        "",
        "## Details",
        "",
    ]
    for r in reports:
        lines += details(r, root)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages_dir", type=Path, help="folder of published pages (recursive)")
    parser.add_argument("--shots", type=Path, help="folder for screenshots, PDFs, print PNGs")
    parser.add_argument("--out", type=Path, help="Markdown file to write (default: stdout)")
    parser.add_argument(
        "--note", default="", help="a line under the command (e.g. how the pages were built)"
    )
    args = parser.parse_args(argv)
    root = args.pages_dir.resolve()
    pages = sorted(root.rglob("*.html"))
    if not pages:
        print(f"No .html files under {root}.", file=sys.stderr)
        return 2
    shown = [a for a in (argv or sys.argv[1:]) if a != args.note and a != "--note"]
    command = shlex.join(["python", "bench/page_report.py", *shown])
    reports = []
    try:
        with PageChecker() as checker:
            for page in pages:
                print(f"checking {page.relative_to(root)}", file=sys.stderr)
                reports.append(checker.check(page, args.shots, shot_name(page, root)))
            browser = checker.browser_version
    except MobilityNBError as exc:
        print(exc, file=sys.stderr)
        return 2
    text = report_markdown(reports, root, command, browser, args.note)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        print(f"Wrote {args.out}", file=sys.stderr)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
