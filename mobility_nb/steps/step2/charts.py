"""Step 2 charts: national standing, change over time and subgroup gaps.

Each function returns ``(figure, alt_text)``; alt text states the chart's main finding in
words, so a screen-reader user gets the same message as a sighted reader.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory

from mobility_nb.claims.ranking import percent_text
from mobility_nb.data import catalog
from mobility_nb.render.figures import PALETTE, new_figure

MAX_TREND_PANELS = 4
MAX_GAP_PANELS = 6


def _short(text: str, width: int = 34) -> str:
    return textwrap.shorten(text, width=width, placeholder="…")


def _row_labels(ax, labels: list[str], fontsize: float = 7.5) -> None:
    """Category labels drawn as plain text: tick objects cost ~5 ms each to lay out."""
    ax.set_yticks([])
    ax.tick_params(axis="y", length=0)
    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for y, label in enumerate(labels):
        ax.text(-0.015, y, label, transform=trans, ha="right", va="center", fontsize=fontsize)


def _panel_title(ax, text: str, fontsize: float = 8) -> None:
    """A title as plain text (``set_title`` re-measures every axis to place itself)."""
    ax.annotate(
        text,
        (0, 1),
        xycoords="axes fraction",
        xytext=(0, 5),
        textcoords="offset points",
        fontsize=fontsize,
        fontweight="bold",
        va="bottom",
    )


def standing_chart(table: pd.DataFrame, name: str, level: str) -> tuple[Figure, str] | None:
    """Dots: 'better than X% of US places' per metric, national and in-state, by pillar."""
    ranked = table[table["national_better"].notna()].copy()
    if ranked.empty:
        return None
    order = {p: i for i, p in enumerate(catalog.PILLARS)}
    ranked["_p"] = ranked["pillar"].map(order)
    ranked = ranked.sort_values(["_p", "national_better"], ascending=[False, True])
    n = len(ranked)
    height = 0.24 * n + 1.2
    fig, ax = new_figure(7.2, height)
    fig.subplots_adjust(left=0.4, right=0.97, top=1 - 0.35 / height, bottom=0.75 / height)
    y = np.arange(n)
    weak = (ranked["quality"] == "Weak").to_numpy()
    colors = np.where(weak, PALETTE["weak"], PALETTE["focal"])
    ax.scatter(
        ranked["state_better"],
        y,
        marker="o",
        facecolors="none",
        edgecolors=PALETTE["compare"],
        s=28,
        label="within its state",
        zorder=3,
    )
    ax.scatter(ranked["national_better"], y, c=colors, s=34, label="nationally", zorder=4)
    ax.axvline(50, color=PALETTE["national"], lw=1, ls="--")
    _row_labels(ax, [_short(lbl, 46) for lbl in ranked["label"]])
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlim(0, 100)
    ax.set_xlabel(
        f"Better than this % of {'counties' if level == 'county' else 'cities'} "
        "(50 = median; grey dots = Weak data)"
    )
    pillars = ranked["pillar"].tolist()
    breaks = [i - 0.5 for i in range(1, n) if pillars[i] != pillars[i - 1]]
    if breaks:
        ax.hlines(breaks, 0, 100, color="#cccccc", lw=0.8)
    ax.legend(loc="lower right", fontsize=7.5)
    _panel_title(ax, f"Where {name} stands", fontsize=10)
    best = ranked.sort_values("national_better").iloc[-1]
    worst = ranked.sort_values("national_better").iloc[0]
    alt = (
        f"Dot chart ranking {name} on {n} metrics against all US "
        f"{'counties' if level == 'county' else 'cities'} and within its state. Best: "
        f"{best['label']}, better than {percent_text(best['national_better'])} nationally. "
        f"Weakest: {worst['label']}, better than {percent_text(worst['national_better'])}. "
        f"{int(weak.sum())} metrics are flagged Weak and shown in grey."
    )
    return fig, alt


# Trend small multiples are laid out by hand on one full-figure axes (inches as data
# units): four real Axes cost ~4x more to build and draw, and a batch draws thousands.
_TREND_WIDTH = 7.2
_TREND_HEADER = 0.35  # inches above the first row, for the chart title
_PANEL_PITCH = 1.9  # inches per row: two-line title, plot box, year labels
_PANEL_TITLE = 0.45
_PANEL_HEIGHT = 1.15
_PANEL_LEFT = 0.7  # room for the value labels
_PANEL_GAP = 0.3


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


def _trend_panel(
    ax, x0: float, y0: float, width: float, s: pd.DataFrame, metric: catalog.Metric
) -> None:
    """One metric's line, band, value grid and first/last year, inside a box in inches."""
    years = s["year"].to_numpy(float)
    values = s["value"].to_numpy(float)
    lower, upper = s["lower"].to_numpy(float), s["upper"].to_numpy(float)
    low, high, ticks = _panel_range(np.concatenate([values, lower, upper]))
    first, last = years.min(), years.max()
    span = (last - first) or 1.0

    def px(v):
        return x0 + width * (0.03 + 0.94 * (np.asarray(v) - first) / span)

    def py(v):
        return y0 + _PANEL_HEIGHT * (np.asarray(v) - low) / (high - low)

    ax.hlines(py(ticks), x0, x0 + width, color="#e5e5e5", lw=0.6, zorder=1)
    for t in ticks:
        ax.text(x0 - 0.06, py(t), metric.format(t), ha="right", va="center", fontsize=7)
    ax.plot([x0, x0, x0 + width], [y0 + _PANEL_HEIGHT, y0, y0], color="#333333", lw=0.8)
    for yr in sorted({first, last}):
        ax.plot([px(yr)] * 2, [y0, y0 - 0.04], color="#333333", lw=0.8)
        ax.text(px(yr), y0 - 0.07, str(int(yr)), ha="center", va="top", fontsize=7)
    if np.isfinite(lower).any():
        ax.fill_between(
            px(years), py(lower), py(upper), color=PALETTE["neutral"], alpha=0.3, lw=0, zorder=2
        )
    ax.plot(px(years), py(values), color=PALETTE["focal"], marker="o", ms=3, lw=1.5, zorder=3)
    title = "\n".join(textwrap.wrap(metric.label, 46, max_lines=2, placeholder="…"))
    ax.text(
        x0 - _PANEL_LEFT + 0.05,
        y0 + _PANEL_HEIGHT + 0.1,
        title,
        fontsize=8,
        fontweight="bold",
        va="bottom",
        linespacing=1.15,
    )


