"""``index.html``: one offline page listing every published page of an output folder.

Coalition partners get a folder to open or copy to any static host, so the index uses
relative links only, inlines its CSS and its small filter script, and loads nothing
from another host. Pages are grouped by state, then counties and cities, with a search
box and state/level filters; each row gives the run date and the data years. The list
is built from the pages on disk (their ``.fingerprint`` records and provenance), so
pages from earlier batches into the same folder are listed too.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobility_nb import __version__
from mobility_nb.atomic import write_atomic
from mobility_nb.data.states import STATES
from mobility_nb.run.fingerprint import SIDE_SUFFIX, read_sidecar
from mobility_nb.steps import STEP_TITLES

INDEX_NAME = "index.html"
LEVEL_TITLES = {"county": "Counties", "place": "Cities"}


@dataclass
class Entry:
    """One jurisdiction's pages (one per step) in the index."""

    geoid: str
    name: str
    state: str  # postal abbreviation
    state_fips: str
    level: str
    links: dict[str, str] = field(default_factory=dict)  # step -> relative href
    generated: str = ""
    data_years: set[str] = field(default_factory=set)


def _provenance(html_path: Path) -> dict[str, Any]:
    path = html_path.with_name(html_path.stem + ".provenance.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def collect_entries(out_dir: Path) -> list[Entry]:
    """Every page below ``out_dir`` that has a fingerprint record and its HTML."""
    out = Path(out_dir)
    entries: dict[tuple[str, str], Entry] = {}
    for side_path in sorted(out.glob(f"*/*{SIDE_SUFFIX}")):
        side = read_sidecar(side_path)
        page = side_path.with_suffix(".html")
        if not side or not page.is_file():
            continue
        key = (str(side.get("jurisdiction", "")), side_path.stem)
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = Entry(
                geoid=key[0],
                name=str(side.get("name", key[0])),
                state=str(side.get("state", "")),
                state_fips=str(side.get("state_fips", "")),
                level=str(side.get("level", "")),
            )
        step = str(side.get("step", side_path.parent.name))
        entry.links[step] = page.relative_to(out).as_posix()
        entry.generated = max(entry.generated, str(side.get("generated_at", "")))
        years = _provenance(page).get("data_years") or []
        entry.data_years.update(str(y) for y in years if y)
    return sorted(entries.values(), key=lambda e: (e.state_fips, e.level, e.name, e.geoid))


@dataclass(frozen=True)
class ComparisonLink:
    """One comparison report in ``compare/`` (mobility_nb.compare), as the index lists it."""

    href: str
    title: str
    places: int
    kind: str


def collect_comparisons(out_dir: Path) -> list[ComparisonLink]:
    """The comparison reports below ``out_dir`` (their provenance names title and size)."""
    found = []
    for page in sorted(Path(out_dir).glob("compare/*.html")):
        prov = _provenance(page)
        if prov.get("step") != "compare":
            continue
        found.append(
            ComparisonLink(
                href=page.relative_to(out_dir).as_posix(),
                title=str(prov.get("title") or page.stem),
                places=int(prov.get("places") or 0),
                kind=str(prov.get("kind") or ""),
            )
        )
    order = {"nation": 0, "peers": 1, "list": 2, "folder": 3, "state": 4}
    return sorted(found, key=lambda c: (order.get(c.kind, 5), c.title))


def _comparisons_html(reports: list[ComparisonLink]) -> list[str]:
    """The "Comparison reports" section: many places on one page each."""
    if not reports:
        return []
    esc = html.escape

    def item(c: ComparisonLink) -> str:
        return f'<li><a href="{esc(c.href, quote=True)}">{esc(c.title)}</a></li>'

    states = [c for c in reports if c.kind == "state"]
    others = [c for c in reports if c.kind != "state"]
    parts = [
        '<section aria-labelledby="compare-h"><h2 id="compare-h">Comparison reports</h2>',
        "<p>Many places on one page: every metric with its quality flag and standing, as "
        "each place's Step 2 page shows it.</p>",
    ]
    if others:
        parts.append("<ul>" + "".join(item(c) for c in others) + "</ul>")
    if len(states) > 3:
        parts.append(
            f"<details><summary>Reports for each state ({len(states)})</summary><ul>"
            + "".join(item(c) for c in states)
            + "</ul></details>"
        )
    elif states:
        parts.append("<ul>" + "".join(item(c) for c in states) + "</ul>")
    parts.append("</section>")
    return parts


_CSS = """
:root{color-scheme:light;--ink:#1a1a1a;--muted:#555;--line:#d9d9d9;--accent:#0072B2}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);
margin:0 auto;max-width:72rem;padding:1.5rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin:1.6rem 0 .3rem;
border-bottom:2px solid var(--line)}h3{font-size:1rem;margin:.8rem 0 .2rem;color:var(--muted)}
.meta{color:var(--muted);margin:.2rem 0 1rem}
form{display:flex;flex-wrap:wrap;gap:.8rem;align-items:end;margin:1rem 0;padding:.8rem;
background:#f5f5f5;border-radius:6px}
label{display:flex;flex-direction:column;font-size:.85rem;font-weight:600}
input,select{font:inherit;padding:.3rem .4rem;min-width:12rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid var(--line)}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
a{color:var(--accent)}a:focus{outline:3px solid #E69F00}
.none{color:var(--muted)}[hidden]{display:none!important}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
"""

_JS = """
(function(){
  var q=document.getElementById('q'),st=document.getElementById('state'),
      lv=document.getElementById('level'),count=document.getElementById('count');
  function norm(s){return s.toLowerCase().normalize('NFD').replace(/[\\u0300-\\u036f]/g,'');}
  function apply(){
    var text=norm(q.value.trim()),s=st.value,l=lv.value,shown=0;
    document.querySelectorAll('tr[data-name]').forEach(function(tr){
      var ok=(!s||tr.dataset.state===s)&&(!l||tr.dataset.level===l)&&
             (!text||tr.dataset.name.indexOf(text)>=0||tr.dataset.geoid.indexOf(text)===0);
      tr.hidden=!ok; if(ok){shown++;}
    });
    document.querySelectorAll('[data-group]').forEach(function(g){
      g.hidden=!g.querySelector('tr[data-name]:not([hidden])');
    });
    count.textContent=shown+' of '+count.dataset.total+' jurisdictions shown';
  }
  [q,st,lv].forEach(function(el){el.addEventListener('input',apply);});
  document.getElementById('filters').addEventListener('submit',function(e){e.preventDefault();});
  apply();
})();
"""


def _step_label(step: str) -> str:
    """'step2' -> 'Step 2'."""
    return f"Step {step[4:]}" if step.startswith("step") else step


def _fmt_date(stamp: str) -> str:
    return stamp.replace("T", " ").replace("Z", " UTC") if stamp else ""


def _years_text(years: set[str]) -> str:
    # Pages write ranges as "2014-2023" or "2014–2023"; list each range once.
    same = {re.sub(r"(?<=\d)\s*[-–]\s*(?=\d)", "–", y) for y in years}
    return "; ".join(sorted(same)) or "not stated"


def render_index(
    entries: list[Entry],
    title: str = "Upward mobility findings pages",
    built_at: str | None = None,
    comparisons: list[ComparisonLink] | None = None,
) -> str:
    """The index page as one self-contained HTML string."""
    esc = html.escape
    built = built_at or time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    steps = sorted({s for e in entries for s in e.links}, key=lambda s: (s not in STEP_TITLES, s))
    all_years = set().union(*(e.data_years for e in entries)) if entries else set()
    latest = max((e.generated for e in entries), default="")
    states = sorted({(e.state_fips, e.state) for e in entries})
    levels = sorted({e.level for e in entries})

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="mobility-nb {esc(__version__, quote=True)}">',
        f"<title>{esc(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">{len(entries):,} jurisdictions. Pages last generated '
        f"{esc(_fmt_date(latest)) or 'never'}; index built {esc(built)}. "
        f"Data years: {esc(_years_text(all_years))}.</p>",
        *_comparisons_html(comparisons or []),
        '<form id="filters" role="search" aria-label="Filter the list">',
        '<label for="q">Search by name or FIPS code'
        '<input id="q" type="search" autocomplete="off" placeholder="e.g. Cook or 17031"></label>',
        '<label for="state">State<select id="state"><option value="">All states</option>',
    ]
    for fips, abbr in states:
        parts.append(
            f'<option value="{esc(abbr)}">{esc(STATES.get(fips, (abbr, abbr))[1])}</option>'
        )
    parts.append(
        '</select></label><label for="level">Level<select id="level">'
        '<option value="">Counties and cities</option>'
    )
    for level in levels:
        parts.append(f'<option value="{esc(level)}">{esc(LEVEL_TITLES.get(level, level))}</option>')
    parts.append("</select></label></form>")
    parts.append(
        f'<p id="count" role="status" aria-live="polite" data-total="{len(entries)}">'
        f"{len(entries)} jurisdictions</p>"
    )
    if not entries:
        parts.append("<p>No pages have been published in this folder yet.</p>")

    grouped: dict[tuple[str, str], dict[str, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    for e in entries:
        grouped[(e.state_fips, e.state)][e.level].append(e)
    for (fips, abbr), by_level in sorted(grouped.items()):
        state_name = STATES.get(fips, (abbr, abbr or "Unknown state"))[1]
        parts.append(
            f'<section data-group="state" aria-labelledby="s-{esc(abbr)}">'
            f'<h2 id="s-{esc(abbr)}">{esc(state_name)}</h2>'
        )
        for level in sorted(by_level):
            rows = by_level[level]
            cap = LEVEL_TITLES.get(level, level)
            parts.append(f'<div data-group="level"><h3>{esc(cap)} ({len(rows)})</h3>')
            parts.append(
                f'<table><caption class="sr">{esc(cap)} in {esc(state_name)}</caption>'
                '<thead><tr><th scope="col">Jurisdiction</th>'
            )
            for step in steps:
                parts.append(f'<th scope="col">{esc(STEP_TITLES.get(step, step))}</th>')
            parts.append(
                '<th scope="col">Generated</th><th scope="col">Data years</th></tr></thead><tbody>'
            )
            for e in rows:
                search = esc(f"{e.name} {state_name} {e.state}".lower(), quote=True)
                parts.append(
                    f'<tr data-name="{search}" data-geoid="{esc(e.geoid, quote=True)}" '
                    f'data-state="{esc(e.state, quote=True)}" '
                    f'data-level="{esc(e.level, quote=True)}">'
                    f'<th scope="row">{esc(e.name)} <span class="none">({esc(e.geoid)})'
                    "</span></th>"
                )
                for step in steps:
                    href = e.links.get(step)
                    cell = (
                        f'<a href="{esc(href, quote=True)}">{esc(_step_label(step))}'
                        f'<span class="sr"> page for {esc(e.name)}</span></a>'
                        if href
                        else '<span class="none">–</span>'
                    )
                    parts.append(f"<td>{cell}</td>")
                parts.append(
                    f"<td>{esc(_fmt_date(e.generated)[:10])}</td>"
                    f"<td>{esc(_years_text(e.data_years))}</td></tr>"
                )
            parts.append("</tbody></table></div>")
        parts.append("</section>")
    parts += ["</main>", f"<script>{_JS}</script>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def is_our_index(path: str | Path) -> bool:
    """True when ``path`` is an index page this tool wrote (so rewriting it loses nothing):
    its generator mark (:func:`mobility_nb.run.outdir.is_our_html`), or the filter form of
    indexes written before the mark."""
    from mobility_nb.run.outdir import is_our_html

    if is_our_html(Path(path)):
        return True
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return '<form id="filters" role="search"' in text and 'id="count"' in text


def write_index(out_dir: str | Path, title: str = "Upward mobility findings pages") -> Path:
    """Build ``<out_dir>/index.html`` from the pages on disk (atomically).

    The page carries mobility-nb's generator mark, by which a later batch knows the file
    is its own to replace (:mod:`mobility_nb.run.outdir`).
    """
    from mobility_nb.run.outdir import writing
    from mobility_nb.run.paths import out_path

    out = Path(out_dir)
    target = out_path(out, INDEX_NAME)
    with writing("the index page", target):
        return write_atomic(
            target,
            render_index(collect_entries(out), title=title, comparisons=collect_comparisons(out)),
        )
