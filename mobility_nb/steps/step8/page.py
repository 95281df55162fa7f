"""The Step 8 page: the measurement plan with baselines, targets, progress and data gaps.

The notebook stays thin: it calls :func:`load_page` once and then one ``show_*`` function
per section. Every number shown passes through the page's :class:`PageRecorder`, and the
plan is exported as ``plan.csv`` / ``plan.xlsx`` into the artifacts folder, which the
runner publishes beside the HTML page.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.ticker import MaxNLocator

from mobility_nb.config import examples_dir, project_dirs
from mobility_nb.plan import PlanError, assess_plan, export_plan, load_plan, status_counts
from mobility_nb.plan.assess import IndicatorResult, PlanResult, disaggregation_text
from mobility_nb.plan.progress import MET, NO_DATA, OFF_TRACK, ON_TRACK, TOO_EARLY, WORSE
from mobility_nb.plan.schema import Plan
from mobility_nb.plan.sources import MetricsSource, Sources
from mobility_nb.plan.units import unit_label
from mobility_nb.render import formats
from mobility_nb.render.figures import PALETTE, figure_html, new_figure
from mobility_nb.render.formats import html_text
from mobility_nb.render.mpl_text import literal
from mobility_nb.render.tables import Html, details, html_table, show_html
from mobility_nb.steps.base import StepPage

STEP = "step8"
PLAN_GLOB = "step8_*.yaml"
STATUS_CLASSES = {  # CSS classes of the status marks (page.css colours them)
    MET: "met",
    ON_TRACK: "on-track",
    OFF_TRACK: "off-track",
    TOO_EARLY: "too-early",
    WORSE: "worse",
    NO_DATA: "no-data",
}
KEY_TEXT = (
    "Baselines, targets and latest values give their year below the value. " + formats.MISSING_KEY
)


@dataclass
class PlanView:
    """The plan filled with data: everything the page shows, computed once."""

    jurisdiction: Any  # mobility_nb.data.jurisdictions.Jurisdiction
    plan: Plan
    result: PlanResult
    plan_path: str
    data_dir: str = ""

    @property
    def results(self) -> tuple[IndicatorResult, ...]:
        return self.result.results

    @property
    def plan_name(self) -> str:
        """The plan file's name (not its full path, which is private to the machine)."""
        return Path(self.plan_path).name if self.plan.path else self.plan_path


# --- finding and loading the plan -----------------------------------------------------------


def params_dirs() -> list[Path]:
    """Folders searched for plan files: ./params, ../params (notebooks/), the shipped examples."""
    here = Path.cwd()
    out: list[Path] = []
    for folder in (here / "params", here.parent / "params", examples_dir()):
        if folder.is_dir() and folder.resolve() not in [p.resolve() for p in out]:
            out.append(folder)
    return out


def _names_place(value: Any, geoid: str, data_dir: str) -> bool:
    """True when a plan file's ``jurisdiction`` (a code or a name) is the page's place."""
    text = str(value if value is not None else "").strip()
    if text == geoid or not text or text.isdigit():
        return text == geoid
    from mobility_nb.errors import MobilityNBError

    try:
        return _resolve_jurisdiction(text, data_dir).geoid == geoid
    except MobilityNBError:
        return False


def find_plan_file(geoid: str, plan_file: str = "", data_dir: str = "") -> Path:
    """The plan file to use: ``plan_file`` if given, else the params file for ``geoid``."""
    if plan_file:
        path = Path(plan_file).expanduser()
        candidates = (
            [path]
            if path.is_absolute()
            else [
                Path.cwd() / path,
                Path.cwd().parent / path,
                *(folder / path for folder in project_dirs()[1:]),
            ]
        )
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        raise PlanError(
            repr(plan_file),
            [
                f"plan_file: {plan_file!r} does not exist (looked in the working folder, its "
                "parent and the project folder); give the path of a plan YAML such as "
                "params/step8_philadelphia.yaml or of a plan workbook (.xlsx)"
            ],
        )
    from mobility_nb.params import load_params_file

    for folder in params_dirs():
        for path in sorted(folder.glob(PLAN_GLOB)):
            try:
                data = load_params_file(path)
            except Exception:  # noqa: BLE001 - another step's broken file is not ours
                continue
            if "plan" in data and _names_place(data.get("jurisdiction"), geoid, data_dir):
                return path
    raise PlanError(
        "for " + geoid,
        [
            f"plan_file: none given and no params/{PLAN_GLOB} file has jurisdiction: "
            f'"{geoid}". Copy params/step8_philadelphia.yaml, set its jurisdiction and actions, '
            "and pass it as plan_file (or name it params/step8_<place>.yaml)"
        ],
    )