def trend_chart(series: pd.DataFrame, trends: pd.DataFrame, name: str) -> tuple[Figure, str] | None:
    """Small multiples of the metrics with the longest history, with confidence bands."""
    if trends.empty:
        return None
    chosen = trends.sort_values("years", ascending=False, kind="stable").head(MAX_TREND_PANELS)
    chosen = trends[trends["metric"].isin(chosen["metric"])]
    k = len(chosen)
    cols = 1 if k == 1 else 2
    rows = int(np.ceil(k / cols))
    height = _TREND_HEADER + rows * _PANEL_PITCH
    width = (_TREND_WIDTH - 0.1) / cols - _PANEL_LEFT - _PANEL_GAP
    fig, ax = new_figure(_TREND_WIDTH, height)
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
    ax.set_axis_off()
    ax.set_xlim(0, _TREND_WIDTH)
    ax.set_ylim(0, height)
    ax.text(
        0.1,
        height - 0.08,
        f"{name}: change over time (shaded = 95% confidence bounds)",
        fontsize=9,
        fontweight="bold",
        va="top",
    )
    by_metric = dict(tuple(series.groupby("metric", observed=True, sort=False)))
    for i, metric in enumerate(chosen["metric"]):
        r, c = divmod(i, cols)
        x0 = 0.1 + c * (width + _PANEL_LEFT + _PANEL_GAP) + _PANEL_LEFT
        y0 = height - _TREND_HEADER - r * _PANEL_PITCH - _PANEL_TITLE - _PANEL_HEIGHT
        _trend_panel(ax, x0, y0, width, by_metric[metric], catalog.get_metric(metric))
    up = chosen[chosen["verdict"] == "improved"]["label"].tolist()
    down = chosen[chosen["verdict"] == "worsened"]["label"].tolist()
    alt = (
        f"{k} small line charts of {name}'s metrics over time. "
        + (f"Improved by more than the margin of error: {', '.join(up)}. " if up else "")
        + (f"Worsened by more than the margin of error: {', '.join(down)}. " if down else "")
        + ("No change is larger than the margin of error." if not up and not down else "")
    )
    return fig, alt


