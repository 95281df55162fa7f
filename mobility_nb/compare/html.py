"""The HTML blocks of a report: places × metrics tables, the peer table, the overview, maps.

Tables are complete in the HTML (the page reads without JavaScript); ``compare.js`` only
adds sorting (columns marked ``data-sort``) and filtering (rows marked ``data-place``,
sections marked ``data-pillar``). Each value cell holds the value as Step 2 prints it,
its marks (:data:`mobility_nb.compare.standings.MARKS`) in ``<sup>``, and its standing in
``<small>``; a national page holds 150,000 of them, so the markup is kept short.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from mobility_nb.claims.ranking import short_percent_text
from mobility_nb.compare import standings
from mobility_nb.compare.links import from_report
from mobility_nb.compare.maps import MetricMap
from mobility_nb.data import catalog
from mobility_nb.data.jurisdictions import Jurisdiction
from mobility_nb.data.records import records
from mobility_nb.render import formats
from mobility_nb.render.formats import MISSING
from mobility_nb.render.formats import html_attr as esc

PILLAR_SHORT = {
    catalog.PILLARS[0]: "Neighborhoods",
    catalog.PILLARS[1]: "Education",
    catalog.PILLARS[2]: "Work",
    catalog.PILLARS[3]: "Health",
    catalog.PILLARS[4]: "Governance",
}
STEP_WORDS = {"step2": "Step 2", "step5": "Step 5", "step8": "Step 8"}

Record = Mapping[str, Any]


def pillar_id(pillar: str) -> str:
    return "pillar-" + str(catalog.PILLARS.index(pillar) + 1)


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def scroll_box(table: str, label_id: str) -> str:
    """A wide table in a keyboard-focusable box named by its caption."""
    return (
        f'<div class="mnb-scroll" role="region" tabindex="0" aria-labelledby="{label_id}">'
        f"{table}</div>"
    )


def place_header(
    place: Jurisdiction, links: Mapping[str, Mapping[str, str]], with_state: bool = False
) -> str:
    """The row label: the place's name, linked to its Step 2 page, and its other pages."""
    name = esc(place.short_name if with_state else place.name)
    pages = links.get(place.geoid, {})
    if "step2" in pages:
        name = f'<a href="{esc(from_report(pages["step2"]))}">{name}</a>'
    others = [
        f'<a href="{esc(from_report(href))}">{esc(STEP_WORDS.get(step, step))}'
        f'<span class="mnb-sr"> page for {esc(place.name)}</span></a>'
        for step, href in sorted(pages.items())
        if step != "step2"
    ]
    extra = f"<small>{' · '.join(others)}</small>" if others else ""
    return name + extra


def _place_key(place: Jurisdiction) -> str:
    text = f"{place.name} {place.state_abbr} {place.geoid}".lower()
    return esc(text)


def _column_year(rows: Sequence[Record]) -> int | None:
    years = Counter(int(r["year"]) for r in rows if _present(r.get("value")))
    return years.most_common(1)[0][0] if years else None


def _column_n(rows: Sequence[Record]) -> int | None:
    ns = Counter(int(r["national_n"]) for r in rows if r.get("standing_text"))
    return ns.most_common(1)[0][0] if ns else None


def metric_header(m: catalog.Metric, year: int | None, n: int | None, level: str) -> str:
    """Column (or row) heading: label, then year, how it is compared and the ranking set."""
    parts = [str(year)] if year else []
    parts.append(standings.comparison_words(m))
    among = f"<small>ranked among {formats.count(n)}</small>" if n else ""
    return f"{esc(m.label)}<small>{esc(' · '.join(parts))}</small>{among}"