def _resolve_jurisdiction(text: str, data_dir: str) -> Any:
    from mobility_nb.data.jurisdictions import resolve

    return resolve(text, data_dir=data_dir or None)


def _resolve_jurisdiction_at(text: str, level: str, data_dir: str) -> Any:
    from mobility_nb.data.jurisdictions import resolve

    return resolve(text, level=level, data_dir=data_dir or None)


def load_page(
    jurisdiction: str,
    data_dir: str = "",
    plan_file: str = "",
    plan: Mapping[str, Any] | None = None,
    current_year: int = 0,
    sources: Sources | None = None,
) -> PlanView:
    """Resolve the jurisdiction, read and check the plan, and fill it with data."""
    jur = _resolve_jurisdiction(jurisdiction, data_dir)

    def place(text: str, level: str | None) -> str:  # names and codes, as Step 2 takes them
        return _resolve_jurisdiction_at(text, level or jur.level, data_dir).geoid

    if plan and not isinstance(plan, Mapping):
        raise PlanError(
            "given as the plan parameter",
            [
                f"plan: must be the `plan:` part of a plan file (title, actions, ...), not "
                f"{type(plan).__name__} {str(plan)[:60]!r}; to use a plan file, pass its path as "
                "plan_file (a .yaml or .xlsx file)"
            ],
        )
    if plan:
        # An inline plan usually comes from a params file passed to the runner: its local
        # files are named relative to that file's folder, the project's params/.
        folders = params_dirs()
        base = Path(plan_file).parent if plan_file else (folders[0] if folders else Path.cwd())
        parsed = load_plan(plan, base_dir=base, resolve_place=place, level=jur.level)
        path = "(inline plan)"
    else:
        found = find_plan_file(jur.geoid, plan_file, data_dir)
        parsed = load_plan(found, resolve_place=place, level=jur.level)
        path = str(found)
    if parsed.jurisdiction and parsed.jurisdiction != jur.geoid:
        raise PlanError(
            path,
            [
                f"jurisdiction: the plan is for {parsed.jurisdiction!r} but the page is for "
                f"{jur.geoid!r} ({jur.name}); pass the matching plan_file or jurisdiction"
            ],
        )
    if current_year and current_year < 1990:
        raise PlanError(
            path,
            [f"current_year: {current_year} is not a plausible year; use 0 for the latest data"],
        )
    sources = sources or Sources(metrics=MetricsSource(data_dir or None))
    result = assess_plan(parsed, jur, sources, current_year)
    return PlanView(jurisdiction=jur, plan=parsed, result=result, plan_path=path, data_dir=data_dir)


# --- sections -----------------------------------------------------------------------------


def _with_year(text: str, year: int | None) -> str:
    return f"{text} ({year})" if text and year else (text or formats.MISSING)


def plan_table(page: PlanView) -> pd.DataFrame:
    """The plan, one row per indicator, every column as text (the export has every column)."""
    rows = []
    for r in page.results:
        ind, b, c, t = r.indicator, r.baseline, r.current, r.target
        rows.append(
            {
                "No.": r.number,
                "Strategic action": r.action.name,
                "Indicator": ind.name if r.tracked == "Overall" else f"{ind.name} ({r.tracked})",
                "Data source": r.source_text,
                "Baseline": _with_year(r.units.value(b.value), b.year) if b else formats.MISSING,
                "Target": _with_year(r.units.value(t.value), t.year)
                + (" — not beyond the baseline: see targets" if t.warning else "")
                if t and t.value is not None
                else formats.MISSING,
                "Current": _with_year(r.units.value(c.value), c.year) if c else formats.MISSING,
                "Status": r.status,
                "Responsible": ind.responsible,
                "Frequency": ind.frequency.replace("_", " "),
                "Disaggregation": disaggregation_text(ind.disaggregation) or "none",
            }
        )
    return pd.DataFrame(rows)


