"""``index.html``: one offline page listing every published page of an output folder.

Coalition partners get a folder to open or copy to any static host, so the index uses
relative links only, inlines its CSS and its small filter script, and loads nothing
from another host. Pages are grouped by state, then counties and cities, with a search
box and state/level filters; each row gives the run date and the data years, and the top
of the page says which data releases the pages use (one line per source and release). The
list is built from the pages on disk (their ``.fingerprint`` records and provenance), so
pages from earlier batches, and pages ``mobility-nb run`` wrote into the folder, are listed
too. Without JavaScript every page is listed and the search form stays hidden.

Rebuilding the index also rewrites the navigation bar of pages whose sibling pages changed
(:func:`mobility_nb.render.page_links.refresh_nav`), so every page links the same place's
other steps once they exist.
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
from mobility_nb.data.origin import is_urban_file
from mobility_nb.data.states import STATES
from mobility_nb.render.page_links import page_links, published_extras, refresh_nav
from mobility_nb.run.fingerprint import SIDE_SUFFIX, read_sidecar, rerecord_html
from mobility_nb.steps import STEP_TITLES

INDEX_NAME = "index.html"
LEVEL_TITLES = {"county": "Counties", "place": "Cities"}
URBAN = "Urban Institute Mobility Metrics"
ACS = "Census Bureau, American Community Survey"


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
    sources: dict[tuple[str, str], set[int]] = field(default_factory=dict)  # (source, release)


def _provenance(html_path: Path) -> dict[str, Any]:
    path = html_path.with_name(html_path.stem + ".provenance.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _years(text: str) -> set[int]:
    """Every year in '2014–2023', '2014-2023' or '2022, 2023' (ranges filled in)."""
    out: set[int] = set()
    for a, b in re.findall(r"(\d{4})(?:\s*[-–]\s*(\d{4}))?", str(text)):
        first, last = int(a), int(b or a)
        out.update(range(first, last + 1) if last - first < 100 else (first, last))
    return out


def _source(name: str) -> str:
    """What kind of source a data file is, for the index's list of data releases."""
    if is_urban_file(name):
        return URBAN
    if "acs" in name.lower():
        return ACS
    return ""


