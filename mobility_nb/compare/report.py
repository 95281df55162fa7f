"""Build a comparison report: table → standings → overview → maps → page → files.

``build_report(selection, out_dir)`` computes everything once from the data loaded once
per process and writes ``OUT/compare/<stem>.html`` with its ``.csv`` (every number shown,
one row per place and metric, plus the overview, the peer table and the map classes),
``.xlsx`` (the table as the page lays it out) and ``.provenance.json``. A national report
can also write every state's report from the same computed table (``with_states``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mobility_nb.atomic import write_atomic
from mobility_nb.compare import links as links_mod
from mobility_nb.compare import maps as maps_mod
from mobility_nb.compare import standings
from mobility_nb.compare.selection import Selection, state_selection
from mobility_nb.compare.table import ComparisonTable, build_table, place_names
from mobility_nb.data import states
from mobility_nb.data.records import records
from mobility_nb.errors import MobilityNBError
from mobility_nb.render.cells import safe_frame
from mobility_nb.render.formats import year_span
from mobility_nb.render.recorder import PageRecorder

STEP = "compare"
# The comparison table's columns in the CSV: every number and mark the page shows, plus the
# bounds and in-state standing Step 2 shows for the same values.
RECORDED_COLUMNS = (
    "geoid",
    "name",
    "state",
    "metric",
    "year",
    "value",
    "lower",
    "upper",
    "quality",
    "national_better",
    "national_n",
    "state_better",
    "state_n",
    "value_text",
    "standing_text",
    "marks",
    "shared_names",
    "in_overview",
)
CELL_COLUMNS = (
    "geoid",
    "metric",
    "name",
    "year",
    "value",
    "quality",
    "national_better",
    "national_n",
    "value_text",
    "standing_text",
    "marks",
)


@dataclass
class Report:
    """Everything one page shows, computed once."""

    selection: Selection
    table: ComparisonTable
    annotated: pd.DataFrame
    overview: pd.DataFrame
    cells: dict[tuple[str, str], dict[str, Any]]
    links: dict[str, dict[str, str]]
    index_href: str | None
    recorder: PageRecorder
    maps: list[maps_mod.MetricMap] = field(default_factory=list)
    shapes: str = ""
    state_reports: dict[str, str] = field(default_factory=dict)  # state abbr -> href
    map_note: str = ""  # why a state report has no maps (boundaries unavailable)

    @property
    def stem(self) -> str:
        return self.selection.stem


@dataclass(frozen=True)
class Written:
    """The files of one report."""

    html: Path
    csv: Path
    xlsx: Path
    provenance: Path
    places: int
    size: int  # bytes of the HTML page


def report_dir(out_dir: str | os.PathLike[str]) -> Path:
    return Path(out_dir) / links_mod.COMPARE_DIR


def prepare(
    selection: Selection,
    out_dir: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    draw_maps: bool = True,
    table: ComparisonTable | None = None,
    annotated: pd.DataFrame | None = None,
) -> Report:
    """Compute a report's contents (``table``/``annotated``: reuse a larger report's rows)."""
    table = table if table is not None else build_table(selection, data_dir)
    if annotated is None:
        annotated = standings.annotate(table.rows, selection.level)
    overview = standings.overview(annotated)
    cells = {(r["geoid"], r["metric"]): r for r in records(annotated, CELL_COLUMNS)}
    recorder = PageRecorder(STEP, _params(selection), None, title=selection.title)
    for source in table.sources:
        years = annotated["year"].dropna()
        span = year_span(years.min(), years.max()) if len(years) else ""
        recorder.add_source(source, years=span)
    report = Report(
        selection=selection,
        table=table,
        annotated=annotated,
        overview=overview,
        cells=cells,
        links=links_mod.step_links(out_dir),
        index_href=links_mod.index_href(out_dir),
        recorder=recorder,
    )
    if draw_maps and selection.state and selection.level == "county":
        _draw_maps(report, data_dir)
    _record(report)
    return report


def _params(selection: Selection) -> dict[str, Any]:
    """What a reader needs to know about the selection (shown under "About this page")."""
    out: dict[str, Any] = {"compared": selection.described, "level": selection.nouns}
    if selection.focal is not None:
        out["focal place"] = selection.focal.display_name
        out["peers"] = [p.display_name for p in selection.places[1:]]
    return out


def _draw_maps(report: Report, data_dir: str | os.PathLike[str] | None) -> None:
    from mobility_nb.geo import atlas_path

    state = report.selection.state
    assert state is not None
    names = place_names(report.selection.level, data_dir)
    try:
        report.shapes = maps_mod.shapes(state)
    except MobilityNBError as exc:  # boundaries neither on disk nor downloadable
        report.map_note = f"The state maps could not be drawn: {exc}"
        return
    by_metric = dict(tuple(report.annotated.groupby("metric", sort=False, observed=True)))
    focus = report.selection.focal.geoid if report.selection.focal else None
    for m in report.table.metrics:
        rows = by_metric.get(m.metric)
        if rows is None:
            continue
        made = maps_mod.metric_map(rows, m, state, names, focus=focus)
        if made is not None:
            report.maps.append(made)
    if report.maps:
        report.recorder.add_source(atlas_path(download=False), years="2017 boundaries")


def _record(report: Report) -> None:
    """Every number the page shows, for its CSV (text cells made formula-safe)."""
    rec = report.recorder
    rec.record("comparison", safe_frame(report.annotated[list(RECORDED_COLUMNS)]))
    rec.record("overview", safe_frame(report.overview))
    peer = report.table.peer_table
    if peer is not None:
        rec.record("peers", safe_frame(peer))
    if report.maps:
        rec.record(
            "maps",
            safe_frame(
                pd.DataFrame(
                    [
                        {
                            "metric": mm.metric,
                            "class": c.label,
                            "colour": c.colour,
                            "counties": c.count,
                            "low": c.low,
                            "high": c.high,
                        }
                        for mm in report.maps
                        for c in mm.classes
                    ]
                )
            ),
        )


def write(report: Report, out_dir: str | os.PathLike[str]) -> Written:
    """Write the page, its CSV, XLSX and provenance (each atomically)."""
    from mobility_nb.compare import export, page

    folder = report_dir(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"{report.stem}.html"
    csv_path = html_path.with_suffix(".csv")
    xlsx_path = html_path.with_suffix(".xlsx")
    prov_path = folder / f"{report.stem}.provenance.json"
    text = page.render(report)
    write_atomic(html_path, text)
    write_atomic(csv_path, report.recorder.numbers_csv())
    write_atomic(xlsx_path, export.workbook_bytes(report))
    provenance = report.recorder.provenance()
    provenance["places"] = len(report.selection.places)
    provenance["kind"] = report.selection.kind
    write_atomic(
        prov_path, json.dumps(provenance, indent=2, default=str, ensure_ascii=False) + "\n"
    )
    return Written(
        html_path,
        csv_path,
        xlsx_path,
        prov_path,
        len(report.selection.places),
        len(text.encode("utf-8")),
    )


def build_report(
    selection: Selection,
    out_dir: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    draw_maps: bool = True,
) -> Written:
    """Compute and write one report."""
    return write(prepare(selection, out_dir, data_dir, draw_maps), out_dir)


def build_nation(
    selection: Selection,
    out_dir: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    with_states: bool = True,
) -> list[Written]:
    """The national report and, from the same computed table, each state's report.

    State reports are written first so the national page can link to each of them.
    """
    national = prepare(selection, out_dir, data_dir, draw_maps=False)
    written: list[Written] = []
    if with_states:
        rows = national.annotated
        for fips in sorted({p.state for p in selection.places}):
            abbr = states.abbr(fips)
            sub = state_selection(fips, selection.level, data_dir)
            part = rows[rows["state"] == abbr]
            report = prepare(sub, out_dir, data_dir, table=national.table.part(sub), annotated=part)
            done = write(report, out_dir)
            written.append(done)
            national.state_reports[abbr] = done.html.name
    written.insert(0, write(national, out_dir))
    return written