def _short_value(r: IndicatorResult, x: float | None) -> str:
    """A value for the plan table: gaps in 'pp' (the key says percentage points)."""
    return r.units.difference(x, short=True) if r.units.is_gap else r.units.value(x)


def _value_cell(text: str, year: int | None, note: str = "") -> Html:
    """A value with its year (and a note) on smaller lines below it."""
    out = html_text(text)
    if year:
        out += f"<span class='mnb-sub'>{year}</span>"
    if note:
        out += f"<span class='mnb-sub'>{html_text(note)}</span>"
    return Html(out)


def _status_cell(status: str) -> Html:
    key = STATUS_CLASSES.get(status, "")
    return Html(f"<span class='mnb-status {key}'>{html_text(status)}</span>")


def plan_table_html(page: PlanView) -> str:
    """The plan as a table that fits its column: related facts share a cell."""
    rows = []
    for r in page.results:
        ind, b, c, t = r.indicator, r.baseline, r.current, r.target
        name = ind.name if r.tracked == "Overall" else f"{ind.name} ({r.tracked})"
        who = [x for x in (ind.responsible, ind.frequency.replace("_", " ")) if x]
        rows.append(
            {
                "Indicator": Html(
                    f"{r.number}. {html_text(name)}"
                    f"<span class='mnb-sub'>Action: {html_text(r.action.name)}</span>"
                    f"<span class='mnb-sub'>Source: {html_text(r.source_text)}</span>"
                ),
                "Baseline": _value_cell(_short_value(r, b.value), b.year) if b else formats.MISSING,
                "Target": _value_cell(
                    _short_value(r, t.value),
                    t.year,
                    "not beyond the baseline: see targets" if t.warning else "",
                )
                if t and t.value is not None
                else formats.MISSING,
                "Latest": _value_cell(_short_value(r, c.value), c.year) if c else formats.MISSING,
                "Status": _status_cell(r.status),
                "Who, how often, broken down by": Html(
                    html_text("; ".join(who) or formats.MISSING)
                    + "<span class='mnb-sub'>by "
                    + html_text(disaggregation_text(ind.disaggregation) or "nothing yet")
                    + "</span>"
                ),
            }
        )
    classes = [
        "weak" if r.baseline is not None and r.baseline.quality == "Weak" else ""
        for r in page.results
    ]
    return html_table(
        pd.DataFrame(rows),
        caption=f"Measurement plan for {page.jurisdiction.display_name}",
        row_classes=classes,
        numeric=("Baseline", "Target", "Latest"),
        css_class="mnb-plan",
    )


def summary_html(page: PlanView) -> str:
    """One sentence: the plan, its size, the status counts and the data years."""
    counts = status_counts(page.result)
    total = int(counts["indicators"].sum())
    parts = [
        f"{n} {'with no data' if s == NO_DATA else s}"
        for s, n in zip(counts["status"], counts["indicators"], strict=True)
        if n
    ]
    years = sorted({r.baseline.year for r in page.results if r.baseline})
    latest = sorted({r.current.year for r in page.results if r.current})
    base = (
        f"Baselines are from {formats.year_span(years[0], years[-1])}"
        if years
        else "No indicator has a baseline yet"
    )
    now = f"; the latest data are from {latest[-1]}" if latest else ""
    return (
        f"<p><strong>{html_text(page.plan.title)}</strong> for "
        f"{html_text(page.jurisdiction.display_name)}: {len(page.plan.actions)} strategic actions, "
        f"{total} indicators. Status: {html_text(', '.join(parts))}. {html_text(base + now)}.</p>"
    )


