"""The Step 2 findings page: computes once, then each ``show_*`` call renders one section.

The notebook stays a readable outline (markdown + one call per section); everything a
section shows is also recorded for the page's CSV, so partners can check every number.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any

import pandas as pd

from mobility_nb.claims import artifacts, ranking
from mobility_nb.data import catalog, dollars
from mobility_nb.data import metrics as metrics_data
from mobility_nb.data.jurisdictions import jurisdiction_table, resolve
from mobility_nb.render.figures import figure_html
from mobility_nb.render.tables import html_table, show_html
from mobility_nb.steps.base import StepPage
from mobility_nb.steps.step2 import charts, gaps, insights, peers, standing, trends

Neighbours = Callable[[str], Sequence[str]]

QUALITY_TEXT = {
    "Strong": "adequate accuracy and sample size.",
    "Marginal": "known shortcomings; use with caution.",
    "Weak": "serious concerns; Urban does not recommend using it. Seek local data instead.",
}


def _esc(text: Any) -> str:
    return html.escape(str(text))


def _pct(value: float) -> str:
    return "NA" if pd.isna(value) else f"{value:.0f}%"


def _ci(m: catalog.Metric, lower: float, upper: float) -> str:
    if pd.isna(lower) or pd.isna(upper):
        return ""
    return f"{m.format(lower)} to {m.format(upper)}"


def _chart(made: tuple[Any, str] | None, caption: str) -> str:
    """A chart function's (figure, alt text) as page HTML; nothing when there is no chart."""
    if made is None:
        return ""
    fig, alt = made
    return figure_html(fig, alt, tight=False, caption=caption)


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


