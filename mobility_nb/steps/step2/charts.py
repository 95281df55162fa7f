"""Step 2 charts: standing by pillar, change over time and subgroup gaps.

Each function returns ``(figure, alt_text)`` (or a list of them); alt text states the
chart's main finding in words, so a screen-reader user gets the same message as a sighted
reader. Charts are drawn for a phone: about 4.3 inches (410 CSS px) wide with 7.5–9 pt
text, so at 390 px the text stays about 9 px or larger, and a desktop page shows them up to
1.4 times larger (SVG stays sharp). Labels are wrapped in full, never cut; dots at 0 and
100 sit inside the plot; Weak data have their own marker and legend entry.

Every chart is laid out by hand on one full-figure axes whose data units are inches: real
Axes with tick locators cost several times more to build and draw, and a national batch
draws thousands of these.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mobility_nb.claims.ranking import percent_text
from mobility_nb.data import catalog
from mobility_nb.data.records import records
from mobility_nb.render import formats
from mobility_nb.render.figures import PALETTE, InchAxes, inch_canvas, text_width
from mobility_nb.render.mpl_text import literal

MAX_TREND_PANELS = 4
MAX_GAP_PANELS = 6
WEAK_EDGE = "#6e6e6e"  # Weak markers: hollow grey diamonds (3:1 against white)

CHART_WIDTH = 3.9  # inches: 374 CSS px, so a 390 px phone shows it at nearly full size
_LINE = 0.14  # inches per line of 8 pt text
_ROW_PAD = 0.1


def _wrap(text: str, width: int, max_lines: int = 3) -> list[str]:
    """``text`` in lines of at most ``width`` characters, every word kept."""
    lines = textwrap.wrap(str(text), width, break_long_words=False) or [""]
    if len(lines) > max_lines:  # very long: allow longer lines rather than cut words
        lines = textwrap.wrap(str(text), int(len(text) / max_lines) + 2, break_long_words=False)
    return lines


def _canvas(width: float, height: float) -> tuple[Figure, InchAxes]:
    """A bare figure and a drawing surface in inches (origin bottom left)."""
    return inch_canvas(width, height)


def _places(level: str) -> str:
    return "counties" if level == "county" else "cities"


# --- standing, one chart per pillar --------------------------------------------------------------

_LABEL_WIDTH = 1.72  # inches for the metric labels
_LABEL_CHARS = 27
_TEXT = 8  # pt: labels, ticks and legends


def standing_charts(
    table: pd.DataFrame, name: str, level: str, state: str = "its state"
) -> list[tuple[Figure, str, str]]:
    """One dot chart per pillar: 'better than X% of US places', nationally and in-state.

    Returns ``(figure, alt, pillar)`` for every pillar with a ranked metric. Only metrics
    with a rank are drawn (directional, not crime data, not tied at an extreme).
    """
    drawn = ["pillar", "label", "quality", "national_better", "state_better"]
    ranked = table.loc[table["national_better"].notna(), drawn]  # not every standing column
    out = []
    for pillar in catalog.PILLARS:
        rows = ranked[ranked["pillar"] == pillar].sort_values("national_better", ascending=False)
        if len(rows):
            out.append((*_pillar_chart(rows, pillar, name, level, state), pillar))
    return out


def _pillar_chart(
    rows: pd.DataFrame, pillar: str, name: str, level: str, state: str
) -> tuple[Figure, str]:
    labels = [_wrap(lbl, _LABEL_CHARS) for lbl in rows["label"]]
    heights = [len(lines) * _LINE + _ROW_PAD for lines in labels]
    title = _wrap(pillar, 40, 2)
    weak = (rows["quality"] == "Weak").to_numpy()
    has_state = rows["state_better"].notna().any()
    head = 0.2 + len(title) * 0.16 + 0.22  # title, legend
    foot = 0.5  # tick labels and axis title
    height = head + sum(heights) + foot
    width = CHART_WIDTH
    fig, ax = _canvas(width, height)
    x0, x1 = _LABEL_WIDTH + 0.12, width - 0.12
    pad = 0.07  # keeps dots at 0 and 100 whole

    def px(v):
        return x0 + pad + (x1 - x0 - 2 * pad) * np.asarray(v, dtype=float) / 100

    top = height - 0.12
    for i, line in enumerate(title):
        ax.text(0.04, top - i * 0.16, line, fontsize=9, fontweight="bold", va="top")
    legend_y = top - len(title) * 0.16 - 0.12
    _standing_legend(ax, legend_y, level, state if has_state else "", bool(weak.any()))
    plot_top = height - head
    plot_bottom = foot
    for t in (0, 25, 50, 75, 100):
        ax.plot(
            [px(t)] * 2,
            [plot_bottom, plot_top],
            color=PALETTE["national"] if t == 50 else "#e3e3e3",
            lw=0.9 if t == 50 else 0.6,
            ls="--" if t == 50 else "-",
            zorder=1,
        )
        ax.text(px(t), plot_bottom - 0.05, str(t), ha="center", va="top", fontsize=_TEXT)
    ax.text(
        x1,
        0.06,
        f"better than % of {_places(level)}",
        ha="right",
        va="bottom",
        fontsize=_TEXT,
    )
    y = plot_top
    centres = []
    for lines, h in zip(labels, heights, strict=True):
        centre = y - h / 2
        centres.append(centre)
        ax.text(
            _LABEL_WIDTH,
            centre,
            literal("\n".join(lines)),
            ha="right",
            va="center",
            fontsize=_TEXT,
            linespacing=1.05,
        )
        y -= h
    ys = np.array(centres)
    national = rows["national_better"].to_numpy(dtype=float)
    in_state = rows["state_better"].to_numpy(dtype=float)
    ok = ~np.isnan(in_state)
    ax.scatter(
        px(in_state[ok]),
        ys[ok],
        marker="o",
        facecolors="none",
        edgecolors=PALETTE["compare"],
        linewidths=1.2,
        s=30,
        zorder=3,
        clip_on=False,
    )
    ax.scatter(
        px(national[~weak]), ys[~weak], color=PALETTE["focal"], s=30, zorder=4, clip_on=False
    )
    if weak.any():
        ax.scatter(
            px(national[weak]),
            ys[weak],
            marker="D",
            facecolors="white",
            edgecolors=WEAK_EDGE,
            linewidths=1.2,
            s=26,
            zorder=4,
            clip_on=False,
        )
    best, worst = rows.iloc[0], rows.iloc[-1]
    alt = (
        f"Dot chart, {pillar}: where {name} ranks on {len(rows)} metric"
        f"{'s' if len(rows) != 1 else ''} against all US {_places(level)}"
        + (f" and within {state}" if has_state else "")
        + f". Best: {best['label']}, better than {percent_text(best['national_better'])} of US "
        f"{_places(level)}."
        + (
            f" Weakest: {worst['label']}, better than {percent_text(worst['national_better'])}."
            if len(rows) > 1
            else ""
        )
        + (f" {int(weak.sum())} flagged Weak, drawn as hollow diamonds." if weak.any() else "")
    )
    return fig, alt


def _standing_legend(ax, y: float, level: str, state: str, weak: bool) -> None:
    """One legend line: the markers and what they mean (only those drawn)."""
    x = 0.1
    items = [("o", PALETTE["focal"], PALETTE["focal"], f"US {_places(level)}")]
    if state:
        items.append(("o", "none", PALETTE["compare"], f"{state} {_places(level)}"))
    if weak:
        items.append(("D", "white", WEAK_EDGE, "Weak data"))
    for marker, face, edge, text in items:
        ax.scatter([x], [y], marker=marker, facecolors=face, edgecolors=edge, s=24, lw=1.2)
        ax.text(x + 0.09, y, text, va="center", fontsize=_TEXT)
        x += 0.25 + 0.06 * len(text)


# --- change over time, one small chart per metric ------------------------------------------------

_TREND_W, _TREND_H = 3.3, 2.0
_T_LEFT, _T_RIGHT = 0.7, 0.15
_T_BOTTOM = 0.42  # year labels and legend
_T_TITLE = 0.36


def _panel_range(values: np.ndarray) -> tuple[float, float, np.ndarray]:
    """A padded value range and up to four round tick values inside it."""
    finite = values[np.isfinite(values)]
    low, high = float(finite.min()), float(finite.max())
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    ticks = MaxNLocator(3).tick_values(low, high)
    return low, high, ticks[(ticks >= low) & (ticks <= high)]


def trend_charts(series: pd.DataFrame, trends: pd.DataFrame, name: str) -> list[tuple[Figure, str]]:
    """Small line charts of the metrics with the longest history (bands where published)."""
    if trends.empty:
        return []
    ordered = trends.sort_values("years", ascending=False, kind="stable")
    predictors = ordered["metric"].map(lambda x: catalog.get_metric(x).predictor)
    first = ordered[~predictors.duplicated()]  # one per predictor first, then the rest
    picked = pd.concat([first, ordered[predictors.duplicated()]]).head(MAX_TREND_PANELS)
    chosen = trends[trends["metric"].isin(picked["metric"])]
    by_metric = dict(tuple(series.groupby("metric", observed=True, sort=False)))
    out = []
    for r in records(chosen):
        m = catalog.get_metric(r["metric"])
        out.append(_trend_chart(by_metric[r["metric"]], m, r, name))
    return out


def trend_chart(series: pd.DataFrame, trends: pd.DataFrame, name: str):
    """The first of :func:`trend_charts` (kept for callers wanting one chart), or None."""
    made = trend_charts(series, trends, name)
    return made[0] if made else None


def _trend_chart(s: pd.DataFrame, m: catalog.Metric, r: dict, name: str) -> tuple[Figure, str]:
    s = s.sort_values("year")
    years = s["year"].to_numpy(float)
    values = s["value"].to_numpy(float)
    lower, upper = s["lower"].to_numpy(float), s["upper"].to_numpy(float)
    weak = (s["quality"].astype(object) == "Weak").to_numpy()
    band = np.isfinite(lower) & np.isfinite(upper)
    low, high, ticks = _panel_range(np.concatenate([values, lower[band], upper[band]]))
    title = _wrap(m.label, 44, 2)
    fig, ax = _canvas(_TREND_W, _TREND_H)
    x0, x1 = _T_LEFT, _TREND_W - _T_RIGHT
    y0, y1 = _T_BOTTOM, _TREND_H - _T_TITLE - (0.12 if len(title) > 1 else 0)
    first, last = years.min(), years.max()
    span = (last - first) or 1.0

    def px(v):
        return x0 + (x1 - x0) * (0.05 + 0.9 * (np.asarray(v) - first) / span)

    def py(v):
        return y0 + (y1 - y0) * (np.asarray(v) - low) / (high - low)

    for i, line in enumerate(title):
        ax.text(
            0.04, _TREND_H - 0.06 - i * 0.15, literal(line), fontsize=8, fontweight="bold", va="top"
        )
    ax.hlines(py(ticks), x0, x1, color="#e5e5e5", lw=0.6, zorder=1)
    for t in ticks:
        ax.text(x0 - 0.05, py(t), literal(m.format(t)), ha="right", va="center", fontsize=_TEXT)
    ax.plot([x0, x0, x1], [y1, y0, y0], color="#333333", lw=0.8)
    for yr in sorted({first, last}):
        ax.plot([px(yr)] * 2, [y0, y0 - 0.04], color="#333333", lw=0.8)
        ax.text(px(yr), y0 - 0.06, str(int(yr)), ha="center", va="top", fontsize=_TEXT)
    if band.any():
        ax.fill_between(
            px(years[band]),
            py(lower[band]),
            py(upper[band]),
            color=PALETTE["neutral"],
            alpha=0.35,
            lw=0,
            zorder=2,
        )
    ax.plot(px(years), py(values), color=PALETTE["focal"], lw=1.5, zorder=3)
    ax.scatter(px(years[~weak]), py(values[~weak]), color=PALETTE["focal"], s=12, zorder=4)
    if weak.any():
        ax.scatter(
            px(years[weak]),
            py(values[weak]),
            marker="D",
            facecolors="white",
            edgecolors=WEAK_EDGE,
            lw=1.1,
            s=16,
            zorder=5,
        )
    legend = []
    if band.any():
        legend.append("shaded: 95% bounds")
    if weak.any():
        legend.append("diamond: Weak data")
    if legend:
        ax.text(x1, 0.02, "; ".join(legend), ha="right", va="bottom", fontsize=7.5, color="#444444")
    verdict = r.get("verdict") or ""
    change = formats.metric_change(m, r.get("change"))
    alt = (
        f"Line chart of {m.label} for {name}, {int(first)} to {int(last)}: "
        f"{m.format(values[0])} to {m.format(values[-1])} ({change})"
        + (
            f", {verdict} by more than the margin of error"
            if verdict in ("improved", "worsened")
            else ""
        )
        + "."
        + (" Shaded band: 95% confidence bounds." if band.any() else "")
        + (
            f" {int(weak.sum())} year(s) flagged Weak, drawn as hollow diamonds."
            if weak.any()
            else ""
        )
    )
    return fig, alt


# --- gaps between groups -------------------------------------------------------------------------

_GAP_LABEL_WIDTH = 1.62
_GAP_LABEL_CHARS = 27


def gap_chart(
    gaps: pd.DataFrame, details: dict[int, pd.DataFrame], name: str
) -> tuple[Figure, str] | None:
    """One row per widest gap: every group's value as a share of the overall value (=100)."""
    if gaps.empty:
        return None
    top = gaps.head(MAX_GAP_PANELS)
    rows = []
    for i, g in zip(top.index, records(top), strict=True):
        m = catalog.get_metric(g["metric"])
        by = f"by {g['subgroup_type']} ({g['year']})"
        label = [*_wrap(m.label, _GAP_LABEL_CHARS, 3), by]
        d = details[i].dropna(subset=["value"])
        base = g["overall"] if pd.notna(g["overall"]) and g["overall"] else d["value"].mean()
        rel = None
        if len(d) and base and not np.isnan(base):
            rel = d["value"].to_numpy(dtype=float) / base * 100
        rows.append((label, d, rel))
    finite = [r for _, _, r in rows if r is not None]
    if not finite:
        lo_x, hi_x = 50.0, 150.0
    else:
        values = np.concatenate(finite)
        lo_x, hi_x = min(values.min(), 100.0), max(values.max(), 100.0)
        pad = max((hi_x - lo_x) * 0.08, 2.0)
        lo_x, hi_x = lo_x - pad, hi_x + pad
    heights = [max(len(label), 3) * _LINE + 0.16 for label, _, _ in rows]
    has_weak = any(r is not None and (d["quality"] == "Weak").any() for _, d, r in rows)
    head = 0.34
    foot = 0.55
    height = head + sum(heights) + foot
    width = CHART_WIDTH
    fig, ax = _canvas(width, height)
    x0, x1 = _GAP_LABEL_WIDTH + 0.15, width - 0.1

    def px(v):
        return x0 + (x1 - x0) * (np.asarray(v, dtype=float) - lo_x) / (hi_x - lo_x)

    ax.text(
        0.04, height - 0.06, "Widest gaps between groups", fontsize=9, fontweight="bold", va="top"
    )
    plot_top, plot_bottom = height - head, foot
    ticks = MaxNLocator(5).tick_values(lo_x, hi_x)
    ticks = ticks[(ticks >= lo_x) & (ticks <= hi_x)]
    for t in ticks:
        ax.plot([px(t)] * 2, [plot_bottom, plot_top], color="#e3e3e3", lw=0.6, zorder=1)
        ax.text(px(t), plot_bottom - 0.05, f"{t:g}", ha="center", va="top", fontsize=_TEXT)
    ax.plot([px(100)] * 2, [plot_bottom, plot_top], color=PALETTE["national"], lw=1, ls="--")
    ax.text(x1, 0.06, "% of the overall value (dashed)", ha="right", va="bottom", fontsize=_TEXT)
    y = plot_top
    for (label, d, rel), h in zip(rows, heights, strict=True):
        centre = y - h / 2
        ax.text(
            _GAP_LABEL_WIDTH,
            centre,
            literal("\n".join(label)),
            ha="right",
            va="center",
            fontsize=_TEXT,
            linespacing=1.05,
        )
        if rel is not None:
            dot_y = centre - 0.06
            ax.plot([px(rel.min()), px(rel.max())], [dot_y] * 2, color="#cccccc", lw=3, zorder=2)
            weak = (d["quality"] == "Weak").to_numpy()
            ax.scatter(
                px(rel[~weak]),
                [dot_y] * int((~weak).sum()),
                s=28,
                color=PALETTE["focal"],
                zorder=3,
                clip_on=False,
            )
            if weak.any():
                ax.scatter(
                    px(rel[weak]),
                    [dot_y] * int(weak.sum()),
                    marker="D",
                    s=24,
                    facecolors="white",
                    edgecolors=WEAK_EDGE,
                    lw=1.1,
                    zorder=3,
                    clip_on=False,
                )
            names = d["subgroup"].to_numpy(dtype=object)
            _name_ends(ax, px, rel, names, dot_y + 0.07, x0, x1)
        else:
            ax.text(
                x0 + 0.05,
                centre,
                "every group is zero or missing",
                fontsize=_TEXT,
                va="center",
                color="#444444",
            )
        y -= h
    if has_weak:
        ax.scatter(
            [x1 - 0.9],
            [height - 0.2],
            marker="D",
            facecolors="white",
            edgecolors=WEAK_EDGE,
            s=22,
            lw=1.1,
        )
        ax.text(x1 - 0.82, height - 0.2, "Weak data", fontsize=_TEXT, va="center")
    first = top.iloc[0]
    m0 = catalog.get_metric(first["metric"])
    alt = (
        f"Dot chart of the {len(rows)} widest gaps between groups in {name}, each group's value "
        f"as a percent of the overall value. Widest: {m0.label} ({first['year']}), "
        f"{m0.format(first['best_value'])} for {first['best_group']} versus "
        f"{m0.format(first['worst_value'])} for {first['worst_group']}."
        + (" Groups flagged Weak are hollow diamonds." if has_weak else "")
    )
    return fig, alt


