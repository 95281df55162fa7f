"""The comparison page: one self-contained offline HTML document.

Layout, top to bottom: the step pages' navigation (index, CSV, Excel), title, a one-screen summary
(``data-mnb-summary``), contents, the filter controls (added by the script), where each
place stands (overview), one section per pillar (the places × metrics table, or for a peer
set Urban's side-by-side table, then the pillar's maps), shared estimates, how to read
the page, and "About this page" (data files, release, settings) with a citation. The
national page puts each state's tables in a ``<details>`` section, so a browser lays out
only the states a reader opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

import pandas as pd

from mobility_nb.claims import ranking
from mobility_nb.compare import html as blocks
from mobility_nb.compare import standings
from mobility_nb.compare.html import PILLAR_SHORT, esc, pillar_id
from mobility_nb.compare.report import Report
from mobility_nb.data import catalog, states
from mobility_nb.data.jurisdictions import Jurisdiction
from mobility_nb.render import formats
from mobility_nb.render.page_links import PageLinks, nav_html

MIN_FOR_EXTREMES = 3  # places, and usable values per place, before naming highest/lowest


@lru_cache(maxsize=4)
def _resource(name: str) -> str:
    """A stylesheet or script of the package: the step pages' page.css, then compare.css and
    compare.js (read directly: the notebook exporter's imports cost seconds)."""
    return resources.files("mobility_nb").joinpath(f"resources/{name}").read_text("utf-8")


def render(report: Report) -> str:
    """The whole page as one string."""
    sel = report.selection
    if sel.kind == "nation":
        body = _nation_body(report)
    elif sel.kind == "peers":
        body = _peers_body(report)
    else:
        body = _places_body(report)
    from mobility_nb import __version__

    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="referrer" content="no-referrer">\n'
            f'<meta name="generator" content="mobility-nb {esc(__version__)}">\n'
            f"<title>{esc(sel.title)}</title>\n<style>\n{_resource('page.css')}\n"
            f"{_resource('compare.css')}"
            "</style>\n</head>\n<body>\n",
            _nav(report),
            '<main class="mnb-page mnb-report" id="mnb-main">\n',
            report.shapes,
            f"<h1>{esc(sel.title)}</h1>\n",
            body,
            _about(report),
            "</main>\n",
            '<footer class="mnb-footer"><p>Made with mobility-nb '
            f"{esc(__version__)}. This page is self-contained: it loads nothing from the "
            "internet and prints cleanly.</p></footer>\n",
            f"<script>\n{_resource('compare.js')}</script>\n</body>\n</html>\n",
        ]
    )


# ---- shared parts ---------------------------------------------------------------------


def _nav(report: Report) -> str:
    """The step pages' navigation bar: the index, then this report's files."""
    links = PageLinks(
        index=report.index_href or "",
        downloads=(
            ("Every number on this page (CSV)", f"{report.stem}.csv"),
            ("The table (Excel)", f"{report.stem}.xlsx"),
        ),
    )
    return (
        '<a class="mnb-skip" href="#mnb-main">Skip to the comparison</a>\n'
        f'<header class="mnb-top mnb-report">{nav_html(links)}</header>\n'
    )


def _years(report: Report) -> str:
    years = report.annotated.loc[report.annotated["value"].notna(), "year"]
    if years.empty:
        return "none"
    return formats.year_span(years.min(), years.max())


def _counts(report: Report) -> dict[str, int]:
    a = report.annotated
    has = a["value"].notna()
    return {
        "values": int(has.sum()),
        "missing": int((~has).sum()),
        "weak": int((has & a["quality"].eq("Weak")).sum()),
        "shared": int((has & a["shared_names"].astype(bool)).sum()),
        "ranked": sum(1 for m in report.table.metrics if m.rankable),
        "metrics": len(report.table.metrics),
    }


def _standing_rule(report: Report) -> str:
    sel = report.selection
    c = _counts(report)
    n = _typical_n(report)
    among = ranking.comparison_set(n, sel.level) if n else f"the US {sel.nouns} with data"
    if sel.level == "county":
        among = among.replace("counties", "US counties", 1)
    return (
        f"Under each value: the share of {among} that it does better than — its national "
        f"standing on its Step 2 page — for the {c['ranked']} metrics with a better/worse "
        f"direction. The other {c['metrics'] - c['ranked']} are described but not ranked: "
        "population mix, neighbor diversity, counts, wealth parity, the 80th income "
        "percentile, and crime and arrest rates (the FBI advises against ranking places by "
        "crime data)."
    )


