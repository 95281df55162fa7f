"""The Step 2 findings page: computes once, then each ``show_*`` call renders one section.

The notebook stays a readable outline (markdown + one call per section); everything a
section shows is also recorded for the page's CSV, so partners can check every number.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import pandas as pd

from mobility_nb.data import catalog
from mobility_nb.data import metrics as metrics_data
from mobility_nb.data.jurisdictions import Jurisdiction, resolve
from mobility_nb.render.figures import figure_html
from mobility_nb.render.recorder import PageRecorder
from mobility_nb.render.tables import html_table, show_html
from mobility_nb.steps.step2 import charts, gaps, insights, peers, standing, trends

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


class Step2Page:
    """All analysis for one jurisdiction's Step 2 page, computed lazily and cached."""

    def __init__(
        self,
        jurisdiction: str,
        peers: Sequence[str] = (),
        data_dir: str | os.PathLike[str] | None = None,
        artifacts_dir: str | None = None,
        params: Mapping[str, Any] | None = None,
        level: str | None = None,
    ) -> None:
        self.data_dir = data_dir or None
        self.place: Jurisdiction = resolve(
            jurisdiction, level=level or None, data_dir=self.data_dir
        )
        self.level = self.place.level
        self.peer_input = [str(p) for p in peers if str(p).strip()]
        self.recorder = PageRecorder(
            "step2",
            dict(params or {}),
            artifacts_dir,
            title=f"Mobility Metrics: {self.place.display_name}",
        )

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
    def standing(self) -> pd.DataFrame:
        return standing.standing(self.tidy, self.place.geoid, self.level)

    @cached_property
    def peer_set(self) -> peers.PeerSet:
        if self.peer_input:
            return peers.given_peers(self.peer_input, self.place, self.data_dir)
        return peers.similar_peers(self.tidy, self.place, data_dir=self.data_dir)

    @cached_property
    def trends(self) -> pd.DataFrame:
        return trends.trend_table(self.tidy, self.place.geoid, self.level)

    @cached_property
    def gaps(self) -> pd.DataFrame:
        totals = metrics_data.load_subgroup_totals(self.level, self.data_dir)
        return gaps.gap_table(self.subgroups, self.tidy, self.place.geoid, self.level, totals)

    @cached_property
    def insights(self) -> insights.Insights:
        return insights.draft(self.standing, self.gaps, self.level)

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
                "Widest reliable gaps between groups",
                ins.gaps,
                "No subgroup gap meets the "
                "reliability rule (or no subgroup data exist for this jurisdiction).",
            ),
        ):
            parts.append(f"<h3>{_esc(title)}</h3>")
            items = "".join(f"<li>{_esc(x)}</li>" for x in lines)
            parts.append(f"<ul>{items}</ul>" if lines else f"<p>{_esc(empty)}</p>")
        if ins.set_aside:
            parts.append(
                "<h3>Set aside because the data are Weak</h3><ul>"
                + "".join(f"<li>{_esc(x)}</li>" for x in ins.set_aside)
                + "</ul>"
            )
        show_html("".join(parts))
        self.recorder.record(
            "insights",
            pd.DataFrame(
                {
                    "kind": ["strength"] * len(ins.strengths)
                    + ["concern"] * len(ins.concerns)
                    + ["gap"] * len(ins.gaps),
                    "text": [*ins.strengths, *ins.concerns, *ins.gaps],
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
                f"{self.place.state_name}. Metrics without a better/worse direction are not "
                "shown.",
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
                display.append(
                    {
                        "Metric": m.label,
                        "Year": "" if pd.isna(r["year"]) else str(int(r["year"])),
                        "Value (95% bounds)": self._value_text(m, r)
                        + (f" ({ci})" if (ci := _ci(m, r["lower"], r["upper"])) else ""),
                        "Quality": standing.flag_text(r["quality"]),
                        f"Better than % of US {self.level_word}": _pct(r["national_better"]),
                        f"… of {self.place.state_abbr}": _pct(r["state_better"]),
                        "US median": m.format(r["national_median"]),
                        f"{self.place.state_abbr} median": m.format(r["state_median"]),
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
                    numeric=tuple(frame.columns[4:]),
                )
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
        if not ps.peers:
            show_html("".join(parts))
            return
        who = pd.DataFrame(
            {
                "Peer": [p.display_name for p in ps.peers],
                "Code": [p.geoid for p in ps.peers],
                "Why": list(ps.reasons),
            }
        )
        parts.append(html_table(who, caption="Peers compared"))
        table = peers.peer_table(self.tidy, self.standing, self.place, ps)
        self.recorder.record("peers", table)
        names = {self.place.geoid: self.place.name, **{p.geoid: p.name for p in ps.peers}}
        display = []
        for r in table.to_dict("records"):
            m = catalog.get_metric(r["metric"])
            row = {"Metric": m.label, "Year": str(r["year"])}
            for g, nm in names.items():
                row[nm] = m.format(r[g])
            row["Peer median"] = m.format(r["peer_median"])
            row["Rank (1 = best)"] = (
                "" if pd.isna(r["rank"]) else f"{int(r['rank'])} of {r['compared']}"
            )
            display.append(row)
        frame = pd.DataFrame(display)
        parts.append(
            html_table(
                frame, caption=f"{self.place.name} and its peers", numeric=tuple(frame.columns[2:])
            )
        )
        show_html("".join(parts))

    def show_trends(self) -> None:
        t = self.trends
        if t.empty:
            show_html("<p class='mnb-missing'>No metric has two or more years of data here.</p>")
            return
        self.recorder.record("trends", t)
        made = charts.trend_chart(trends.series(self.tidy, self.place.geoid), t, self.place.name)
        parts = [
            _chart(
                made,
                "The four metrics with the most years of data. Shaded bands are 95% "
                "confidence bounds where Urban publishes them.",
            )
        ]
        display, classes = [], []
        for r in t.to_dict("records"):
            m = catalog.get_metric(r["metric"])
            display.append(
                {
                    "Metric": m.label,
                    "From": f"{m.format(r['first_value'])} ({r['first_year']})",
                    "To": f"{m.format(r['latest_value'])} ({r['latest_year']})",
                    "Change": self._change_text(m, r["change"]),
                    "Beyond the bounds?": r["judgement"],
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
        notes = {
            catalog.get_metric(x).caveat for x in t["metric"] if x.startswith("pctl_income")
        } - {""}
        if notes:
            parts.append("<p class='mnb-note'>" + _esc(" ".join(sorted(notes))) + "</p>")
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
        widest = g.head(charts.MAX_GAP_PANELS)
        details = {
            i: gaps.subgroup_detail(
                self.subgroups, self.place.geoid, r["metric"], r["subgroup_type"], r["year"]
            )
            for i, r in zip(widest.index, widest.to_dict("records"), strict=True)
        }
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
                charts.gap_chart(g, details, self.place.name),
                "The widest gaps, relative to the overall value; the dashed line is the "
                "overall value.",
            )
        ]
        display, classes = [], []
        for r in g.to_dict("records"):
            m = catalog.get_metric(r["metric"])
            notes = []
            if r["weak_groups"]:
                notes.append(f"Weak: {r['weak_groups']}")
            if r["missing_groups"]:
                notes.append(f"missing: {r['missing_groups']}")
            if r["ci_overlap"]:
                notes.append("bounds overlap")
            if r["relative_to"] != "overall":
                notes.append("no published total: sized against the groups' average")
            display.append(
                {
                    "Metric": m.label,
                    "Groups": gaps.SUBGROUP_LABELS.get(r["subgroup_type"], r["subgroup_type"]),
                    "Year": str(r["year"]),
                    "Better off": f"{r['best_group']}: {m.format(r['best_value'])}",
                    "Worse off": f"{r['worst_group']}: {m.format(r['worst_value'])}",
                    "Gap": self._change_text(m, r["gap"]).lstrip("+"),
                    "Gap as % of overall": _pct(r["relative_gap"] * 100),
                    "Reliable?": "yes" if r["reliable"] else "no",
                    "Notes": "; ".join(notes),
                }
            )
            classes.append("" if r["reliable"] else "weak")
        parts.append(
            html_table(
                pd.DataFrame(display),
                caption=(f"Gaps between groups in {self.place.name}, widest first"),
                row_classes=classes,
            )
        )
        caveats = {gaps.CAVEATS[t] for t in g["subgroup_type"] if t in gaps.CAVEATS}
        if caveats:
            parts.append(
                "<ul class='mnb-note'>"
                + "".join(f"<li>{_esc(c)}</li>" for c in sorted(caveats))
                + "</ul>"
            )
        show_html("".join(parts))

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
        show_html(
            "<h3>Data quality flags</h3><ul>"
            + flags
            + "<li><strong>NA</strong>: the value could not be calculated or was suppressed.</li>"
            "</ul><h3>Confidence bounds</h3><p>Where Urban publishes them, bounds are 95% "
            "confidence intervals. For homelessness counts they bound suppressed counts rather "
            "than sampling error. A change over time or a gap between groups is called real "
            "only when the intervals do not overlap.</p><h3>Ranks and medians</h3><p>Each "
            f"value is compared with every US {'county' if self.level == 'county' else 'city'}"
            " that has a value for the same metric and year; 'better than' uses the metric's "
            "direction (for example, lower is better for crime rates). Medians are of all "
            "such values, whatever their quality flag.</p>"
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
                    "Better when": {
                        "higher": "higher",
                        "lower": "lower",
                        "parity": "shares are equal",
                    }.get(m.direction, "—"),
                    "Caveat": m.caveat,
                }
            )
        return html_table(pd.DataFrame(rows), caption="What each metric measures")

    def finish(self) -> None:
        """Provenance block, then write the page's CSV and provenance for the runner."""
        _ = self.tidy  # make sure the main data file is named even on a sparse page
        self.recorder.show_provenance()
        self.recorder.finish()


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
