"""The Step 2 findings page: computes once, then each ``show_*`` call renders one section.

The notebook stays a readable outline (markdown + one call per section); everything a
section shows is also recorded for the page's CSV, so partners can check every number.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any

import pandas as pd

from mobility_nb.claims import artifacts, ranking
from mobility_nb.data import catalog, dollars
from mobility_nb.data import metrics as metrics_data
from mobility_nb.data.jurisdictions import jurisdiction_table, resolve
from mobility_nb.data.records import records
from mobility_nb.render import formats
from mobility_nb.render.figures import figure_html
from mobility_nb.render.tables import Html, details, html_table, show_html
from mobility_nb.steps.base import StepPage
from mobility_nb.steps.step2 import charts, gaps, insights, peers, standing, trends

Neighbours = Callable[[str], Sequence[str]]

QUALITY_TEXT = {
    "Strong": "adequate accuracy and sample size.",
    "Marginal": "known shortcomings; use with caution.",
    "Weak": "serious concerns; Urban does not recommend using it. Seek local data instead.",
}


KEY_TEXT = (
    "Data quality is Urban's flag: Strong; Marginal (use with caution); Weak (Urban does not "
    "recommend using it). " + formats.MISSING_KEY
)


def _esc(text: Any) -> str:
    return formats.html_text(text)


def _bounds_text(m: catalog.Metric, lower: float, upper: float) -> str:
    """'13.2% to 15.1%', the word 'range' first for bounds that are not a margin of error."""
    if pd.isna(lower) or pd.isna(upper):
        return ""
    text = formats.value_range(m.format(lower), m.format(upper))
    return f"range {text}" if m.bounds == "range" else text


def _label_cell(label: str, sub: str, note: str) -> Html:
    """A first-column cell: the label, then smaller lines (year, notes) under it."""
    out = formats.html_text(label)
    if sub:
        out += f"<span class='mnb-sub'>{formats.html_text(sub)}</span>"
    if note:
        out += f"<span class='mnb-sub'>{formats.html_text(note)}</span>"
    return Html(out)


_TREND_WORDS = {
    trends.WITHIN_TEXT: "no: within the margin of error",
    trends.UNTESTED: "not tested: no margin of error published",
    trends.RANGE_TEXT: "not tested: the bounds are a range",
    trends.WEAK_TEXT: "no verdict: a year is flagged Weak",
    trends.BREAK_TEXT: "not compared: survey areas changed in 2022",
    trends.NO_CHANGE: "no change",
}


def _trend_verdict(r: Mapping[str, Any]) -> str:
    """One short cell: 'yes, improved (z = 3.1)', 'no: within the margin of error', ..."""
    judgement = r["judgement"]
    if judgement in (trends.REAL_UP, trends.REAL_DOWN):
        word = r["verdict"] or ("increased" if judgement == trends.REAL_UP else "decreased")
        z = f" (z = {formats.number(r['z'], 1)})" if pd.notna(r["z"]) else ""
        return f"yes, {word}{z}"
    return _TREND_WORDS.get(judgement, judgement)


def _column_names(places: Sequence[Any]) -> dict[str, str]:
    """Column headings for places: 'Lake County, IL' when two names would read the same."""
    plain = [p.name for p in places]
    repeated = {n for n in plain if plain.count(n) > 1}
    multi_state = len({p.state for p in places}) > 1
    return {
        p.geoid: (f"{p.name}, {p.state_abbr}" if (p.name in repeated or multi_state) else p.name)
        for p in places
    }


def _years(frame: pd.DataFrame) -> str:
    if frame.empty:
        return ""
    return f"{int(frame['year'].min())}–{int(frame['year'].max())}"


def _default_neighbours() -> Neighbours | None:
    """County adjacency from mobility_nb.geo when that package is installed (else none)."""
    try:
        from mobility_nb.geo import neighbours  # type: ignore[import-not-found]
    except ImportError:
        return None
    return neighbours


def _flagged(m: catalog.Metric, value: Any, quality: Any) -> Html:
    """A table cell: the value, with a visible M or W (and its word for screen readers)."""
    text = formats.html_text(m.format(value))
    if text != formats.MISSING and quality in ("Marginal", "Weak"):
        mark = quality[0]
        text += (
            f" <span class='mnb-tag'><span aria-hidden='true'>{mark}</span>"
            f"<span class='mnb-sr'>{quality}</span></span>"
        )
    return Html(text)


class Step2Page(StepPage):
    """All analysis for one jurisdiction's Step 2 page, computed lazily and cached."""

    step = "step2"
    title_prefix = "Mobility Metrics"

    def __init__(
        self,
        jurisdiction: str,
        peers: Sequence[str] = (),
        data_dir: str | os.PathLike[str] | None = None,
        artifacts_dir: str | None = None,
        params: Mapping[str, Any] | None = None,
        level: str | None = None,
        neighbours: Neighbours | None = None,
    ) -> None:
        self._start(
            jurisdiction, data_dir=data_dir, artifacts_dir=artifacts_dir, params=params, level=level
        )
        self.neighbours = neighbours if neighbours is not None else _default_neighbours()
        self.level = self.place.level
        self.peer_input = [str(p) for p in peers if str(p).strip()]

    # ---- data -------------------------------------------------------------------------
    @cached_property
    def tidy(self) -> pd.DataFrame:
        data = metrics_data.load_metrics(self.level, self.data_dir)
        self.recorder.add_source(data.attrs["sources"][0], years=_years(data))
        return data

    @cached_property
    def subgroups(self) -> pd.DataFrame:
        data = metrics_data.load_subgroups(self.level, self.data_dir)
        years = _years(metrics_data.rows_for(data, self.place.geoid))
        for path in data.attrs.get("sources", []):
            self.recorder.add_source(path, years=years)
        return data

    @cached_property
    def _published(self) -> dict[int, dict[str, Any]]:
        """This place's rows of the published file by year (values as Urban wrote them)."""
        wide = metrics_data.load_wide(self.level, self.data_dir)
        parity = [m.metric for m in catalog.metrics_for(self.level) if m.unit == "parity"]
        rows = metrics_data.rows_for(
            wide, self.place.geoid, ["year", *(c for c in parity if c in wide.columns)]
        )
        return {int(r["year"]): r for r in records(rows)}

    @cached_property
    def names(self) -> dict[str, str]:
        """Code -> name of every place of the level (to name shared estimates)."""
        table = jurisdiction_table(self.level, self.data_dir)
        return metrics_data.derived(
            table, "names", lambda t: dict(zip(t["geoid"], t["name"], strict=True))
        )

    @cached_property
    def standing(self) -> pd.DataFrame:
        return standing.standing(
            self.tidy, self.place.geoid, self.level, self.place.population, self.names
        )

    @cached_property
    def shared_years(self) -> dict[str, set[int]]:
        """Metric -> years in which this place's value is a shared survey-area estimate."""
        out: dict[str, set[int]] = {}
        shared = artifacts.shared_estimates(self.tidy, self.level).for_place(self.place.geoid)
        for metric, year in shared:
            out.setdefault(metric, set()).add(year)
        return out

    @cached_property
    def peer_set(self) -> peers.PeerSet:
        if self.peer_input:
            return peers.given_peers(self.peer_input, self.place, self.data_dir)
        return peers.similar_peers(self.tidy, self.place, data_dir=self.data_dir)

    @cached_property
    def neighbour_set(self) -> peers.PeerSet:
        return peers.neighbour_peers(self.place, self.neighbours, self.data_dir)

    @cached_property
    def trends(self) -> pd.DataFrame:
        return trends.trend_table(self.tidy, self.place.geoid, self.level, self.shared_years)

    @cached_property
    def gaps(self) -> pd.DataFrame:
        totals = metrics_data.load_subgroup_totals(self.level, self.data_dir)
        values = self.standing.set_index("metric")["value"]
        shares = {
            key: float(values[m])
            for key, m in (
                ("black", "share_desc_rep_black_nonhispanic"),
                ("hispanic", "share_desc_rep_hispanic"),
                ("white", "share_desc_rep_white_nonhispanic"),
                ("other", "share_desc_rep_other"),
            )
            if m in values and pd.notna(values[m])
        }
        return gaps.gap_table(
            self.subgroups,
            self.tidy,
            self.place.geoid,
            self.level,
            totals,
            self.place.population,
            shares,
        )

    @cached_property
    def insights(self) -> insights.Insights:
        return insights.draft(
            self.standing,
            self.gaps,
            self.level,
            self.trends,
            self.place.name,
            self.place.state_abbr,
        )

    @property
    def level_word(self) -> str:
        return "counties" if self.level == "county" else "cities"

    # ---- sections -----------------------------------------------------------------------
    def show_header(self) -> None:
        """The page title and one line naming the place and the data."""
        kind = "County" if self.level == "county" else "City"
        code = "FIPS" if self.level == "county" else "Census place code"
        parts = [f"{kind} in {self.place.state_name}"]
        if self.place.population:
            parts.append(f"{formats.count(self.place.population)} residents")
        parts.append(f"{code} {self.place.geoid}")
        parts.append("Urban Institute Mobility Metrics")
        show_html(
            f"<h1>Mobility Metrics: {_esc(self.place.display_name)}</h1>"
            f"<p class='mnb-meta'>{' · '.join(_esc(p) for p in parts)}</p>"
        )

    def show_insights(self) -> None:
        """The one-screen summary: coverage, strengths, concerns, widest gaps, how sure each is."""
        ins = self.insights
        t = self.standing
        have = t[t["value"].notna()]
        counts = have["quality"].value_counts()
        years = formats.year_span(have["year"].min(), have["year"].max()) if len(have) else ""
        flags = ", ".join(
            f"{counts.get(q, 0)} {q}" for q in ("Strong", "Marginal", "Weak") if counts.get(q, 0)
        )
        lede = (
            f"{len(have)} of the {len(t)} metrics Urban publishes for {self.level_word} have a "
            f"value for {_esc(self.place.name)}"
            + (f" (latest years {years}; data quality: {flags})" if years else "")
            + "."
        )
        parts = [
            '<section class="mnb-summary" data-mnb-summary aria-labelledby="mnb-summary-h">',
            '<h2 id="mnb-summary-h">Summary</h2>',
            f"<p class='mnb-lede'>{lede}</p>",
        ]
        if len(have) < len(t) / 2:
            parts.append(
                "<p class='mnb-warning'><strong>Most metrics are missing here</strong> "
                f"({len(t) - len(have)} of {len(t)}); small places often lack survey-based "
                "metrics. <em>What is missing</em> lists them; local data may fill the gaps.</p>"
            )
        cards = []
        for kind, title, css, empty in (
            (
                "strength",
                "Strengths",
                "good",
                "No metric is in the top quarter nationally with usable data.",
            ),
            (
                "concern",
                "Concerns",
                "bad",
                "No metric is in the bottom quarter nationally with usable data.",
            ),
            (
                "gap",
                "Widest gaps between groups of residents",
                "",
                "No gap between groups "
                "of residents meets the rules, or no subgroup data are published here.",
            ),
        ):
            items = ins.of_kind(kind)
            body = (
                "<ul>"
                + "".join(
                    f"<li><strong>{formats.html_text(f.title)}</strong>"
                    f"{formats.html_text(f.fact)}"
                    f"<span class='mnb-sure'>{formats.html_text(f.sure)}"
                    + (
                        f" Data quality: {_esc(f.quality)}."
                        if f.quality and f.quality != "Strong"
                        else ""
                    )
                    + "</span></li>"
                    for f in items
                )
                + "</ul>"
                if items
                else f"<p>{_esc(empty)}</p>"
            )
            cls = f"mnb-card {css}".strip()
            cards.append(f"<div class='{cls}'><h3>{_esc(title)}</h3>{body}</div>")
        parts.append("<div class='mnb-cards'>" + "".join(cards) + "</div>")
        rules = [f"<p>{_esc(ins.rule)}</p>"]
        if ins.set_aside:
            rules.append(
                "<h3>Set aside: the data do not support a claim</h3><ul>"
                + "".join(f"<li>{formats.html_text(x)}</li>" for x in ins.set_aside)
                + "</ul>"
            )
        if ins.limits:
            rules.append(
                "<h3>What these data cannot tell you about this place</h3><ul>"
                + "".join(f"<li>{formats.html_text(x)}</li>" for x in ins.limits)
                + "</ul>"
            )
        aside = f", {len(ins.set_aside)} set aside" if ins.set_aside else ""
        parts.append(
            details(
                f"How these were chosen{aside}, and what the data cannot tell",
                "".join(rules),
                css_class="mnb-prose",
            )
        )
        parts.append(f"<p class='mnb-key'>{_esc(KEY_TEXT)}</p></section>")
        show_html("".join(parts))
        self.recorder.record(
            "insights",
            pd.DataFrame(
                {
                    "kind": ["strength"] * len(ins.strengths)
                    + ["concern"] * len(ins.concerns)
                    + ["gap"] * len(ins.gaps)
                    + ["set_aside"] * len(ins.set_aside)
                    + ["limit"] * len(ins.limits),
                    "text": [*ins.strengths, *ins.concerns, *ins.gaps, *ins.set_aside, *ins.limits],
                }
            ),
        )

    def show_standing_chart(self) -> None:
        """One dot chart per pillar, side by side on a wide screen."""
        made = charts.standing_charts(
            self.standing, self.place.name, self.level, self.place.state_abbr
        )
        if not made:
            show_html("<p class='mnb-missing'>No metric can be ranked for this jurisdiction.</p>")
            return
        figures = "".join(figure_html(fig, alt, tight=False) for fig, alt, _ in made)
        show_html(
            f"<div class='mnb-grid'>{figures}</div>"
            "<p class='mnb-key'>Filled dots: the share of US "
            f"{self.level_word} that {_esc(self.place.name)} does better than, taking into "
            "account whether higher or lower is better; open dots: the same among "
            f"{_esc(self.place.state_name)}'s {self.level_word} (where at least "
            f"{ranking.MIN_STATE_PLACES} have data). Drawn: metrics with a better/worse "
            "direction that are not crime data; the tables below list every metric.</p>"
        )

    def show_standing_tables(self) -> None:
        """Per pillar, behind a summary line: value, bounds, flag, ranks and medians."""
        t = self.standing
        self.recorder.record("standing", t)
        every_row = records(t)
        blocks = []
        for pillar in catalog.PILLARS:
            rows = [r for r in every_row if r["pillar"] == pillar]
            if not rows:
                continue
            display, classes = [], []
            for r in rows:
                m = catalog.get_metric(r["metric"])
                note = self._standing_note(m, r)
                year = "" if pd.isna(r["year"]) else str(int(r["year"]))
                display.append(
                    {
                        "Metric": _label_cell(m.label, "", note),
                        "Year": year,
                        "Value": self._value_text(m, r),
                        "95% bounds": _bounds_text(m, r["lower"], r["upper"]),
                        "Quality": standing.flag_text(r["quality"]),
                        f"Better than % of US {self.level_word}": self._rank_text(m, r),
                        f"… of {self.place.state_abbr}": self._state_text(r),
                        "US median": self._median_text(m, r, "national_median"),
                        f"{self.place.state_abbr} median": self._median_text(m, r, "state_median"),
                    }
                )
                classes.append(
                    "missing" if pd.isna(r["value"]) else "weak" if r["quality"] == "Weak" else ""
                )
            frame = pd.DataFrame(display)
            better = [r["national_better"] for r in rows]  # NaN (not ranked) counts in neither
            good = sum(b >= 75 for b in better)
            bad = sum(b <= 25 for b in better)
            summary = (
                f"{_esc(pillar)} <span class='mnb-meta'>{len(rows)} metrics; "
                f"{good} in the top quarter, {bad} in the bottom quarter nationally</span>"
            )
            blocks.append(
                details(
                    summary,
                    html_table(
                        frame,
                        caption=f"{pillar}: {self.place.name} against all US {self.level_word}",
                        row_classes=classes,
                        numeric=tuple(frame.columns[2:4]) + tuple(frame.columns[5:9]),
                    ),
                )
            )
        show_html("<h3>Detail by pillar</h3>" + "".join(blocks))

    def _rank_text(self, m: catalog.Metric, r: Mapping[str, Any]) -> str:
        """'62% of 3,108', a tie at an extreme, or why the metric is not ranked."""
        if pd.isna(r["value"]):
            return formats.MISSING
        if standing.has_rank(r):
            return f"{ranking.short_percent_text(r['national_better'])} of {int(r['national_n']):,}"
        if m.rankable and r.get("national_extreme"):
            return f"tied at the {r['national_extreme']} ({int(r['national_ties']):,})"
        return "not ranked"

    def _state_text(self, r: Mapping[str, Any]) -> str:
        if pd.isna(r["value"]) or not standing.has_rank(r):
            return ""
        if not ranking.state_rank_allowed(int(r["state_n"])):
            return f"only {int(r['state_n'])} with data"
        return f"{ranking.short_percent_text(r['state_better'])} of {int(r['state_n']):,}"

    @staticmethod
    def _median_text(m: catalog.Metric, r: Mapping[str, Any], key: str) -> str:
        """Medians only where comparing places makes sense (not crime, counts, context)."""
        if not m.rankable and m.comparison not in ("spread", "parity"):
            return ""
        return m.format(r[key])

    def _standing_note(self, m: catalog.Metric, r: Mapping[str, Any]) -> str:
        if pd.isna(r["value"]):
            return ""
        notes = []
        if r.get("artifact"):
            notes.append(r["artifact"])
        if r.get("shared_names"):
            notes.append(
                "the same estimate is published for "
                + insights.short_names(r["shared_names"])
                + " (a wider survey area)"
            )
        if r.get("rank_note") and not r.get("artifact"):
            notes.append(r["rank_note"])
        if pd.notna(r.get("even_mix")):
            notes.append(
                f"an evenly mixed {'county' if self.level == 'county' else 'city'} with this "
                f"population would show about {m.format(r['even_mix'])}"
            )
        if r.get("few_events"):
            notes.append(f"rests on about {formats.count(r['events'])} {m.events_word}")
        if m.crime:
            notes.append("depends on which police agencies report (Weak: under 80% coverage)")
        if m.metric == "pctl_income_80" and self._income_ratio:
            notes.append(self._income_ratio)
        if r.get("vs_national") == "within":
            notes.append("the US median is within its 95% bounds")
        return "; ".join(notes)

    @cached_property
    def _income_ratio(self) -> str:
        """The 80/20 income ratio, Urban's reading of the income percentiles, in words."""
        t = self.standing.set_index("metric")
        if not {"pctl_income_20", "pctl_income_80"} <= set(t.index):
            return ""
        low, high = t.loc["pctl_income_20"], t.loc["pctl_income_80"]
        if pd.isna(low["value"]) or pd.isna(high["value"]) or low["year"] != high["year"]:
            return ""
        if not low["value"]:
            return ""
        return (
            f"the 80th percentile is {formats.number(high['value'] / low['value'], 1)} times "
            f"the 20th ({int(high['year'])}), Urban's measure of income inequality"
        )

    def _value_text(self, m: catalog.Metric, r: Mapping[str, Any]) -> str:
        """Parity metrics show Urban's 'wealth share : household share' text as published."""
        if pd.isna(r["value"]):
            return formats.MISSING
        if m.unit == "parity":
            published = self._published.get(int(r["year"]), {})
            if m.metric in published:
                return f"{m.format(published[m.metric])} (ratio {formats.ratio(r['value'])})"
        return m.format(r["value"])

    def show_peers(self) -> None:
        ps = self.peer_set
        parts = [f"<p>{_esc(ps.rule)}</p>"]
        if ps.peers:
            parts.append(self._peer_block(ps, "peers", f"{self.place.name} and its peers"))
        near = self.neighbour_set
        if self.level == "county":
            parts.append("<h3>Neighboring counties</h3>")
            parts.append(f"<p>{_esc(near.rule)}</p>")
            if near.peers:
                parts.append(
                    self._peer_block(near, "neighbours", f"{self.place.name} and its neighbors")
                )
        show_html("".join(parts))

    def _peer_block(self, ps: peers.PeerSet, record: str, caption: str) -> str:
        """Who the peers are (with each one's reason), then the metric table behind a summary."""
        who = pd.DataFrame(
            {
                "Place": [p.display_name for p in ps.peers],
                "Code": [p.geoid for p in ps.peers],
                "Why": list(ps.reasons),
            }
        )
        out = [html_table(who, caption="Places compared")]
        table = peers.peer_table(self.tidy, self.standing, self.place, ps)
        self.recorder.record(record, table)
        names = _column_names([self.place, *ps.peers])
        display = []
        for r in records(table):
            m = catalog.get_metric(r["metric"])
            row: dict[str, Any] = {"Metric": m.label, "Year": str(r["year"])}
            for g, nm in names.items():
                row[nm] = _flagged(m, r[g], r.get(f"{g}_quality"))
            row["Peer median"] = m.format(r["peer_median"]) if m.rankable else ""
            row["Rank (1 = best)"] = (
                Html("<span class='mnb-sub'>not ranked</span>")
                if pd.isna(r["rank"])
                else f"{int(r['rank'])} of {r['compared']}"
            )
            display.append(row)
        frame = pd.DataFrame(display)
        body = html_table(frame, caption=caption, numeric=tuple(frame.columns[2:])) + (
            "<p class='mnb-key'>M: flagged Marginal (use with caution); W: flagged Weak (do not "
            "act on it); unmarked values are Strong or carry no flag. Ranks only for metrics with "
            "a better/worse direction that are not crime data, and only when this place's own "
            "value is not Weak, shared with other places or possibly unreported. Every value of a "
            "row is from the same year.</p>"
        )
        out.append(details(f"Values of {_esc(caption)} on all {len(frame)} metrics", body))
        return "".join(out)

    def show_trends(self) -> None:
        t = self.trends
        if t.empty:
            show_html("<p class='mnb-missing'>No metric has two or more years of data here.</p>")
            return
        self.recorder.record("trends", t)
        real = trends.series(self.tidy, self.place.geoid, real=True)
        made = charts.trend_charts(real, t, self.place.name)
        money = t[t["metric"].map(lambda x: catalog.get_metric(x).dollars)]
        base = int(money["latest_year"].max()) if len(money) else None
        figures = "".join(figure_html(fig, alt, tight=False) for fig, alt in made)
        parts = [
            f"<div class='mnb-grid mnb-small'>{figures}</div>"
            f"<p class='mnb-key'>The {len(made)} metrics with the most years of data"
            + (f"; dollars are {base} dollars (CPI-U)" if base else "")
            + ". Every metric with two or more years is in the table below.</p>"
        ]
        display, classes, untested = [], [], []
        trend_rows = records(t)
        for r in trend_rows:
            m = catalog.get_metric(r["metric"])
            first = f"{m.format(r['first_value'])} ({r['first_year']})"
            if m.dollars and r["first_year"] != r["latest_year"]:
                first += f"; {m.format(r['first_value_real'])} in {r['latest_year']} dollars"
            if r["judgement"] == trends.UNTESTED:
                untested.append(m.label)
            quality = [
                standing.flag_text(r["first_quality"]),
                standing.flag_text(r["latest_quality"]),
            ]
            flags = (
                "" if quality == ["Strong", "Strong"] else f"quality {quality[0]} → {quality[1]}"
            )
            display.append(
                {
                    "Metric": _label_cell(m.label, flags, r["break_note"] or ""),
                    "From": first,
                    "To": f"{m.format(r['latest_value'])} ({r['latest_year']})",
                    "Change": formats.metric_change(m, r["change"]),
                    "Larger than the margin of error?": _trend_verdict(r),
                }
            )
            classes.append({"improved": "good", "worsened": "bad"}.get(r["verdict"], ""))
        notes = []
        if untested:
            notes.append(
                f"Urban publishes no margin of error for {len(untested)} of these metrics, so "
                "their changes are shown but not tested."
            )
        if base:
            notes.append(dollars.describe(base) + " Changes in dollars are in those dollars.")
        notes.append(
            "A change is called larger than the margin of error when a z-test on the two "
            "years' published 95% bounds gives |z| > 1.96. Survey periods that share years "
            "are not independent; the test ignores that overlap. 'Improved' and 'worsened' "
            "are used only for metrics with a better/worse direction."
        )
        improved = sum(r["verdict"] == "improved" for r in trend_rows)
        worsened = sum(r["verdict"] == "worsened" for r in trend_rows)
        parts.append(
            details(
                f"First and latest year of all {len(t)} metrics "
                f"<span class='mnb-meta'>{improved} improved, {worsened} worsened by more than "
                "the margin of error</span>",
                html_table(
                    pd.DataFrame(display),
                    caption=f"First and latest year of each metric for {self.place.name}",
                    row_classes=classes,
                    numeric=("Change",),
                )
                + "<ul class='mnb-note'>"
                + "".join(f"<li>{formats.html_text(n)}</li>" for n in notes)
                + "</ul>",
            )
        )
        show_html("".join(parts))

    def show_gaps(self) -> None:
        g = self.gaps
        if g.empty:
            show_html(
                "<p class='mnb-missing'>No subgroup data were found for "
                f"{_esc(self.place.display_name)} in the subgroup files available "
                f"({len(self.subgroups.attrs.get('sources', []))} file(s) loaded).</p>"
            )
            return
        self.recorder.record("gaps", g)
        residents = g[g["residents"]] if "residents" in g else g
        widest = residents.head(charts.MAX_GAP_PANELS)
        details_by_row = {
            i: gaps.subgroup_detail(
                self.subgroups, self.place.geoid, r["metric"], r["subgroup_type"], r["year"]
            )
            for i, r in zip(widest.index, records(widest), strict=True)
        }
        if details_by_row:
            self.recorder.record(
                "gap_groups",
                pd.concat(
                    [
                        d.assign(
                            metric=g.loc[i, "metric"],
                            subgroup_type=g.loc[i, "subgroup_type"],
                            year=g.loc[i, "year"],
                        )
                        for i, d in details_by_row.items()
                    ],
                    ignore_index=True,
                ),
            )
        made = charts.gap_chart(widest, details_by_row, self.place.name)
        parts = []
        if made is not None:
            parts.append(
                figure_html(
                    *made,
                    tight=False,
                    caption="Each gap is measured against the overall value of the same "
                    "subgroup file (dashed line).",
                )
            )
        tables = []
        for title, rows in (
            (f"Gaps between groups of residents in {self.place.name}, widest first", residents),
            (
                f"Jobs by industry in {self.place.name} (not groups of residents)",
                g[~g["residents"]] if "residents" in g else g.iloc[0:0],
            ),
        ):
            if rows.empty:
                continue
            display, classes = self._gap_rows(rows)
            tables.append(html_table(pd.DataFrame(display), caption=title, row_classes=classes))
        caveats = {gaps.CAVEATS[t] for t in g["subgroup_type"] if t in gaps.CAVEATS}
        caveats |= {c for c in g.get("caveat", pd.Series(dtype=str)) if c}
        caveats.add(
            "Each gap is measured against the overall value published in the same subgroup "
            "file, whose release is named beside the gap; older releases can differ from the "
            "2025 values shown elsewhere on this page. A gap is larger than the margin of "
            "error when a z-test on the groups' 95% bounds gives |z| > 1.96."
        )
        tested = int((residents["evidence"] == gaps.TESTED).sum()) if "evidence" in g else 0
        parts.append(
            details(
                f"All {len(g)} gaps, with the groups' values "
                f"<span class='mnb-meta'>{tested} larger than the margin of error</span>",
                "".join(tables)
                + "<ul class='mnb-note'>"
                + "".join(f"<li>{formats.html_text(c)}</li>" for c in sorted(caveats))
                + "</ul>",
            )
        )
        show_html("".join(parts))

    def _gap_rows(self, rows: pd.DataFrame) -> tuple[list[dict], list[str]]:
        display, classes = [], []
        for r in records(rows):
            m = catalog.get_metric(r["metric"])
            notes = []
            if r["weak_groups"]:
                notes.append(f"Weak: {r['weak_groups']}")
            if r["missing_groups"]:
                notes.append(f"missing: {r['missing_groups']}")
            if r["relative_to"] != "overall":
                notes.append("no published total: sized against the groups' average")
            if pd.notna(r.get("events")) and r["evidence"] == gaps.FEW:
                notes.append(f"about {formats.count(r['events'])} {m.events_word}")
            if m.directional:
                first = f"{r['best_group']}: {m.format(r['best_value'])}"
                second = f"{r['worst_group']}: {m.format(r['worst_value'])}"
            else:
                high, low = sorted((r["best_value"], r["worst_value"]), reverse=True)
                first = f"{r['highest_group']}: {m.format(high)}"
                second = f"{r['lowest_group']}: {m.format(low)}"
                notes.append("no better/worse direction: higher and lower group shown")
            by = gaps.SUBGROUP_LABELS.get(r["subgroup_type"], r["subgroup_type"])
            where = f"by {by}, {r['year']} ({r.get('release') or 'subgroup file'})"
            display.append(
                {
                    "Metric": _label_cell(m.label, where, "; ".join(notes)),
                    "Better off (or higher)": first,
                    "Worse off (or lower)": second,
                    "Gap": formats.metric_gap(m, r["gap"]),
                    "Gap as % of overall": formats.percent_value(r["relative_gap"] * 100, 0),
                    "Larger than the margin of error?": r["evidence"]
                    + (f" (z = {formats.number(abs(r['z']), 1)})" if pd.notna(r["z"]) else ""),
                }
            )
            classes.append("" if r["reliable"] else "weak")
        return display, classes

    def show_missing(self) -> None:
        miss = standing.missing_metrics(self.standing)
        if miss.empty:
            show_html(
                f"<p>Every metric Urban publishes for {self.level_word} has a value here.</p>"
            )
            return
        self.recorder.record("missing", miss)
        frame = pd.DataFrame(
            {
                "Metric": miss["label"],
                "Pillar": miss["pillar"],
                "Flag": miss["quality"].map(standing.flag_text),
            }
        )
        show_html(
            f"<p>{len(miss)} metric(s) have no value for {_esc(self.place.display_name)}: "
            "Urban suppressed them (too few cases, poor coverage) or could not compute them. "
            "Local administrative or survey data may fill these gaps (Step 5).</p>"
            + details(
                f"The {len(miss)} metrics with no value",
                html_table(
                    frame, caption="Metrics with no value", row_classes=["missing"] * len(miss)
                ),
            )
        )

    def show_methods(self) -> None:
        """Quality flags, bounds, ranking and peer rules, in plain words; metric definitions."""
        flags = "".join(
            f"<li><strong>{k}</strong>: {_esc(v)}</li>" for k, v in QUALITY_TEXT.items()
        )
        place = "county" if self.level == "county" else "city"
        universe = (
            "every US county"
            if self.level == "county"
            else f"every one of Urban's {ranking.CITY_UNIVERSE} large cities (75,000 people or "
            "more)"
        )
        rules = (
            "<h3>Data quality flags</h3><ul>" + flags + f"<li>{_esc(formats.MISSING_KEY)}</li>"
            "</ul><h3>Confidence bounds and tests</h3><p>Where Urban publishes them, bounds are "
            "95% confidence intervals. For homelessness counts and reading growth they are a "
            "range from other assumptions, not a margin of error, and are never tested. A "
            "change over time or a gap between groups is called larger than the margin of "
            "error only when a z-test on standard errors taken from the bounds ((upper − lower) "
            "÷ 3.92, using the half on the side of the comparison) gives |z| > 1.96; whether "
            "two intervals overlap is not a test. There is no verdict when either end is "
            "flagged Weak. A page compares many metrics, so at the 95% level one or two "
            "comparisons in fifty can look real by chance.</p>"
            "<h3>Ranks and medians</h3><p>Each value is compared with "
            f"{universe} that has a value for the same metric and year; the tables say how "
            "many. 'Better than' uses the metric's direction (ties count half) and is capped at "
            "'more than 99%' and 'fewer than 1%'. A value tied at the lowest or highest value "
            "is reported as a tie. In-state ranks need at least "
            f"{ranking.MIN_STATE_PLACES} {self.level_word} with data. A value is above or "
            "below a median only when the median lies outside its 95% interval. Not ranked: "
            "neighbor diversity (set beside the level an evenly mixed "
            f"{place} with the same population would have), population shares, counts, "
            "wealth parity (judged by its distance from 1.00), the 80th income percentile "
            "(read with the 20th: their ratio measures inequality), and crime and arrest rates "
            "(the FBI advises against ranking places by them). Zeros in arrests, crime and "
            "residents per doctor may be non-reports and are left out of the rankings.</p>"
            "<h3>Shared estimates and breaks</h3><p>Many county survey values are estimates "
            "for a wider survey area (at least 100,000 people) shared out to the counties in "
            "it: when a value equals that of other places of the state for the same metric "
            "and year, the page names them and does not treat the value as a local finding. "
            "The survey areas changed in 2022, so a 2021→2022 jump in such a value is not "
            "reported as change.</p>"
            "<h3>Dollars</h3><p>Dollar values compared across years are shown in the latest "
            f"year's dollars, converted with the {_esc(dollars.INDEX_NAME)}.</p>"
        )
        show_html(
            details(
                "How to read this page: flags, bounds, tests, ranks and medians",
                rules,
                css_class="mnb-prose",
            )
            + details(
                f"What each of the {len(self.standing)} metrics measures",
                self._definitions_html(),
            )
        )

    def _definitions_html(self) -> str:
        """Every metric's definition as a list (two columns on paper), not a wide table."""
        items = []
        for r in records(self.standing):
            m = catalog.get_metric(r["metric"])
            compared = {
                "higher_better": "Higher is better.",
                "lower_better": "Lower is better.",
                "parity": "Best when the shares are equal (1.00).",
                "context": "Described, not ranked.",
                "count": "A count: not ranked.",
                "spread": "Read with the other income percentiles.",
            }.get(m.comparison, "")
            if m.crime:
                compared += " Not ranked: crime data."
            items.append(
                f"<div><dt>{formats.html_text(m.label)}</dt><dd>{formats.html_text(m.description)}"
                f" <span class='mnb-sub'>{formats.html_text(compared)} "
                f"{formats.html_text(m.caveat)}</span></dd></div>"
            )
        return "<dl class='mnb-defs'>" + "".join(items) + "</dl>"

    def record_sources(self) -> None:
        _ = self.tidy  # make sure the main data file is named even on a sparse page

    def reader_settings(self) -> list[tuple[str, str]]:
        ps = self.peer_set
        who = "; ".join(p.short_name for p in ps.peers) or "none"
        how = "chosen by the analyst" if not ps.automatic else "chosen automatically"
        return [*super().reader_settings(), ("Peers", f"{who} ({how})")]


def headline(
    jurisdiction: str, data_dir: str | os.PathLike[str] | None = None, level: str | None = None
) -> pd.DataFrame:
    """Latest value per metric with quality and national standing (Step 5 recap)."""
    place = resolve(jurisdiction, level=level, data_dir=data_dir or None)
    data = metrics_data.load_metrics(place.level, data_dir or None)
    t = standing.standing(data, place.geoid, place.level)
    t = t[t["value"].notna()].copy()
    t["value_text"] = [
        catalog.get_metric(m).format(v) for m, v in zip(t["metric"], t["value"], strict=True)
    ]
    t.insert(0, "geoid", place.geoid)
    return t[
        [
            "geoid",
            "pillar",
            "metric",
            "label",
            "year",
            "value",
            "value_text",
            "lower",
            "upper",
            "quality",
            "national_better",
        ]
    ].reset_index(drop=True)