def _typical_n(report: Report) -> int | None:
    a = report.annotated
    ranked = a.loc[a["standing_text"].astype(bool) & a["national_n"].gt(0), "national_n"]
    return int(ranked.mode().iloc[0]) if len(ranked) else None


def _marks_sentence(report: Report) -> str:
    c = _counts(report)
    noun = report.selection.nouns
    n = {key: formats.count(value) for key, value in c.items()}
    parts = [
        f"{n['shared']} of the {n['values']} values are survey estimates shared with "
        f"other {noun} of the same state (marked S): they describe a wider area, so they are "
        "never read as local findings."
        if c["shared"]
        else "No value on this page is a survey estimate shared with other places."
    ]
    parts.append(
        f"{n['weak']} values are flagged Weak (W) and {n['missing']} are missing "
        f"({formats.MISSING})."
    )
    return " ".join(parts)


def _summary(report: Report, lead: str, extra: Sequence[str] = ()) -> str:
    items = [_standing_rule(report), _marks_sentence(report), *extra]
    return (
        '<section class="mnb-summary" data-mnb-summary aria-labelledby="summary">'
        '<h2 id="summary">Summary</h2>'
        f"<p>{lead}</p><ul>{''.join(f'<li>{x}</li>' for x in items)}</ul></section>\n"
    )


