"""The Step 8 page: the measurement plan with baselines, targets, progress and data gaps.

The notebook stays thin: it calls :func:`load_page` once and then one ``show_*`` function
per section. Every number shown passes through the page's :class:`PageRecorder`, and the
plan is exported as ``plan.csv`` / ``plan.xlsx`` into the artifacts folder, which the
runner publishes beside the HTML page.
"""

from __future__ import annotations

import html
import os
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mobility_nb.config import examples_dir, project_dirs
from mobility_nb.plan import PlanError, assess_plan, export_plan, load_plan, status_counts
from mobility_nb.plan.assess import IndicatorResult, PlanResult, disaggregation_text
from mobility_nb.plan.progress import MET, NO_DATA, OFF_TRACK, ON_TRACK, TOO_EARLY, WORSE
from mobility_nb.plan.schema import Plan
from mobility_nb.plan.sources import MetricsSource, Sources
from mobility_nb.render.figures import PALETTE, figure_html, new_figure
from mobility_nb.render.mpl_text import literal
from mobility_nb.render.tables import html_table, show_html, show_table
from mobility_nb.steps.base import StepPage

STEP = "step8"
PLAN_GLOB = "step8_*.yaml"
STATUS_COLOURS = {
    MET: PALETTE["good"],
    ON_TRACK: PALETTE["neutral"],
    OFF_TRACK: PALETTE["compare"],
    TOO_EARLY: PALETTE["national"],
    WORSE: PALETTE["bad"],
    NO_DATA: PALETTE["weak"],
}


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
    return f"{text} ({year})" if text and year else (text or "—")


def plan_table(page: PlanView) -> pd.DataFrame:
    """The plan as shown on the page (the export has every column)."""
    rows = []
    for r in page.results:
        ind, b, c, t = r.indicator, r.baseline, r.current, r.target
        rows.append(
            {
                "No.": r.number,
                "Strategic action": r.action.name,
                "Indicator": ind.name if r.tracked == "Overall" else f"{ind.name} ({r.tracked})",
                "Data source": r.source_text,
                "Baseline": _with_year(r.units.value(b.value), b.year) if b else "—",
                "Target": _with_year(r.units.value(t.value), t.year)
                + (" — not beyond the baseline: see targets" if t.warning else "")
                if t and t.value is not None
                else "—",
                "Current": _with_year(r.units.value(c.value), c.year) if c else "—",
                "Status": r.status,
                "Responsible": ind.responsible,
                "Frequency": ind.frequency.replace("_", " "),
                "Disaggregation": disaggregation_text(ind.disaggregation) or "none",
            }
        )
    return pd.DataFrame(rows)


def summary_html(page: PlanView) -> str:
    counts = status_counts(page.result)
    total = int(counts["indicators"].sum())
    parts = [
        f"{n} {'with no data' if s == NO_DATA else s}"
        for s, n in zip(counts["status"], counts["indicators"], strict=True)
        if n
    ]
    years = sorted({r.baseline.year for r in page.results if r.baseline})
    latest = sorted({r.current.year for r in page.results if r.current})
    esc = html.escape
    base = (
        f"Baselines are from {years[0]}-{years[-1]}"
        if len(years) > 1
        else f"Baselines are from {years[0]}"
        if years
        else "No indicator has a baseline yet"
    )
    now = f"; the latest data are from {latest[-1]}" if latest else ""
    return (
        f"<p><strong>{esc(page.plan.title)}</strong> for "
        f"{esc(page.jurisdiction.display_name)}: {len(page.plan.actions)} strategic actions, "
        f"{total} indicators. Status: {esc(', '.join(parts))}. {esc(base + now)}.</p>"
    )


def _show_summary(page: PlanView, recorder: Any = None) -> None:
    if recorder is not None:
        recorder.record("status_counts", status_counts(page.result))
    show_html(summary_html(page))


def _show_plan_table(page: PlanView, recorder: Any = None) -> None:
    table = plan_table(page)
    if recorder is not None:
        from mobility_nb.plan.export import plan_frame

        recorder.record("measurement_plan", plan_frame(page.result))
    classes = [
        "weak" if r.baseline is not None and r.baseline.quality == "Weak" else ""
        for r in page.results
    ]
    show_table(
        table, caption=f"Measurement plan for {page.jurisdiction.display_name}", row_classes=classes
    )


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
                else "—",
                "Historical trend a year": r.units.per_year(r.trend.slope) if r.trend else "—",
                "At the historical pace": _pace(r),
            }
        )
    return pd.DataFrame(rows)


def _pace(r: IndicatorResult) -> str:
    """The feasibility verdict; on-track rows that looked out of reach point to the reason."""
    if r.feasibility is None:
        return "—"
    if r.feasibility.out_of_reach and r.status in (ON_TRACK, MET):
        return (
            f"{r.feasibility.verdict}, yet {r.status} since the baseline: the value has "
            "moved faster than the earlier trend"
        )
    return r.feasibility.verdict