def attention(page: PlanView) -> list[str]:
    """What needs the coalition's attention, one line per indicator, most urgent first."""
    out = []
    for status in (WORSE, OFF_TRACK, ON_TRACK, MET, TOO_EARLY, NO_DATA):
        for r in page.results:
            if r.status != status:
                continue
            why = []
            if status == WORSE:
                why.append("worse than at the baseline")
            elif status == OFF_TRACK:
                why.append("off track for its target")
            if r.feasibility and r.feasibility.out_of_reach and status not in (ON_TRACK, MET):
                why.append("the target is out of reach at the historical pace")
            if why:
                out.append(f"{r.number}. {r.indicator.name}: {'; '.join(why)}.")
    gaps = [r for r in page.results if r.gaps]
    if gaps:
        out.append(
            f"{len(gaps)} indicator(s) cannot yet be tracked as planned (no source, no data "
            "or no breakdown): see Gaps in the data."
        )
    return out


def summary_section(page: PlanView) -> str:
    """The one-screen summary: status counts as bars, and what needs attention."""
    counts = status_counts(page.result)
    total = int(counts["indicators"].sum()) or 1
    bars = []
    for status, n in zip(counts["status"], counts["indicators"], strict=True):
        width = 100 * int(n) / total
        word = "with no data" if status == NO_DATA else status
        bars.append(
            f"<li><span class='mnb-bar-label'>{html_text(word)}</span>"
            f"<span class='mnb-bar-track'><span class='mnb-bar {STATUS_CLASSES[status]}' "
            f"style='width:{width:.0f}%'></span></span>"
            f"<span class='mnb-count'>{int(n)}</span></li>"
        )
    todo = attention(page)
    needs = (
        "<ul>" + "".join(f"<li>{html_text(x)}</li>" for x in todo) + "</ul>"
        if todo
        else "<p>Nothing: every indicator is met, on track or too early to tell.</p>"
    )
    return (
        '<section class="mnb-summary" data-mnb-summary aria-labelledby="mnb-summary-h">'
        '<h2 id="mnb-summary-h">Summary</h2>'
        + summary_html(page)
        + "<div class='mnb-cards'><div class='mnb-card'><h3>Indicators by status</h3>"
        "<ul class='mnb-bars'>" + "".join(bars) + "</ul></div>"
        "<div class='mnb-card bad'><h3>What needs attention</h3>" + needs + "</div></div>"
        f"<p class='mnb-key'>{html_text(KEY_TEXT)}</p></section>"
    )


def _show_summary(page: PlanView, recorder: Any = None) -> None:
    if recorder is not None:
        recorder.record("status_counts", status_counts(page.result))
    show_html(summary_section(page))


def _show_plan_table(page: PlanView, recorder: Any = None) -> None:
    if recorder is not None:
        from mobility_nb.plan.export import plan_frame

        recorder.record("measurement_plan", plan_frame(page.result))
    show_html(plan_table_html(page))


def targets_table(page: PlanView) -> pd.DataFrame:
    rows = []
    for r in page.results:
        if r.target is None:
            continue
        rows.append(
            {
                "No.": r.number,
                "Indicator": r.indicator.name,
                "How the target was set": r.target.text,
                "Required change a year": r.units.per_year(r.feasibility.required_per_year)
                if r.feasibility
                else formats.MISSING,
                "Historical trend a year": r.units.per_year(r.trend.slope)
                if r.trend
                else formats.MISSING,
                "At the historical pace": _pace(r),
            }
        )
    return pd.DataFrame(rows)


def _pace(r: IndicatorResult) -> str:
    """The feasibility verdict; on-track rows that looked out of reach point to the reason."""
    if r.feasibility is None:
        return formats.MISSING
    if r.feasibility.out_of_reach and r.status in (ON_TRACK, MET):
        return (
            f"{r.feasibility.verdict}, yet {r.status} since the baseline: the value has "
            "moved faster than the earlier trend"
        )
    return r.feasibility.verdict