def collect_entries(out_dir: Path) -> list[Entry]:
    """Every page below ``out_dir`` (in its step folders or beside it) with its record."""
    out = Path(out_dir)
    entries: dict[tuple[str, str], Entry] = {}
    sides = sorted(out.glob(f"*/*{SIDE_SUFFIX}")) + sorted(out.glob(f"*{SIDE_SUFFIX}"))
    for side_path in sides:
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
        prov = _provenance(page)
        entry.data_years.update(str(y) for y in prov.get("data_years") or [] if y)
        for f in prov.get("data_files") or []:
            kind = _source(str(f.get("name", "")))
            if kind:
                release = str(f.get("release") or "") if kind == URBAN else ""
                entry.sources.setdefault((kind, release), set()).update(_years(f.get("years", "")))
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
:root{color-scheme:light;--ink:#1a1a1a;--muted:#4f4f4f;--line:#d9d9d9;--accent:#0067a0}
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);
margin:0 auto;max-width:60rem;padding:1rem 1.25rem 2rem;overflow-wrap:break-word}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin:1.4rem 0 .3rem;
border-bottom:2px solid var(--line)}h3{font-size:1rem;margin:.8rem 0 .2rem;color:var(--muted)}
.meta{color:var(--muted);margin:.2rem 0 .6rem}
ul.sources{margin:.2rem 0 .8rem;padding-left:1.2rem;color:var(--muted);font-size:.92rem}
form{display:flex;flex-wrap:wrap;gap:.6rem .8rem;align-items:end;margin:1rem 0;padding:.8rem;
background:#f4f4f4;border-radius:6px}
label{display:flex;flex-direction:column;font-size:.85rem;font-weight:600;flex:1 1 12rem}
input,select,button{font:inherit;padding:.3rem .4rem;max-width:100%}
button{cursor:pointer}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
tbody th{font-weight:600}
.code,.sub{color:var(--muted);font-weight:400}.sub{display:block;font-size:.82rem}
td a{display:inline-block;margin:0 .8rem .2rem 0}
a{color:var(--accent)}a:focus-visible,button:focus-visible,input:focus-visible,
select:focus-visible{outline:3px solid #E69F00;outline-offset:1px}
.none{color:var(--muted)}[hidden]{display:none!important}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:40rem){body{padding:.75rem .8rem 1.5rem}h1{font-size:1.35rem}
th,td{padding:.3rem .3rem}}
@media print{form,#count,#nomatch{display:none!important}body{font-size:10pt;max-width:none;
padding:0}h2,h3{break-after:avoid;page-break-after:avoid}tr{break-inside:avoid}
a{color:inherit}}
"""

_JS = """
(function(){
  var form=document.getElementById('filters'),q=document.getElementById('q'),
      st=document.getElementById('state'),lv=document.getElementById('level'),
      count=document.getElementById('count'),none=document.getElementById('nomatch');
  form.hidden=false;
  function norm(s){return s.toLowerCase().normalize('NFD').replace(/[\\u0300-\\u036f]/g,'')
    .replace(/[^a-z0-9]+/g,' ').trim();}
  function matches(tr,words){
    if(!words.length){return true;}
    var have=tr.dataset.name.split(' ');
    return words.every(function(w){
      return tr.dataset.geoid.indexOf(w)===0||have.some(function(h){return h.indexOf(w)===0;});
    });
  }
  function apply(){
    var text=norm(q.value),words=text?text.split(' '):[],s=st.value,l=lv.value,shown=0;
    document.querySelectorAll('tr[data-name]').forEach(function(tr){
      var ok=(!s||tr.dataset.state===s)&&(!l||tr.dataset.level===l)&&matches(tr,words);
      tr.hidden=!ok; if(ok){shown++;}
    });
    document.querySelectorAll('[data-group]').forEach(function(g){
      g.hidden=!g.querySelector('tr[data-name]:not([hidden])');
    });
    count.textContent=shown+' of '+count.dataset.total+' jurisdictions shown';
    none.hidden=shown>0;
  }
  function clear(){q.value='';st.value='';lv.value='';apply();q.focus();}
  [q,st,lv].forEach(function(el){el.addEventListener('input',apply);});
  document.querySelectorAll('[data-clear]').forEach(function(b){b.addEventListener('click',clear);});
  form.addEventListener('submit',function(e){e.preventDefault();});
  apply();
})();
"""


def _step_label(step: str) -> str:
    """'step2' -> 'Step 2'."""
    return f"Step {step[4:]}" if step.startswith("step") else step


def _fmt_date(stamp: str) -> str:
    return stamp.replace("T", " ").replace("Z", " UTC") if stamp else ""


def _span(years: set[int]) -> str:
    if not years:
        return "years not stated"
    first, last = min(years), max(years)
    return str(first) if first == last else f"{first}–{last}"


def _years_text(years: set[str]) -> str:
    """All the data years of a row as one span ('2014–2023')."""
    found: set[int] = set()
    for text in years:
        found |= _years(text)
    return _span(found) if found else "not stated"


def source_lines(entries: list[Entry]) -> list[str]:
    """One line per data source and release, with the years the pages use."""
    merged: dict[tuple[str, str], set[int]] = defaultdict(set)
    for e in entries:
        for key, years in e.sources.items():
            merged[key] |= years
    lines = []
    for (kind, release), years in sorted(merged.items()):
        if release == "unknown":
            named = " (release not recorded)"
        else:
            named = f" ({release})" if release else ""
        lines.append(f"{kind}{named}: {_span(years)}")
    return lines


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
    latest = max((e.generated for e in entries), default="")
    states = sorted({(e.state_fips, e.state) for e in entries})
    levels = sorted({e.level for e in entries})
    all_years = set().union(*(e.data_years for e in entries)) if entries else set()
    sources = source_lines(entries)

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
        '<section data-mnb-summary aria-label="What is here">',
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">{len(entries):,} jurisdictions. Pages last generated '
        f"{esc(_fmt_date(latest)) or 'never'}; index built {esc(built)}. "
        f"Data years: {esc(_years_text(all_years))}.</p>",
    ]
    if sources:
        parts.append(
            '<ul class="sources" aria-label="Data sources and releases">'
            + "".join(f"<li>{esc(line)}</li>" for line in sources)
            + "</ul>"
        )
    parts.append("</section>")
    parts += [
        *_comparisons_html(comparisons or []),
        '<form id="filters" role="search" aria-label="Filter the list" hidden>',
        '<label for="q">Search by name, state or FIPS code'
        '<input id="q" type="search" autocomplete="off" '
        'placeholder="e.g. Cook County, IL or 17031"></label>',
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
    parts.append('</select></label><button type="button" data-clear>Clear filters</button></form>')
    parts.append(
        f'<p id="count" role="status" aria-live="polite" data-total="{len(entries)}">'
        f"{len(entries)} jurisdictions</p>"
        '<p id="nomatch" hidden>No jurisdiction matches the search and filters. '
        '<button type="button" data-clear>Clear filters</button></p>'
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
                '<thead><tr><th scope="col">Jurisdiction</th><th scope="col">Pages</th>'
                "</tr></thead><tbody>"
            )
            for e in rows:
                search = esc(f"{e.name} {state_name} {e.state}".lower(), quote=True)
                parts.append(
                    f'<tr data-name="{search}" data-geoid="{esc(e.geoid, quote=True)}" '
                    f'data-state="{esc(e.state, quote=True)}" '
                    f'data-level="{esc(e.level, quote=True)}">'
                    f'<th scope="row">{esc(e.name)} <span class="code">({esc(e.geoid)})</span>'
                    f'<span class="sub">Generated {esc(_fmt_date(e.generated)[:10])}; data '
                    f"{esc(_years_text(e.data_years))}</span></th><td>"
                )
                for step in steps:
                    href = e.links.get(step)
                    if href:
                        parts.append(
                            f'<a href="{esc(href, quote=True)}">{esc(_step_label(step))}: '
                            f"{esc(STEP_TITLES.get(step, step))}"
                            f'<span class="sr"> for {esc(e.name)}</span></a>'
                        )
                parts.append("</td></tr>")
            parts.append("</tbody></table></div>")
        parts.append("</section>")
    parts += ["</main>", f"<script>{_JS}</script>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def refresh_navigation(out_dir: Path, entries: list[Entry]) -> int:
    """Rewrite the navigation of pages whose sibling pages changed; returns how many."""
    out = Path(out_dir)
    changed = 0
    for e in entries:
        if len(e.links) < 2:
            continue  # a page alone links nothing new
        for step, href in e.links.items():
            page = out / href
            folder, stem = page.parent, page.stem
            links = page_links(folder, stem, step, published_extras(folder, stem))
            if refresh_nav(page, links):
                rerecord_html(out, href)
                changed += 1
    return changed


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
    entries = collect_entries(out)
    refresh_navigation(out, entries)
    target = out_path(out, INDEX_NAME)
    with writing("the index page", target):
        return write_atomic(
            target,
            render_index(entries, title=title, comparisons=collect_comparisons(out)),
        )