def _toc(entries: Sequence[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="#{esc(i)}">{esc(t)}</a></li>' for i, t in entries)
    return f'<nav class="mnb-toc" aria-label="On this page"><ol>{items}</ol></nav>\n'


def _controls() -> str:
    return '<div id="mnb-controls" class="mnb-controls"></div>\n'


def _extremes(report: Report) -> list[str]:
    """Per pillar, the places with the highest and lowest median standing (escaped HTML)."""
    ov = report.overview
    ov = ov[ov["used"] >= MIN_FOR_EXTREMES]
    if ov["geoid"].nunique() < MIN_FOR_EXTREMES:
        return []
    parts = []
    for pillar in catalog.PILLARS:
        rows = ov[ov["pillar"] == pillar].dropna(subset=["median_better"])
        if len(rows) < MIN_FOR_EXTREMES:
            continue
        top = rows.loc[rows["median_better"].idxmax()]
        low = rows.loc[rows["median_better"].idxmin()]
        parts.append(
            f"{esc(PILLAR_SHORT[pillar])}: highest {esc(top['name'])} "
            f"({esc(ranking.percent_text(top['median_better']))}), lowest {esc(low['name'])} "
            f"({esc(ranking.percent_text(low['median_better']))})"
        )
    if not parts:
        return []
    return [
        "Median standing by pillar (over at least "
        f"{MIN_FOR_EXTREMES} usable metrics): " + "; ".join(parts) + "."
    ]


def _overview_section(report: Report, caption: str, focal: str | None = None) -> str:
    sel = report.selection
    return (
        '<section id="overview" aria-labelledby="overview-h">'
        f'<h2 id="overview-h">Where each {esc(sel.noun)} stands</h2>'
        f"<p>Each cell is the median of the place's national standings in that pillar, over "
        "the values its Step 2 page would let stand as a finding (ranked, not Weak, not a "
        "shared estimate, the place's own, not resting on very few events), with how many "
        "there are. It summarizes; the tables below hold every value.</p>"
        + blocks.heat_key()
        + blocks.heat_table(
            report.overview,
            sel.places,
            report.links,
            sel.level,
            "overview-table",
            caption,
            focal=focal,
            with_state=sel.state is None,
        )
        + "</section>\n"
    )


def _pillar_maps(report: Report, pillar: str) -> str:
    mine = [mm for mm in report.maps if catalog.get_metric(mm.metric).pillar == pillar]
    return blocks.maps_block(mine, pillar)


def _metrics_by_pillar(report: Report) -> dict[str, list[catalog.Metric]]:
    grouped: dict[str, list[catalog.Metric]] = {p: [] for p in catalog.PILLARS}
    for m in report.table.metrics:
        grouped[m.pillar].append(m)
    return grouped


def _reading(report: Report) -> str:
    sel = report.selection
    maps = (
        "<h3>Maps</h3><p>Each map colors the counties by the value in the table. Metrics "
        "with a direction are darker where better; wealth parity diverges around 1.00; "
        "descriptive metrics are darker where higher. Weak values are hatched, counties "
        "without a value are dotted gray. Crime and arrest rates and counts are not mapped "
        "(a map would rank them); zeros that may mean not reported are drawn as no "
        "data.</p>"
        if report.maps
        else ""
    )
    return (
        '<section id="reading" aria-labelledby="reading-h">'
        '<h2 id="reading-h">How to read this page</h2>'
        "<h3>Marks beside a value</h3>"
        + blocks.marks_legend()
        + f"<p>{formats.MISSING}: no value was published. A year in parentheses: the place's "
        "latest value is from another year than most of the column.</p>"
        "<h3>Standing</h3>"
        f"<p>{_standing_rule(report)} Ties count half; shares are capped at 'over 99%' "
        f"and 'under 1%'; a value tied at the lowest or highest value is reported as a "
        "tie. The same numbers appear on each place's Step 2 page, which also gives its "
        f"standing within its state (where the state has at least {ranking.MIN_STATE_PLACES} "
        f"{sel.nouns} with data) and tests against the medians.</p>"
        "<h3>Is a difference real?</h3><p>Places close in standing may not differ: where "
        "Urban publishes 95% bounds, ≈ marks values whose bounds contain the US median. "
        "Shared estimates (S) and Weak values (W) should not be compared as local "
        "findings. With many metrics and places, a few differences will look large by "
        "chance alone.</p>" + maps + "</section>\n"
    )


def _shared_section(report: Report) -> str:
    return (
        '<section id="shared" aria-labelledby="shared-h">'
        '<h2 id="shared-h">Shared survey estimates</h2>'
        "<p>Many county values from the American Community Survey are estimates for a "
        "survey area of at least 100,000 people shared out to the counties in it; small "
        "counties' low birth weight is their state's pooled value. Places that publish "
        "exactly the same value for the same metric and year share one estimate:</p>"
        '<details class="mnb-more"><summary>Which places share which values</summary>'
        + blocks.shared_list(report.annotated)
        + "</details></section>\n"
    )


def _about(report: Report) -> str:
    from mobility_nb import __version__

    release = next((s.release for s in report.recorder.sources if s.release), "")
    when = report.recorder.run_at[:10]
    edition = f" ({esc(release)})" if release else ""
    cite = (
        f"Urban Institute, <em>Mobility Metrics</em>{edition}, compared in "
        f"“{esc(report.selection.title)}”, mobility-nb {esc(__version__)}, {esc(when)}."
    )
    about = report.recorder.provenance_html().replace(
        '<section class="mnb-provenance" aria-labelledby="mnb-about">',
        '<section class="mnb-provenance" id="about" aria-labelledby="mnb-about">',
        1,
    )
    return about + (
        '<section class="mnb-cite" aria-labelledby="cite-h"><h2 id="cite-h">Cite this '
        f"page</h2><p>{cite}</p></section>\n"
    )


# ---- states, lists, folders -----------------------------------------------------------


def _places_body(report: Report) -> str:
    sel = report.selection
    lead = (
        f"This page compares {esc(sel.described)} on the {len(report.table.metrics)} metrics "
        f"of Urban's Mobility Metrics framework (latest data years {esc(_years(report))}). "
        f"Each value is the one the {esc(sel.noun)}'s own Step 2 page shows."
    )
    extra = _extremes(report)
    if report.maps:
        extra.append(
            f"Each pillar ends with a state map of each of its {len(report.maps)} mapped metrics."
        )
    parts = [_summary(report, lead, extra)]
    grouped = _metrics_by_pillar(report)
    toc = [("overview", f"Where each {sel.noun} stands")]
    toc += [(pillar_id(p), p) for p, ms in grouped.items() if ms]
    toc += [("shared", "Shared survey estimates"), ("reading", "How to read this page")]
    toc += [("about", "About this page")]
    parts.append(_toc(toc))
    parts.append(_controls())
    parts.append(_overview_section(report, f"Median standing by pillar of each {sel.noun}"))
    parts.append(_pillar_sections(report, sel.places, grouped, "", with_maps=True))
    parts.append(_shared_section(report))
    parts.append(_reading(report))
    return "".join(parts)


def _pillar_sections(
    report: Report,
    places: Sequence[Jurisdiction],
    grouped: dict[str, list[catalog.Metric]],
    id_suffix: str,
    with_maps: bool,
    heading: str = "h2",
) -> str:
    sel = report.selection
    out = []
    for pillar, metrics in grouped.items():
        if not metrics:
            continue
        pid = pillar_id(pillar) + id_suffix
        table = blocks.places_table(
            pillar,
            metrics,
            places,
            report.cells,
            report.links,
            sel.level,
            f"{pid}-table",
            f"{pillar}: value, marks and national standing of each {sel.noun}",
            with_state=sel.state is None and sel.kind != "nation",
        )
        maps = _pillar_maps(report, pillar) if with_maps else ""
        out.append(
            f'<section class="mnb-pillar" id="{pid}" data-pillar="{pillar_id(pillar)}" '
            f'aria-labelledby="{pid}-h"><{heading} id="{pid}-h">{esc(pillar)}</{heading}>'
            f"{table}{maps}</section>\n"
        )
    return "".join(out)


# ---- peer sets ------------------------------------------------------------------------


def _peers_body(report: Report) -> str:
    sel = report.selection
    focal = sel.focal
    assert focal is not None and sel.peer_set is not None
    peers = list(sel.places[1:])
    table = report.table.peer_table
    assert table is not None
    ranked = table[table["rank"].notna()]
    best = ranked[ranked["rank"] == 1]
    worst = ranked[(ranked["rank"] == ranked["compared"]) & (ranked["compared"] > 1)]
    lead = (
        f"{esc(focal.display_name)} beside the {len(peers)} peers its Step 2 page compares it "
        f"with, on every metric of Urban's Mobility Metrics framework (latest data years "
        f"{esc(_years(report))}), as in Urban's side-by-side tables: {esc(focal.name)} in the "
        "first, highlighted column."
    )
    extra = [
        f"Among the {len(sel.places)}, {esc(focal.name)} ranks best on {len(best)} and worst "
        f"on {len(worst)} of the {len(ranked)} metrics it can be ranked on (directional, not "
        "crime data, its own value not Weak or shared)"
        + (f": best on {esc(_labels(best))}" if len(best) else "")
        + (f"; worst on {esc(_labels(worst))}" if len(worst) else "")
        + ". Ranks among so few places are not tested for significance."
    ]
    parts = [_summary(report, lead, extra)]
    grouped = _metrics_by_pillar(report)
    toc = [("peers", "Who the peers are"), ("overview", f"Where each {sel.noun} stands")]
    toc += [(pillar_id(p), p) for p, ms in grouped.items() if ms]
    toc += [("reading", "How to read this page"), ("about", "About this page")]
    parts.append(_toc(toc))
    parts.append(
        '<section id="peers" aria-labelledby="peers-h"><h2 id="peers-h">Who the peers are</h2>'
        f"<p>{esc(_peer_rule(sel.peer_set.rule))}</p>"
        + blocks.peers_who(focal, peers, sel.peer_set.reasons)
        + "</section>\n"
    )
    parts.append(_controls())
    parts.append(
        _overview_section(
            report, f"Median standing by pillar of {focal.name} and its peers", focal.geoid
        )
    )
    for pillar, metrics in grouped.items():
        if not metrics:
            continue
        pid = pillar_id(pillar)
        block = blocks.peer_table(
            pillar,
            table,
            focal,
            peers,
            report.cells,
            report.links,
            sel.level,
            f"{pid}-table",
            f"{pillar}: {focal.name} and its peers, in {focal.name}'s latest year of each metric",
        )
        parts.append(
            f'<section class="mnb-pillar" id="{pid}" data-pillar="{pid}" '
            f'aria-labelledby="{pid}-h"><h2 id="{pid}-h">{esc(pillar)}</h2>{block}</section>\n'
        )
    parts.append(
        "<p class='mnb-note'>Rows are the metrics with a value for "
        f"{esc(focal.name)}, as on its Step 2 page; every value of a row is from the same "
        "year, so dollar values compare as they stand. Ranks are given only for metrics with "
        "a better/worse direction that are not crime data, and only when "
        f"{esc(focal.name)}'s own value is not Weak, shared or possibly unreported.</p>\n"
    )
    parts.append(_reading(report))
    return "".join(parts)


def _peer_rule(rule: str) -> str:
    """Step 2's rule, with its advice worded for this command instead of the notebook."""
    return rule.replace('the "peers" parameter', "--peers (or the Step 2 peers parameter)")


def _labels(rows: pd.DataFrame, most: int = 4) -> str:
    labels = [str(x) for x in rows["label"]]
    text = ", ".join(labels[:most])
    return text + (f" and {len(labels) - most} more" if len(labels) > most else "")


# ---- the nation -----------------------------------------------------------------------


def _nation_body(report: Report) -> str:
    sel = report.selection
    by_state = _state_overview(report.overview)
    codes = {p.state for p in sel.places}
    where = f"{len(codes - {'11'})} states" + (
        " and the District of Columbia" if "11" in codes else ""
    )
    lead = (
        f"This page compares {esc(sel.described)} — {formats.count(len(sel.places))} "
        f"{esc(sel.nouns)} in {where} — on the {len(report.table.metrics)} metrics of Urban's "
        f"Mobility Metrics framework (latest data years {esc(_years(report))}). Each value is "
        f"the one the {esc(sel.noun)}'s own Step 2 page shows. The overview gives each state's "
        "typical county; open a state below for its counties' full table"
        + (", or its own report for maps." if report.state_reports else ".")
    )
    parts = [_summary(report, lead)]
    toc = [("overview", "Where each state's counties stand"), ("states", "State by state")]
    toc += [("reading", "How to read this page"), ("about", "About this page")]
    parts.append(_toc(toc))
    parts.append(_controls())
    parts.append(
        '<section id="overview" aria-labelledby="overview-h">'
        '<h2 id="overview-h">Where each state\'s counties stand</h2>'
        "<p>Each cell is the median, over the state's counties, of each county's median "
        "national standing in the pillar (see the state sections for how a county's median "
        "is formed).</p>"
        + blocks.heat_key()
        + blocks.state_heat_table(
            by_state,
            report.state_reports,
            "state-overview",
            f"Typical county of each state by pillar ({sel.nouns} with ranked values)",
        )
        + "</section>\n"
    )
    parts.append('<section id="states" aria-labelledby="states-h">')
    parts.append('<h2 id="states-h">State by state</h2>')
    grouped = _metrics_by_pillar(report)
    places_by_state: dict[str, list[Jurisdiction]] = {}
    for p in sel.places:
        places_by_state.setdefault(p.state, []).append(p)
    for fips, places in places_by_state.items():
        abbr = states.abbr(fips)
        ov = report.overview[report.overview["state"] == abbr]
        link = report.state_reports.get(abbr)
        noun = sel.nouns if len(places) != 1 else sel.noun
        parts.append(
            f'<details class="mnb-state" id="st-{esc(abbr)}"><summary>'
            f"{esc(states.name(fips))} ({formats.count(len(places))} {esc(noun)})"
            f'</summary><div class="mnb-state-body">'
            + (
                f'<p><a href="{esc(link)}">{esc(states.name(fips))}\'s own report, with a map '
                "of each metric</a></p>"
                if link
                else ""
            )
            + blocks.heat_table(
                ov,
                places,
                report.links,
                sel.level,
                f"ov-{abbr}",
                f"Median standing by pillar of each {sel.noun} of {states.name(fips)}",
            )
            + _pillar_sections(report, places, grouped, f"-{abbr}", with_maps=False, heading="h3")
            + "</div></details>\n"
        )
    parts.append("</section>\n")
    parts.append(_reading(report))
    return "".join(parts)


def _state_overview(overview: pd.DataFrame) -> pd.DataFrame:
    """Per state and pillar: the median of its places' median standings."""
    frame = overview.dropna(subset=["median_better"])
    grouped = frame.groupby(["state", "pillar"], sort=False, observed=True)
    out = grouped.agg(
        median_better=("median_better", "median"), places=("geoid", "count")
    ).reset_index()
    out["heat"] = standings.heat_class(out["median_better"].to_numpy(dtype=float))
    return out