def _a_year(text: str) -> str:
    return text if text == formats.MISSING else f"{text} a year"


def _show_targets(page: PlanView, recorder: Any = None) -> None:
    table = targets_table(page)
    if recorder is not None:
        recorder.record("targets", table)
    shown = pd.DataFrame(
        {
            "Indicator": [
                Html(f"{n}. {html_text(name)}")
                for n, name in zip(table.get("No.", []), table.get("Indicator", []), strict=True)
            ],
            "How the target was set": table.get("How the target was set", []),
            "Required change": [_a_year(x) for x in table.get("Required change a year", [])],
            "Historical trend": [_a_year(x) for x in table.get("Historical trend a year", [])],
            "At the historical pace": table.get("At the historical pace", []),
        }
    )
    flagged = [
        r
        for r in page.results
        if r.feasibility and r.feasibility.out_of_reach and r.status not in (ON_TRACK, MET)
    ]
    out = html_table(
        shown,
        caption="How each target was computed, and whether it is within reach",
        numeric=("Required change", "Historical trend"),
    )
    if flagged:
        names = "; ".join(f"{r.number}. {r.indicator.name}" for r in flagged)
        out += (
            f"<p><strong>Out of reach at the historical pace:</strong> "
            f"{html_text(names)}. These targets need a faster change than the data "
            "show so far: the plan should say what will change the trend.</p>"
        )
    show_html(out)


def progress_table(page: PlanView) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "No.": r.number,
                "Indicator": r.indicator.name,
                "Status": r.status,
                "Why": r.progress.detail,
            }
            for r in page.results
        ]
    )


def _show_progress(page: PlanView, recorder: Any = None) -> None:
    table = progress_table(page)
    if recorder is not None:
        recorder.record("progress", table)
    shown = pd.DataFrame(
        {
            "Indicator": [
                Html(f"{n}. {html_text(name)}")
                for n, name in zip(table["No."], table["Indicator"], strict=True)
            ],
            "Status": [_status_cell(s) for s in table["Status"]],
            "Why": table["Why"],
        }
    )
    out = html_table(shown, caption="Progress per indicator")
    if any(r.progress.on_bounds is False for r in page.results):
        out += (
            "<p>Indicators without published confidence intervals (local data and "
            "some metrics) are judged on their values as given: a change there may be "
            "within the data's own noise.</p>"
        )
    show_html(out + details("What each status means", definitions_html()))


def gaps_table(page: PlanView) -> pd.DataFrame:
    rows = [
        {"No.": r.number, "Indicator": r.indicator.name, "Gap": gap}
        for r in page.results
        for gap in r.gaps
    ]
    return pd.DataFrame(rows, columns=["No.", "Indicator", "Gap"])


def _show_gaps(page: PlanView, recorder: Any = None) -> None:
    table = gaps_table(page)
    if recorder is not None:
        recorder.record("data_gaps", table)
    if table.empty:
        show_html(
            "<p>No data gaps: every indicator has a data source, data for this "
            "jurisdiction and the planned breakdowns.</p>"
        )
        return
    shown = pd.DataFrame(
        {
            "Indicator": [
                Html(f"{n}. {html_text(name)}")
                for n, name in zip(table["No."], table["Indicator"], strict=True)
            ],
            "Gap": table["Gap"],
        }
    )
    show_html(
        html_table(
            shown,
            caption="Data gaps: indicators without a source, without data for this "
            "jurisdiction, or without the planned breakdowns",
        )
    )


# --- charts -------------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT = 3.8, 3.1  # inches: drawn for a phone, scaled up on a desktop