def _show_targets(page: PlanView, recorder: Any = None) -> None:
    table = targets_table(page)
    if recorder is not None:
        recorder.record("targets", table)
    flagged = [
        r
        for r in page.results
        if r.feasibility and r.feasibility.out_of_reach and r.status not in (ON_TRACK, MET)
    ]
    show_table(table, caption="How each target was computed, and whether it is within reach")
    if flagged:
        names = "; ".join(f"{r.number}. {r.indicator.name}" for r in flagged)
        show_html(
            f"<p><strong>Out of reach at the historical pace:</strong> "
            f"{html.escape(names)}. These targets need a faster change than the data "
            "show so far: the plan should say what will change the trend.</p>"
        )


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
    counts = status_counts(page.result)
    table = progress_table(page)
    if recorder is not None:
        recorder.record("progress", table)
    show_html(_status_bar(counts))
    show_table(table, caption="Progress per indicator")
    if any(r.progress.on_bounds is False for r in page.results):
        show_html(
            "<p>Indicators without published confidence intervals (local data and "
            "some metrics) are judged on their values as given: a change there may be "
            "within the data's own noise.</p>"
        )


def _status_bar(counts: pd.DataFrame) -> str:
    fig, ax = new_figure(6.5, 1.9)
    labels = list(counts["status"])[::-1]
    values = list(counts["indicators"])[::-1]
    ax.barh(labels, values, color=[STATUS_COLOURS[s] for s in labels])
    for y, v in enumerate(values):
        ax.text(v + 0.05, y, str(v), va="center", fontsize=8)
    ax.set_xlabel("Indicators")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", visible=False)
    alt = (
        "Bar chart of indicators by status: "
        + ", ".join(f"{n} {s}" for s, n in zip(counts["status"], counts["indicators"], strict=True))
        + "."
    )
    return figure_html(fig, alt, "Indicators by progress status")


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
    show_table(
        table,
        caption="Data gaps: indicators without a source, without data for this "
        "jurisdiction, or without the planned breakdowns",
    )


# --- charts -------------------------------------------------------------------------------


def indicator_chart(r: IndicatorResult, place: str) -> str | None:
    """Small chart: history (with 95% band), baseline, target and the straight path."""
    hist, b, t = r.history, r.baseline, r.target
    has_target = t is not None and t.value is not None
    if hist.empty:
        return None
    fig, ax = new_figure(4.6, 2.7)
    u = r.units
    if not hist.empty:
        years = hist["year"].to_numpy()
        ax.plot(
            years,
            hist["value"],
            color=PALETTE["focal"],
            marker="o",
            markersize=3.5,
            linewidth=1.6,
            label=literal(place) if len(place) < 30 else "Value",
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
                marker="o",
                markerfacecolor="white",
                markeredgecolor=PALETTE["weak"],
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
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(
        literal("\n".join(textwrap.wrap(f"{r.number}. {r.indicator.name}", 48))), loc="left"
    )
    if u.is_gap:
        ax.set_ylabel("Gap", fontsize=8)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    return figure_html(fig, chart_alt(r, place), f"{r.number}. {r.indicator.name}: {r.status}")


def _formatter(fmt: Any) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: fmt(v))


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
                f"{html.escape(r.indicator.name)}: no data to chart yet."
                f"{html.escape(target)}</p>"
            )
            continue
        figures.append(chart)
        if not r.history.empty:
            frame = r.history.copy()
            frame.insert(0, "indicator", r.number)
            history.append(frame)
    if recorder is not None and history:
        recorder.record("indicator_history", pd.concat(history, ignore_index=True))
    show_html(
        '<div class="mnb-grid" style="display:flex;flex-wrap:wrap;gap:12px">'
        + "".join(figures)
        + "</div>"
    )


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
        return f"{min(years)}-{max(years)}" if years else ""

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
            "<p>Run this page with <code>mobility-nb run</code> to publish the plan as "
            "a CSV file and an Excel workbook beside it.</p>"
        )
        return
    names = " and ".join(f"<code>{html.escape(p.name)}</code>" for p in paths)
    where = (
        f"saved in <code>{html.escape(str(folder.resolve()))}</code>"
        if folder is not None
        else "published beside this page, named after it"
    )
    show_html(
        f"<p>The plan is exported as {names} ({where}), ready to paste into the Mobility "
        "Action Plan. The Excel workbook has the full plan on its first sheet and notes "
        "on the second.</p>"
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

    def show_summary(self) -> None:
        """What the plan holds and how its indicators stand."""
        self.record_sources()
        _show_summary(self.view, self.recorder)

    def show_plan_table(self) -> None:
        _show_plan_table(self.view, self.recorder)

    def show_targets(self) -> None:
        _show_targets(self.view, self.recorder)

    def show_charts(self) -> None:
        _show_charts(self.view, self.recorder)

    def show_progress(self) -> None:
        show_html(definitions_html())
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
                f"<code>{html.escape(str(folder))}</code> "
                f"({html.escape(exc.strerror or str(exc))}).</p>"
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