_GAP_LEFT, _GAP_RIGHT = 0.36, 0.95
_GAP_AXES_WIDTH = 7.2 * (_GAP_RIGHT - _GAP_LEFT)  # inches
_GAP_LABEL_CHAR = 6.5 * 0.6  # rough width of one 6.5 pt character, in points


def gap_chart(
    gaps: pd.DataFrame, details: dict[int, pd.DataFrame], name: str
) -> tuple[Figure, str] | None:
    """One row per widest gap: every group's value as a share of the overall value (=100)."""
    if gaps.empty:
        return None
    top = gaps.head(MAX_GAP_PANELS)
    k = len(top)
    height = 0.55 * k + 1.0
    fig, ax = new_figure(7.2, height)
    fig.subplots_adjust(left=_GAP_LEFT, right=_GAP_RIGHT, top=1 - 0.3 / height, bottom=0.7 / height)
    labels, xs, ys, colors, spans, ends = [], [], [], [], [], []
    for y, (i, g) in enumerate(zip(top.index, top.to_dict("records"), strict=True)):
        m = catalog.get_metric(g["metric"])
        labels.append(f"{_short(m.label, 40)}\nby {g['subgroup_type']} ({g['year']})")
        d = details[i].dropna(subset=["value"])
        base = g["overall"] if pd.notna(g["overall"]) and g["overall"] else d["value"].mean()
        if d.empty or not base or np.isnan(base):
            continue  # every group is zero or missing: nothing to place on a relative axis
        rel = d["value"].to_numpy(dtype=float) / base * 100
        xs.extend(rel)
        ys.extend([y] * len(rel))
        colors.extend(np.where(d["quality"] == "Weak", PALETTE["weak"], PALETTE["focal"]))
        spans.append((y, rel.min(), rel.max()))
        names = d["subgroup"].to_numpy(dtype=object)
        ends.append((names[int(np.argmin(rel))], names[int(np.argmax(rel))]))
    if spans:
        ax.hlines(*zip(*spans, strict=True), color="#cccccc", lw=3, zorder=1)
        ax.scatter(xs, ys, s=32, zorder=3, c=colors)
        ax.axvline(100, color=PALETTE["national"], ls="--", lw=1)
        ax.xaxis.set_major_locator(MaxNLocator(6))  # each tick is laid out: keep few
        low_x, high_x = ax.get_xlim()
        points_per_unit = _GAP_AXES_WIDTH * 72 / (high_x - low_x)
        for (y, low, high), (low_group, high_group) in zip(spans, ends, strict=True):
            # Name the lowest and highest group above their dots; when centred names would
            # print over each other, they hang outwards from the dots instead.
            low_name, high_name = _short(str(low_group), 22), _short(str(high_group), 22)
            needed = (len(low_name) + len(high_name)) / 2 * _GAP_LABEL_CHAR + 6
            close = (high - low) * points_per_unit < needed
            for x, group, ha in ((low, low_name, "right"), (high, high_name, "left")):
                ax.text(x, y - 0.17, group, ha=ha if close else "center", va="bottom", fontsize=6.5)
    _row_labels(ax, labels, fontsize=7)
    ax.set_ylim(k - 0.4, -0.6)
    ax.set_xlabel("Each group's value as % of the overall value (dashed line = overall)")
    first = top.iloc[0]
    m0 = catalog.get_metric(first["metric"])
    alt = (
        f"Dot chart of the {k} widest gaps between groups in {name}, each group's value as a "
        f"percent of the overall value. Widest: {m0.label} ({first['year']}), "
        f"{m0.format(first['best_value'])} for {first['best_group']} versus "
        f"{m0.format(first['worst_value'])} for {first['worst_group']}. Grey dots = Weak data."
    )
    return fig, alt