def indicator_chart(r: IndicatorResult, place: str) -> str | None:
    """Small chart: history (with 95% band), baseline, target and the straight path."""
    hist, b, t = r.history, r.baseline, r.target
    has_target = t is not None and t.value is not None
    if hist.empty:
        return None
    fig, ax = new_figure(CHART_WIDTH, CHART_HEIGHT)
    u = r.units
    years = hist["year"].to_numpy()
    ax.plot(
        years,
        hist["value"],
        color=PALETTE["focal"],
        marker="o",
        markersize=3.5,
        linewidth=1.6,
        label=literal(place) if len(place) < 22 else "Value",
    )
    if hist["lower"].notna().any():
        ax.fill_between(
            years,
            hist["lower"],
            hist["upper"],
            color=PALETTE["focal"],
            alpha=0.15,
            linewidth=0,
            label="95% confidence interval",
        )
    weak = hist[hist["quality"] == "Weak"]
    if not weak.empty:
        ax.plot(
            weak["year"],
            weak["value"],
            linestyle="none",
            marker="D",
            markerfacecolor="white",
            markeredgecolor="#6e6e6e",
            label="Weak data",
        )
    if b is not None:
        ax.plot(
            [b.year],
            [b.value],
            linestyle="none",
            marker="s",
            markersize=6,
            color="black",
            label=f"Baseline ({b.year})",
        )
    if has_target and t is not None and t.value is not None:
        if b is not None:
            ax.plot(
                [b.year, t.year],
                [b.value, t.value],
                linestyle="--",
                linewidth=1.2,
                color=PALETTE["compare"],
                label="Straight path to target",
            )
        ax.plot(
            [t.year],
            [t.value],
            linestyle="none",
            marker="*",
            markersize=11,
            color=PALETTE["accent"],
            label=f"Target ({t.year})",
        )
    ax.yaxis.set_major_formatter(_formatter(u.tick))
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.tick_params(labelsize=8)
    # Laid out by hand in inches: title lines on top, the legend in its own band below the
    # axes, so nothing is cut off at any width (no tight bounding box needed).
    title = textwrap.wrap(f"{r.number}. {r.indicator.name}", 44)
    if u.is_gap:
        title.append(f"Gap between the groups, in {unit_label(u)}")
    handles, labels = ax.get_legend_handles_labels()
    legend_rows = (len(labels) + 1) // 2
    top = 0.12 + 0.16 * len(title)
    bottom = 0.32 + 0.16 * legend_rows
    fig.subplots_adjust(
        left=0.62 / CHART_WIDTH,
        right=1 - 0.12 / CHART_WIDTH,
        top=1 - top / CHART_HEIGHT,
        bottom=bottom / CHART_HEIGHT,
    )
    for i, line in enumerate(title):
        fig.text(
            0.04 / CHART_WIDTH,
            1 - (0.06 + 0.16 * i) / CHART_HEIGHT,
            literal(line),
            fontsize=9 if i < len(title) - (1 if u.is_gap else 0) else 8,
            fontweight="bold" if not (u.is_gap and i == len(title) - 1) else "normal",
            va="top",
        )
    fig.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0.02, 0.01),
        ncol=2,
        fontsize=7.5,
        frameon=False,
        handlelength=1.6,
        columnspacing=1.0,
    )
    return figure_html(
        fig, chart_alt(r, place), f"{r.number}. {r.indicator.name}: {r.status}", tight=False
    )


def _formatter(fmt: Any) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: literal(fmt(v)))


def chart_alt(r: IndicatorResult, place: str) -> str:
    """Alt text that states what the chart shows, not just its title."""
    u, hist, b, c, t = r.units, r.history, r.baseline, r.current, r.target
    parts = [
        f"Line chart of {r.indicator.name}"
        + ("" if r.tracked == "Overall" else f" ({r.tracked})")
        + f" for {place}"
    ]
    if not hist.empty:
        parts[0] += f", {int(hist['year'].min())} to {int(hist['year'].max())}"
    if b is not None:
        parts.append(f"baseline {u.value(b.value)} in {b.year}")
    if t is not None and t.value is not None:
        parts.append(f"target {u.value(t.value)} by {t.year}")
    if c is not None and (b is None or c.year != b.year):
        parts.append(f"latest {u.value(c.value)} in {c.year}")
    parts.append(f"status: {r.status}")
    return "; ".join(parts) + "."