def _flagged(m: catalog.Metric, value: Any, quality: Any) -> str:
    """A table cell: the value, marked when its flag is Marginal or Weak."""
    text = m.format(value)
    if text != "NA" and quality in ("Marginal", "Weak"):
        return f"{text} ({quality})"
    return text


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
        return {int(r["year"]): r for r in rows.to_dict("records")}

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
        return insights.draft(self.standing, self.gaps, self.level, self.trends, self.place.name)

    @property
    def level_word(self) -> str:
        return "counties" if self.level == "county" else "cities"

    # ---- sections -----------------------------------------------------------------------
    def show_header(self) -> None:
        """Name, size, data vintage and how much of the framework has data here."""
        t = self.standing
        have = t[t["value"].notna()]
        counts = have["quality"].value_counts()
        pop = f"{self.place.population:,.0f} residents" if self.place.population else ""
        years = f"{int(have['year'].min())}–{int(have['year'].max())}" if len(have) else "none"
        text = (
            f"<h1>Mobility Metrics: {_esc(self.place.display_name)}</h1>"
            f"<p class='mnb-lede'>{_esc(self.place.name)} is a "
            f"{'county' if self.level == 'county' else 'city'} in {_esc(self.place.state_name)}"
            f"{' with ' + pop if pop else ''} ({'FIPS' if self.level == 'county' else 'GEOID'} "
            f"{_esc(self.place.geoid)}). Of the {len(t)} metrics Urban publishes for "
            f"{self.level_word}, {len(have)} have a value here (latest years {years}): "
            f"{counts.get('Strong', 0)} Strong, {counts.get('Marginal', 0)} Marginal, "
            f"{counts.get('Weak', 0)} Weak.</p>"
        )
        if len(have) < len(t) / 2:
            text += (
                "<div class='mnb-warning'><strong>Most metrics are missing for this "
                f"jurisdiction</strong> ({len(t) - len(have)} of {len(t)}). The page shows "
                "what exists; the section <em>What is missing</em> lists the rest. Small "
                "places often lack survey-based metrics: consider local data sources.</div>"
            )
        show_html(text)

    def show_insights(self) -> None:
        """Drafted Step 2.3 insights: strengths, concerns, widest gaps, with the rules used."""
        ins = self.insights
        parts = [
            "<div class='mnb-note'><p><strong>Draft for the analyst to edit.</strong> "
            f"{_esc(ins.rule)}</p></div>"
        ]
        for title, lines, empty in (
            (
                "Top strengths",
                ins.strengths,
                "No metric is in the top quarter nationally with usable data.",
            ),
            (
                "Top concerns",
                ins.concerns,
                "No metric is in the bottom quarter nationally with usable data.",
            ),
            (
                "Widest gaps between groups of residents",
                ins.gaps,
                "No subgroup gap meets the rules (or no subgroup data exist for this "
                "jurisdiction).",
            ),
        ):
            parts.append(f"<h3>{_esc(title)}</h3>")
            items = "".join(f"<li>{_esc(x)}</li>" for x in lines)
            parts.append(f"<ul>{items}</ul>" if lines else f"<p>{_esc(empty)}</p>")
        if ins.set_aside:
            parts.append(
                "<h3>Set aside: the data do not support a claim</h3><ul>"
                + "".join(f"<li>{_esc(x)}</li>" for x in ins.set_aside)
                + "</ul>"
            )
        if ins.limits:
            parts.append(
                "<h3>What these data cannot tell you about this place</h3><ul>"
                + "".join(f"<li>{_esc(x)}</li>" for x in ins.limits)
                + "</ul>"
            )
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
        made = charts.standing_chart(self.standing, self.place.name, self.level)
        if made is None:
            show_html("<p class='mnb-missing'>No metric can be ranked for this jurisdiction.</p>")
            return
        show_html(
            _chart(
                made,
                f"Filled dots: share of US {self.level_word} that {self.place.name} does "
                "better than (direction-aware); open dots: the same within "
                f"{self.place.state_name} (only where the state has at least "
                f"{ranking.MIN_STATE_PLACES} {self.level_word} with data). Metrics without a "
                "better/worse direction, crime and arrest rates, and values tied at the lowest "
                "or highest value are not shown.",
            )
        )

    def show_standing_tables(self) -> None:
        """One table per pillar: value, bounds, flag, national/state rank and medians."""
        t = self.standing
        self.recorder.record("standing", t)
        for pillar in catalog.PILLARS:
            rows = t[t["pillar"] == pillar]
            if rows.empty:
                continue
            display, classes = [], []
            for r in rows.to_dict("records"):
                m = catalog.get_metric(r["metric"])
                bounds = "range" if m.bounds == "range" else "95% bounds"
                ci = _ci(m, r["lower"], r["upper"])
                display.append(
                    {
                        "Metric": m.label,
                        "Year": "" if pd.isna(r["year"]) else str(int(r["year"])),
                        "Value (95% bounds or range)": self._value_text(m, r)
                        + (f" ({bounds} {ci})" if ci else ""),
                        "Quality": standing.flag_text(r["quality"]),
                        f"Better than % of US {self.level_word}": self._rank_text(m, r),
                        f"… of {self.place.state_abbr}": self._state_text(r),
                        "US median": self._median_text(m, r, "national_median"),
                        f"{self.place.state_abbr} median": self._median_text(m, r, "state_median"),
                        "Notes": self._standing_note(m, r),
                    }
                )
                classes.append(
                    "missing" if pd.isna(r["value"]) else "weak" if r["quality"] == "Weak" else ""
                )
            frame = pd.DataFrame(display)
            show_html(
                f"<h3>{_esc(pillar)}</h3>"
                + html_table(
                    frame,
                    caption=f"{pillar}: {self.place.name} against all US {self.level_word}",
                    row_classes=classes,
                    numeric=tuple(frame.columns[4:8]),
                )
            )

    def _rank_text(self, m: catalog.Metric, r: Mapping[str, Any]) -> str:
        """'62% of 3,108', a tie at an extreme, or why the metric is not ranked."""
        if pd.isna(r["value"]):
            return "NA"
        if standing.has_rank(r):
            return f"{ranking.percent_text(r['national_better'])} of {int(r['national_n']):,}"
        if m.rankable and r.get("national_extreme"):
            return f"tied at the {r['national_extreme']} ({int(r['national_ties']):,})"
        return "not ranked"

    def _state_text(self, r: Mapping[str, Any]) -> str:
        if pd.isna(r["value"]) or not standing.has_rank(r):
            return ""
        if not ranking.state_rank_allowed(int(r["state_n"])):
            return f"— (only {int(r['state_n'])} with data)"
        return f"{ranking.percent_text(r['state_better'])} of {int(r['state_n']):,}"

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
            notes.append(f"rests on about {r['events']:.0f} {m.events_word}")
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
            f"the 80th percentile is {high['value'] / low['value']:.1f} times the 20th "
            f"({int(high['year'])}), Urban's measure of income inequality"
        )

    def _value_text(self, m: catalog.Metric, r: Mapping[str, Any]) -> str:
        """Parity metrics show Urban's 'wealth share : household share' text as published."""
        if pd.isna(r["value"]):
            return "NA"
        if m.unit == "parity":
            published = self._published.get(int(r["year"]), {})
            if m.metric in published:
                return f"{m.format(published[m.metric])} (ratio {r['value']:.2f})"
        return m.format(r["value"])

    def show_peers(self) -> None:
        ps = self.peer_set
        parts = [f"<p>{_esc(ps.rule)}</p>"]
        if ps.peers:
            parts.append(self._peer_block(ps, "peers", f"{self.place.name} and its peers"))
        near = self.neighbour_set
        if self.level == "county":
            parts.append("<h3>Neighbouring counties</h3>")
            parts.append(f"<p>{_esc(near.rule)}</p>")
            if near.peers:
                parts.append(
                    self._peer_block(near, "neighbours", f"{self.place.name} and its neighbours")
                )
        show_html("".join(parts))

    def _peer_block(self, ps: peers.PeerSet, record: str, caption: str) -> str:
        """Who the peers are (with each one's distance or reason) and the metric table."""
        who = pd.DataFrame(
            {
                "Peer": [p.display_name for p in ps.peers],
                "Code": [p.geoid for p in ps.peers],
                "Why": list(ps.reasons),
            }
        )
        out = [html_table(who, caption="Places compared")]
        table = peers.peer_table(self.tidy, self.standing, self.place, ps)
        self.recorder.record(record, table)
        names = {self.place.geoid: self.place.name, **{p.geoid: p.name for p in ps.peers}}
        display = []
        for r in table.to_dict("records"):
            m = catalog.get_metric(r["metric"])
            row = {"Metric": m.label, "Year": str(r["year"])}
            for g, nm in names.items():
                row[nm] = _flagged(m, r[g], r.get(f"{g}_quality"))
            row["Peer median"] = m.format(r["peer_median"]) if m.rankable else ""
            row["Rank (1 = best)"] = (
                "" if pd.isna(r["rank"]) else f"{int(r['rank'])} of {r['compared']}"
            )
            display.append(row)
        frame = pd.DataFrame(display)
        out.append(html_table(frame, caption=caption, numeric=tuple(frame.columns[2:])))
        out.append(
            "<p class='mnb-note'>Values flagged Marginal or Weak are marked; the others are "
            "Strong or carry no flag. Ranks are given only for metrics with a better/worse "
            "direction that are not crime data, and only when this place's own value is not "
            "Weak, shared with other places or possibly unreported. All values of a row are "
            "from the same year, so dollar values are comparable as they stand.</p>"
        )
        return "".join(out)

    def show_trends(self) -> None:
        t = self.trends
        if t.empty:
            show_html("<p class='mnb-missing'>No metric has two or more years of data here.</p>")
            return
        self.recorder.record("trends", t)
        real = trends.series(self.tidy, self.place.geoid, real=True)
        made = charts.trend_chart(real, t, self.place.name)
        money = t[t["metric"].map(lambda x: catalog.get_metric(x).dollars)]
        base = int(money["latest_year"].max()) if len(money) else None
        parts = [
            _chart(
                made,
                "The four metrics with the most years of data. Shaded bands are 95% "
                "confidence bounds where Urban publishes them."
                + (f" Dollars are {base} dollars (CPI-U)." if base else ""),
            )
        ]
        display, classes, untested = [], [], []
        for r in t.to_dict("records"):
            m = catalog.get_metric(r["metric"])
            first = f"{m.format(r['first_value'])} ({r['first_year']})"
            if m.dollars and r["first_year"] != r["latest_year"]:
                first += f"; {m.format(r['first_value_real'])} in {r['latest_year']} dollars"
            test = r["judgement"]
            if test == trends.UNTESTED:
                untested.append(m.label)
                test = "—"
            elif pd.notna(r["z"]):
                test += f" (z = {r['z']:.1f})"
            if r["break_note"]:
                test += f"; {r['break_note']}"
            display.append(
                {
                    "Metric": m.label,
                    "From": first,
                    "To": f"{m.format(r['latest_value'])} ({r['latest_year']})",
                    "Change": self._change_text(m, r["change"]),
                    "Quality (from → to)": f"{standing.flag_text(r['first_quality'])} → "
                    f"{standing.flag_text(r['latest_quality'])}",
                    "Larger than the margin of error?": test,
                    "Verdict": r["verdict"] or "",
                }
            )
            classes.append({"improved": "good", "worsened": "bad"}.get(r["verdict"], ""))
        parts.append(
            html_table(
                pd.DataFrame(display),
                caption=(f"First and latest year of each metric for {self.place.name}"),
                row_classes=classes,
            )
        )
        notes = []
        if untested:
            notes.append(
                f"Urban publishes no margin of error for {len(untested)} of these metrics "
                "(marked —), so their changes are shown but not tested."
            )
        if base:
            notes.append(dollars.describe(base) + " Changes in dollars are in those dollars.")
        notes.append(
            "A change is called larger than the margin of error when a z-test on the two "
            "years' published 95% bounds gives |z| > 1.96. Survey periods that share years "
            "are not independent; the test ignores that overlap. 'Improved' and 'worsened' "
            "are used only for metrics with a better/worse direction."
        )
        parts.append(
            "<ul class='mnb-note'>" + "".join(f"<li>{_esc(n)}</li>" for n in notes) + "</ul>"
        )
        show_html("".join(parts))

    @staticmethod
    def _change_text(m: catalog.Metric, change: float) -> str:
        if m.unit == "share":
            return f"{change * 100:+.1f} points"
        text = m.format(abs(change))
        return ("+" if change >= 0 else "−") + text

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
        details = {
            i: gaps.subgroup_detail(
                self.subgroups, self.place.geoid, r["metric"], r["subgroup_type"], r["year"]
            )
            for i, r in zip(widest.index, widest.to_dict("records"), strict=True)
        }
        if details:
            self.recorder.record(
                "gap_groups",
                pd.concat(
                    [
                        d.assign(
                            metric=g.loc[i, "metric"],
                            subgroup_type=g.loc[i, "subgroup_type"],
                            year=g.loc[i, "year"],
                        )
                        for i, d in details.items()
                    ],
                    ignore_index=True,
                ),
            )
        parts = [
            _chart(
                charts.gap_chart(widest, details, self.place.name),
                "The widest gaps between groups of residents, relative to the overall value "
                "of the same file; the dashed line is that overall value.",
            )
        ]
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
            parts.append(html_table(pd.DataFrame(display), caption=title, row_classes=classes))
        caveats = {gaps.CAVEATS[t] for t in g["subgroup_type"] if t in gaps.CAVEATS}
        caveats |= {c for c in g.get("caveat", pd.Series(dtype=str)) if c}
        caveats.add(
            "Each gap is measured against the overall value published in the same subgroup "
            "file, whose release is named beside the gap; older releases can differ from the "
            "2025 values shown elsewhere on this page. A gap is larger than the margin of "
            "error when a z-test on the groups' 95% bounds gives |z| > 1.96."
        )
        parts.append(
            "<ul class='mnb-note'>"
            + "".join(f"<li>{_esc(c)}</li>" for c in sorted(caveats))
            + "</ul>"
        )
        show_html("".join(parts))

    def _gap_rows(self, rows: pd.DataFrame) -> tuple[list[dict], list[str]]:
        display, classes = [], []
        for r in rows.to_dict("records"):
            m = catalog.get_metric(r["metric"])
            notes = []
            if r["weak_groups"]:
                notes.append(f"Weak: {r['weak_groups']}")
            if r["missing_groups"]:
                notes.append(f"missing: {r['missing_groups']}")
            if r["relative_to"] != "overall":
                notes.append("no published total: sized against the groups' average")
            if pd.notna(r.get("events")) and r["evidence"] == gaps.FEW:
                notes.append(f"about {r['events']:.0f} {m.events_word}")
            if m.directional:
                first = f"{r['best_group']}: {m.format(r['best_value'])}"
                second = f"{r['worst_group']}: {m.format(r['worst_value'])}"
            else:
                high, low = sorted((r["best_value"], r["worst_value"]), reverse=True)
                first = f"{r['highest_group']}: {m.format(high)}"
                second = f"{r['lowest_group']}: {m.format(low)}"
                notes.append("no better/worse direction: higher and lower group shown")
            display.append(
                {
                    "Metric": m.label,
                    "Groups": gaps.SUBGROUP_LABELS.get(r["subgroup_type"], r["subgroup_type"]),
                    "Year (file)": f"{r['year']} ({r.get('release') or 'subgroup file'})",
                    "Better off (or higher)": first,
                    "Worse off (or lower)": second,
                    "Gap": self._change_text(m, r["gap"]).lstrip("+"),
                    "Gap as % of overall": _pct(r["relative_gap"] * 100),
                    "Larger than the margin of error?": r["evidence"]
                    + (f" (z = {abs(r['z']):.1f})" if pd.notna(r["z"]) else ""),
                    "Notes": "; ".join(notes),
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
                "Pillar": miss["pillar"],
                "Metric": miss["label"],
                "Flag": miss["quality"].fillna("NA"),
            }
        )
        show_html(
            f"<p>{len(miss)} metric(s) have no value for {_esc(self.place.display_name)}: "
            "Urban suppressed them (too few cases, poor coverage) or could not compute them. "
            "Local administrative or survey data may fill these gaps (Step 5).</p>"
            + html_table(
                frame, caption="Metrics with no value", row_classes=["missing"] * len(miss)
            )
        )

    def show_methods(self) -> None:
        """Quality flags, bounds, ranking and peer rules, in plain words."""
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
        show_html(
            "<h3>Data quality flags</h3><ul>"
            + flags
            + "<li><strong>NA</strong>: the value could not be calculated or was suppressed.</li>"
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
            "<h3>Metric definitions</h3>" + self._definitions_html()
        )

    def _definitions_html(self) -> str:
        have = self.standing
        rows = []
        for r in have.to_dict("records"):
            m = catalog.get_metric(r["metric"])
            rows.append(
                {
                    "Metric": m.label,
                    "What it measures": m.description,
                    "Compared how": {
                        "higher_better": "higher is better",
                        "lower_better": "lower is better",
                        "parity": "shares are equal (1.00)",
                        "context": "described, not ranked",
                        "count": "a count: not ranked",
                        "spread": "read with the other percentiles",
                    }.get(m.comparison, "—")
                    + (" (not ranked: crime data)" if m.crime else ""),
                    "Why (Urban's documentation)": f"{m.comparison_why} ({m.comparison_source})",
                    "Caveat": m.caveat,
                }
            )
        return html_table(pd.DataFrame(rows), caption="What each metric measures")

    def record_sources(self) -> None:
        _ = self.tidy  # make sure the main data file is named even on a sparse page


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