def value_cell(r: Record | None, column_year: int | None = None, extra_class: str = "") -> str:
    """One value: text, marks, standing (and its year when it differs from the column's)."""
    classes = [extra_class] if extra_class else []
    if r is None or not _present(r.get("value")):
        classes.append("na")
        flag = r.get("quality") if r is not None else None
        note = "<sup>W</sup>" if flag == "Weak" else ""
        return f'<td class="{" ".join(classes)}">{MISSING}{note}</td>'
    if r.get("quality") == "Weak":
        classes.append("w")
    cls = f' class="{" ".join(classes)}"' if classes else ""
    marks = r.get("marks") or ""
    sup = f"<sup>{esc(marks)}</sup>" if marks else ""
    year = int(r["year"])
    when = f'<span class="yr"> ({year})</span>' if column_year and year != column_year else ""
    standing = r.get("standing_text") or ""
    small = f"<small>{esc(standing)}</small>" if standing else ""
    return f"<td{cls}>{esc(r['value_text'])}{when}{sup}{small}</td>"


def places_table(
    pillar: str,
    metrics: Sequence[catalog.Metric],
    places: Sequence[Jurisdiction],
    cells: Mapping[tuple[str, str], Record],
    links: Mapping[str, Mapping[str, str]],
    level: str,
    table_id: str,
    caption: str,
    with_state: bool = False,
) -> str:
    """Places (rows) × the pillar's metrics (columns), sortable by each column."""
    noun = "County" if level == "county" else "City"
    head = [f'<th scope="col" data-sort="name">{noun}</th>']
    years: dict[str, int | None] = {}
    for m in metrics:
        rows = [cells[(p.geoid, m.metric)] for p in places if (p.geoid, m.metric) in cells]
        years[m.metric] = _column_year(rows)
        sort = "s" if m.rankable else "v"
        head.append(
            f'<th scope="col" data-sort="{sort}">'
            f"{metric_header(m, years[m.metric], _column_n(rows), level)}</th>"
        )
    body = []
    for p in places:
        tds = "".join(value_cell(cells.get((p.geoid, m.metric)), years[m.metric]) for m in metrics)
        body.append(
            f'<tr data-place="{_place_key(p)}"><th scope="row">'
            f"{place_header(p, links, with_state)}</th>{tds}</tr>"
        )
    cap_id = f"{table_id}-cap"
    table = (
        f'<table class="mnb-table mnb-cmp mnb-sortable" id="{table_id}">'
        f'<caption id="{cap_id}">{esc(caption)}</caption>'
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    return scroll_box(table, cap_id)


def heat_table(
    overview: pd.DataFrame,
    places: Sequence[Jurisdiction],
    links: Mapping[str, Mapping[str, str]],
    level: str,
    table_id: str,
    caption: str,
    focal: str | None = None,
    with_state: bool = False,
) -> str:
    """Where each place stands: its median standing in each pillar, colored by fifths."""
    by_key = {(r["geoid"], r["pillar"]): r for r in records(overview)}
    noun = "County" if level == "county" else "City"
    head = [f'<th scope="col" data-sort="name">{noun}</th>']
    head += [
        f'<th scope="col" data-sort="s"><span title="{esc(p)}">{esc(PILLAR_SHORT[p])}</span>'
        f"<small>median standing</small></th>"
        for p in catalog.PILLARS
    ]
    body = []
    for p in places:
        tds = []
        for pillar in catalog.PILLARS:
            r = by_key.get((p.geoid, pillar))
            if r is None or not _present(r["median_better"]):
                tds.append(f'<td class="na">{MISSING}<small>none ranked</small></td>')
                continue
            used = int(r["used"])
            tds.append(
                f'<td class="h{int(r["heat"])}">{esc(short_percent_text(r["median_better"]))}'
                f"<small>{used} metric{'s' if used != 1 else ''}</small></td>"
            )
        cls = ' class="focal"' if focal == p.geoid else ""
        body.append(
            f'<tr data-place="{_place_key(p)}"{cls}><th scope="row">'
            f"{place_header(p, links, with_state)}</th>{''.join(tds)}</tr>"
        )
    return _heat_table(table_id, caption, head, body)


def heat_key() -> str:
    """The overview's color key (words carry the meaning; color only repeats it)."""
    items = "".join(
        f'<li><span class="sw" style="background:{color}"></span>{esc(label)}</li>'
        for color, label in zip(
            ("#b35806", "#fdb863", "#f7f7f7", "#b2abd2", "#542788"),
            standings.HEAT_LABELS,
            strict=True,
        )
    )
    return (
        '<ul class="mnb-key" aria-label="Color key: median share of US places each place '
        f'does better than">{items}</ul>'
    )


def peer_table(
    pillar: str,
    table: pd.DataFrame,
    focal: Jurisdiction,
    peers: Sequence[Jurisdiction],
    cells: Mapping[tuple[str, str], Record],
    links: Mapping[str, Mapping[str, str]],
    level: str,
    table_id: str,
    caption: str,
) -> str:
    """Urban's side-by-side layout: metrics (rows) × the focal place and its peers.

    Values and ranks are Step 2's peer table (every value of a row from the focal place's
    latest year); each place's standing is shown where that year is its own latest year.
    """
    places = [focal, *peers]
    count = len(places)
    head = ['<th scope="col">Metric</th>']
    for i, p in enumerate(places):
        cls = ' class="focal"' if i == 0 else ""
        head.append(f'<th scope="col"{cls}>{place_header(p, links, True)}</th>')
    head.append('<th scope="col">Peer median</th>')
    head.append(f'<th scope="col">Rank among the {count} (1 = best)</th>')
    body = []
    rows = table[table["metric"].isin([m.metric for m in catalog.metrics_for(level)])]
    for r in records(rows):
        m = catalog.get_metric(r["metric"])
        if m.pillar != pillar:
            continue
        year = int(r["year"])
        tds = []
        for i, p in enumerate(places):
            own = cells.get((p.geoid, m.metric))
            shown: dict[str, Any] = {"value": r[p.geoid], "year": year}
            shown["quality"] = r.get(f"{p.geoid}_quality")
            shown["value_text"] = m.format(r[p.geoid])
            if own is not None and _present(own.get("value")) and int(own["year"]) == year:
                shown["marks"] = own["marks"]
                shown["standing_text"] = own["standing_text"]
            else:
                shown["marks"] = {"Weak": "W", "Marginal": "M"}.get(shown["quality"] or "", "")
            tds.append(value_cell(shown, year, "focal" if i == 0 else ""))
        median = m.format(r["peer_median"]) if m.rankable else ""
        rank = "" if not _present(r["rank"]) else f"{int(r['rank'])} of {int(r['compared'])}"
        tds.append(f"<td>{esc(median)}</td><td>{esc(rank)}</td>")
        n = cells.get((focal.geoid, m.metric), {}).get("national_n") if m.rankable else None
        body.append(
            f'<tr><th scope="row">{metric_header(m, year, int(n) if n else None, level)}</th>'
            f"{''.join(tds)}</tr>"
        )
    if not body:
        return f"<p>{esc(focal.name)} has no value for the metrics of this pillar.</p>"
    cap_id = f"{table_id}-cap"
    out = (
        f'<table class="mnb-table mnb-cmp mnb-side" id="{table_id}">'
        f'<caption id="{cap_id}">{esc(caption)}</caption>'
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    return scroll_box(out, cap_id)


def peers_who(focal: Jurisdiction, peers: Sequence[Jurisdiction], reasons: Sequence[str]) -> str:
    """Who the peers are and why each was chosen (Step 2's reasons and distances)."""
    rows = "".join(
        f'<tr><th scope="row">{esc(p.display_name)}</th><td>{esc(p.geoid)}</td>'
        f"<td>{esc(why)}</td></tr>"
        for p, why in zip(peers, reasons, strict=True)
    )
    return (
        '<table class="mnb-table" id="peers-who"><caption>Places compared with '
        f'{esc(focal.name)}</caption><thead><tr><th scope="col">Peer</th>'
        '<th scope="col">Code</th><th scope="col">Why</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def maps_block(maps: Sequence[MetricMap], pillar: str) -> str:
    """The pillar's maps as a grid of small multiples, in a section readers can open."""
    if not maps:
        return ""
    figures = []
    for mm in maps:
        notes = " ".join(esc(n) for n in mm.notes)
        caption = f"<figcaption>{notes}</figcaption>" if notes else ""
        figures.append(f'<figure class="mnb-map">{mm.svg}{caption}</figure>')
    return (
        f'<details class="mnb-more"><summary>Maps of the {len(maps)} '
        f"{'metric' if len(maps) == 1 else 'metrics'} of {esc(PILLAR_SHORT[pillar])}"
        f'</summary><div class="mnb-maps">{"".join(figures)}</div></details>'
    )


def marks_legend() -> str:
    items = "".join(
        f"<dt>{esc(mk.code)}</dt><dd>{esc(mk.meaning)}</dd>" for mk in standings.MARKS.values()
    )
    return f'<dl class="mnb-marks">{items}</dl>'


def shared_list(annotated: pd.DataFrame) -> str:
    """Which places share each estimate, metric by metric (the disclosure Step 2 makes)."""
    from mobility_nb.steps.step2.insights import short_names

    shared = annotated[annotated["shared_names"].astype(bool)]
    if shared.empty:
        return "<p>No value on this page is an estimate shared with other places.</p>"
    items = []
    for metric, rows in shared.groupby("metric", sort=False, observed=True):
        m = catalog.get_metric(str(metric))
        groups: dict[tuple[int, float], list[dict]] = {}
        for r in records(rows):
            groups.setdefault((int(r["year"]), float(r["value"])), []).append(r)
        texts = []
        for (year, value), members in groups.items():
            names = sorted(str(r["name"]) for r in members)
            who = ", ".join(names)
            if len(members) == 1:
                who += f" (with {short_names(str(members[0]['shared_names']))})"
            texts.append(f"{who}: {m.format(value)} in {year}")
        items.append(
            f"<li><strong>{esc(m.label)}</strong> ({len(rows)} "
            f"{'value' if len(rows) == 1 else 'values'}): {esc('; '.join(texts))}.</li>"
        )
    return f"<ul>{''.join(items)}</ul>"


def state_heat_table(
    by_state: pd.DataFrame, state_links: Mapping[str, str], table_id: str, caption: str
) -> str:
    """The national overview: each state's typical county (median of their medians)."""
    from mobility_nb.data import states as states_mod

    head = ['<th scope="col" data-sort="name">State</th>']
    head += [
        f'<th scope="col" data-sort="s"><span title="{esc(p)}">{esc(PILLAR_SHORT[p])}</span>'
        "<small>typical county</small></th>"
        for p in catalog.PILLARS
    ]
    body = []
    for abbr, rows in by_state.groupby("state", sort=False, observed=True):
        cells = {r["pillar"]: r for r in records(rows)}
        name = states_mod.name(states_mod.state_fips(str(abbr)) or str(abbr))
        count = int(rows["places"].max())
        label = f'<a href="#st-{esc(abbr)}">{esc(name)}</a>'
        if abbr in state_links:
            label += (
                f'<small><a href="{esc(state_links[str(abbr)])}">state report with maps'
                f'<span class="mnb-sr"> for {esc(name)}</span></a></small>'
            )
        label += f"<small>{formats.count(count)} {'county' if count == 1 else 'counties'}</small>"
        tds = []
        for pillar in catalog.PILLARS:
            r = cells.get(pillar)
            if r is None or not _present(r["median_better"]):
                tds.append(f'<td class="na">{MISSING}</td>')
                continue
            tds.append(
                f'<td class="h{int(r["heat"])}">{esc(short_percent_text(r["median_better"]))}</td>'
            )
        body.append(f'<tr><th scope="row">{label}</th>{"".join(tds)}</tr>')
    return _heat_table(table_id, caption, head, body)


def _heat_table(table_id: str, caption: str, head: list[str], body: list[str]) -> str:
    """A sortable heat table in its labelled scroll box (the overview and the peer ranks)."""
    cap_id = f"{table_id}-cap"
    table = (
        f'<table class="mnb-table mnb-cmp mnb-heat mnb-sortable" id="{table_id}">'
        f'<caption id="{cap_id}">{esc(caption)}</caption>'
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    return scroll_box(table, cap_id)