def _show_charts(page: PlanView, recorder: Any = None) -> None:
    figures = []
    place = page.jurisdiction.name
    history = []
    for r in page.results:
        chart = indicator_chart(r, place)
        if chart is None:
            target = ""
            if r.target is not None and r.target.value is not None:
                target = f" Target: {r.units.value(r.target.value)} by {r.target.year}."
            figures.append(
                f'<p class="mnb-nochart">{r.number}. '
                f"{html_text(r.indicator.name)}: no data to chart yet."
                f"{html_text(target)}</p>"
            )
            continue
        figures.append(chart)
        if not r.history.empty:
            frame = r.history.copy()
            frame.insert(0, "indicator", r.number)
            history.append(frame)
    if recorder is not None and history:
        recorder.record("indicator_history", pd.concat(history, ignore_index=True))
    show_html('<div class="mnb-grid mnb-rows">' + "".join(figures) + "</div>")


# --- provenance and export ------------------------------------------------------------------


def _record_sources(page: PlanView, recorder: Any) -> None:
    """Name every data file the page read (Mobility Metrics, subgroup, local files, plan)."""
    local: dict[str, set[int]] = {}  # the analyst's file -> the years read from it
    other: set[int] = set()  # Mobility Metrics and ACS files
    for r in page.results:
        years = {int(y) for y in r.history["year"]}
        source = r.indicator.source
        if source.kind == "local" and source.file:
            local.setdefault(str(Path(source.file).resolve()), set()).update(years)
        else:
            other |= years

    def span(years: set[int]) -> str:
        return formats.year_span(min(years), max(years)) if years else ""

    for path in page.result.files:
        if Path(path).is_file():
            key = str(Path(path).resolve())
            recorder.add_source(path, years=span(local.get(key, other)))
    if page.plan.path and Path(page.plan.path).is_file():
        recorder.add_source(page.plan.path)


def export(page: PlanView, artifacts_dir: str | os.PathLike[str] = "") -> list[Path]:
    """Write plan.csv and plan.xlsx into ``artifacts_dir`` (nothing without one)."""
    if not artifacts_dir:
        return []
    return export_plan(page.result, artifacts_dir)


def _show_export(paths: list[Path], folder: Path | None = None) -> None:
    """Say where the exported plan is: beside the published page, or in ``folder``."""
    if not paths:
        show_html(
            "<p>Published with <code>mobility-nb run</code>, the plan is exported beside "
            "this page as a CSV file and an Excel workbook.</p>"
        )
        return
    if folder is None:
        show_html(
            "<p>The full plan, with collection method, reporting cadence and audience, "
            "confidence bounds and notes, is published beside this page as a CSV file and an "
            "Excel workbook (links at the top of the page), ready to paste into the Mobility "
            "Action Plan. The workbook has the plan on its first sheet and notes on the "
            "second.</p>"
        )
        return
    names = " and ".join(f"<code>{html_text(p.name)}</code>" for p in paths)
    show_html(
        f"<p>The plan is exported as {names} (saved in "
        f"<code>{html_text(str(folder.resolve()))}</code>), ready to paste into the "
        "Mobility Action Plan. The Excel workbook has the full plan on its first sheet and "
        "notes on the second.</p>"
    )


def definitions_html() -> str:
    """Status and target-rule definitions, printed once on the page."""
    rows = pd.DataFrame(
        [
            (MET, "The latest value is at or beyond the target."),
            (
                ON_TRACK,
                "The latest value's whole 95% confidence interval is at or past the "
                "straight path from baseline to target (the value the path expects in "
                "the latest year).",
            ),
            (
                OFF_TRACK,
                "The latest value's whole 95% confidence interval falls short of that path.",
            ),
            (
                TOO_EARLY,
                "The interval includes the path value, so the data cannot tell ahead "
                "from behind; or there is no value newer than the baseline, no target, "
                "or a value Urban rates Weak (no verdict).",
            ),
            (
                WORSE,
                "The value moved away from the target by more than chance explains: a "
                "z-test on standard errors from the published 95% bounds, |z| > 1.96. "
                "Overlapping intervals alone do not mean no change.",
            ),
            (NO_DATA, "No baseline value for this place yet."),
        ],
        columns=["Status", "Meaning"],
    )
    return html_table(rows, caption="What each status means")