def _name_ends(ax, px, rel, names, y: float, x0: float, x1: float) -> None:
    """Name the lowest and highest group above their dots without the names touching.

    Far apart, each name is centred on its dot (kept inside the plot); close together, the
    names hang outwards from the dots; when the low name would then run into the row labels
    it goes under the dots instead.
    """
    lo_i, hi_i = int(np.argmin(rel)), int(np.argmax(rel))
    low_name, high_name = str(names[lo_i]), str(names[hi_i])
    a, b = float(px(rel[lo_i])), float(px(rel[hi_i]))
    wa, wb = text_width(low_name, 7.2), text_width(high_name, 7.2)

    def put(x: float, text: str, ha: str, dy: float = 0.0) -> None:
        ax.text(x, y + dy, literal(text), ha=ha, va="bottom", fontsize=7.2)

    def centred(x: float, w: float, text: str) -> None:
        if x - w / 2 < x0:
            put(x0, text, "left")
        elif x + w / 2 > x1:
            put(x1, text, "right")
        else:
            put(x, text, "center")

    if lo_i == hi_i:
        centred(a, wa, low_name)
        return
    left_end = max(a - wa / 2, x0) + wa
    right_start = min(b + wb / 2, x1) - wb
    if left_end + 0.08 <= right_start:
        centred(a, wa, low_name)
        centred(b, wb, high_name)
        return
    # Close together: hang outwards from the dots, held inside the plot.
    high_left = min(b + 0.03, x1 - wb)
    low_right = max(a - 0.03, x0 - 0.15 + wa)
    if low_right + 0.05 > high_left:  # still touching: the low name goes under the dots
        put(high_left, high_name, "left")
        put(max(min(a - wa / 2, x1 - wa), x0), low_name, "left", dy=-0.3)
        return
    put(high_left, high_name, "left")
    put(low_right, low_name, "right")
