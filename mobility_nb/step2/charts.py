"""Step 2 charts: national standing, change over time and subgroup gaps.

Each function returns ``(figure, alt_text)``; alt text states the chart's main finding in
words, so a screen-reader user gets the same message as a sighted reader.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import blended_transform_factory

from .. import catalog
from ..figures import PALETTE, new_figure

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
    ax.annotate(text, (0, 1), xycoords="axes fraction", xytext=(0, 5),
                textcoords="offset points", fontsize=fontsize, fontweight="bold", va="bottom")


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
    prev = None
    for i, p in enumerate(ranked["pillar"]):
        if p != prev and i:
            ax.axhline(i - 0.5, color="#cccccc", lw=0.8)
        prev = p
    ax.legend(loc="lower right", fontsize=7.5)
    _panel_title(ax, f"Where {name} stands", fontsize=10)
    best = ranked.sort_values("national_better").iloc[-1]
    worst = ranked.sort_values("national_better").iloc[0]
    alt = (
        f"Dot chart ranking {name} on {n} metrics against all US "
        f"{'counties' if level == 'county' else 'cities'} and within its state. Best: "
        f"{best['label']}, better than {best['national_better']:.0f}% nationally. Weakest: "
        f"{worst['label']}, better than {worst['national_better']:.0f}%. "
        f"{int(weak.sum())} metrics are flagged Weak and shown in grey."
    )
    return fig, alt


def _value_formatter(metric: catalog.Metric) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: metric.format(v))


def trend_chart(series: pd.DataFrame, trends: pd.DataFrame, name: str) -> tuple[Figure, str] | None:
    """Small multiples of the metrics with the longest history, with confidence bands."""
    if trends.empty:
        return None
    chosen = trends.sort_values("years", ascending=False, kind="stable").head(MAX_TREND_PANELS)
    chosen = trends[trends["metric"].isin(chosen["metric"])]
    k = len(chosen)
    cols = min(3, k)
    rows = int(np.ceil(k / cols))
    height = 1.6 * rows + 0.5
    fig, axes = new_figure(7.2, height, nrows=rows, ncols=cols, squeeze=False)
    fig.subplots_adjust(
        left=0.1, right=0.98, top=1 - 0.45 / height, bottom=0.3 / height, hspace=0.6, wspace=0.45
    )
    for ax, (_, t) in zip(axes.flat, chosen.iterrows(), strict=False):
        m = catalog.get_metric(t["metric"])
        s = series[series["metric"] == t["metric"]]
        years = s["year"].to_numpy()
        if s["lower"].notna().any():
            ax.fill_between(
                years, s["lower"], s["upper"], color=PALETTE["neutral"], alpha=0.3, lw=0
            )
        ax.plot(years, s["value"], color=PALETTE["focal"], marker="o", ms=3, lw=1.5)
        _panel_title(ax, _short(m.label, 36))
        ax.yaxis.set_major_formatter(_value_formatter(m))
        ax.yaxis.set_major_locator(MaxNLocator(3))
        ax.tick_params(labelsize=7)
        ax.set_xticks(sorted({int(years[0]), int(years[-1])}))
    for ax in list(axes.flat)[k:]:
        ax.set_visible(False)
    fig.suptitle(f"{name}: change over time (shaded = 95% confidence bounds)", fontsize=9)
    up = chosen[chosen["verdict"] == "improved"]["label"].tolist()
    down = chosen[chosen["verdict"] == "worsened"]["label"].tolist()
    alt = (
        f"{k} small line charts of {name}'s metrics over time. "
        + (f"Improved beyond the confidence bounds: {', '.join(up)}. " if up else "")
        + (f"Worsened beyond the confidence bounds: {', '.join(down)}. " if down else "")
        + (
            "No change could be confirmed against the confidence bounds."
            if not up and not down
            else ""
        )
    )
    return fig, alt


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
    fig.subplots_adjust(left=0.36, right=0.95, top=1 - 0.3 / height, bottom=0.7 / height)
    labels = []
    for y, (i, g) in enumerate(top.iterrows()):
        m = catalog.get_metric(g["metric"])
        d = details[i].dropna(subset=["value"])
        base = g["overall"] if pd.notna(g["overall"]) and g["overall"] else d["value"].mean()
        rel = d["value"].to_numpy() / base * 100
        weak = (d["quality"] == "Weak").to_numpy()
        ax.hlines(y, rel.min(), rel.max(), color="#cccccc", lw=3, zorder=1)
        ax.scatter(
            rel,
            np.full(len(rel), y),
            s=32,
            zorder=3,
            c=np.where(weak, PALETTE["weak"], PALETTE["focal"]),
        )
        for value, group in (
            (rel.min(), d.loc[d["value"].idxmin(), "subgroup"]),
            (rel.max(), d.loc[d["value"].idxmax(), "subgroup"]),
        ):
            ax.annotate(
                _short(str(group), 22),
                (value, y),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize=6.5,
            )
        labels.append(f"{_short(m.label, 40)}\nby {g['subgroup_type']} ({g['year']})")
    ax.axvline(100, color=PALETTE["national"], ls="--", lw=1)
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