class Step8Page(StepPage):
    """The Step 8 page: the measurement plan with baselines, targets, progress and data gaps."""

    step = "step8"
    title_prefix = "Measurement plan"

    def __init__(
        self,
        jurisdiction: str,
        *,
        data_dir: str = "",
        artifacts_dir: str | None = None,
        plan_file: str = "",
        plan: Mapping[str, Any] | None = None,
        current_year: int = 0,
        params: Mapping[str, Any] | None = None,
        sources: Sources | None = None,
        view: PlanView | None = None,
    ) -> None:
        """Read and assess the plan for ``jurisdiction`` (or show an assessed ``view``)."""
        self.view = view or load_page(
            jurisdiction,
            data_dir=data_dir,
            plan_file=plan_file,
            plan=plan,
            current_year=current_year,
            sources=sources,
        )
        self.artifacts_dir = artifacts_dir or ""
        self._start(
            self.view.jurisdiction.geoid,
            data_dir=data_dir,
            artifacts_dir=artifacts_dir,
            params=params,
        )

    def resolve_place(self, jurisdiction: str, level: str | None) -> Any:
        return self.view.jurisdiction  # resolved once, while the plan was read

    def recorded_params(self) -> dict[str, Any]:
        """The plan is named by its file name (its path is private to the machine)."""
        shown = super().recorded_params()
        shown.pop("plan", None)
        shown["plan_file"] = self.view.plan_name
        return shown

    def record_sources(self) -> None:
        _record_sources(self.view, self.recorder)

    def reader_settings(self) -> list[tuple[str, str]]:
        year = self.view.result.current_year
        return [
            *super().reader_settings(),
            ("Plan", f"{self.view.plan.title} ({self.view.plan_name})"),
            ("Progress judged on", f"data up to {year}" if year else "the latest data"),
        ]

    def show_header(self) -> None:
        """The page title and one line naming the plan."""
        plan = self.view.plan
        indicators = len(self.view.results)
        show_html(
            f"<h1>Measurement plan: {html_text(self.place.display_name)}</h1>"
            f"<p class='mnb-meta'>{html_text(plan.title)} · {len(plan.actions)} strategic "
            f"actions · {indicators} indicators</p>"
        )

    def show_summary(self) -> None:
        """What the plan holds, how its indicators stand and what needs attention."""
        self.record_sources()
        _show_summary(self.view, self.recorder)

    def show_plan_table(self) -> None:
        _show_plan_table(self.view, self.recorder)

    def show_targets(self) -> None:
        _show_targets(self.view, self.recorder)

    def show_charts(self) -> None:
        _show_charts(self.view, self.recorder)

    def show_progress(self) -> None:
        _show_progress(self.view, self.recorder)

    def show_gaps(self) -> None:
        _show_gaps(self.view, self.recorder)

    def show_export(self) -> None:
        """Write plan.csv / plan.xlsx for the runner to publish (or, run by hand, into
        the export folder as ``<stem>.plan.*``), and say where they are."""
        if not self.interactive:
            _show_export(export(self.view, self.artifacts_dir))
            return
        folder = self.export_dir()
        try:
            self._plan_files = export_plan(self.view.result, folder, self.stem)
        except OSError as exc:
            show_html(
                f"<p><strong>The plan was not exported:</strong> cannot write to "
                f"<code>{html_text(str(folder))}</code> "
                f"({html_text(exc.strerror or str(exc))}).</p>"
            )
            return
        _show_export(self._plan_files, folder)

    def exported(self) -> list[Path]:
        return list(getattr(self, "_plan_files", []))

    def run_command(self) -> str:
        if self.view.plan.path:
            where = self.place.geoid
            return f"mobility-nb run step8 --jurisdiction {where} --plan {self.view.plan_name}"
        return super().run_command()
