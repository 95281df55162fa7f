"""The dot chart with 90% margin-of-error bars that Step 5 draws for groups and for tracts.

One drawing so both charts mark low-reliability estimates (hollow dots), the comparison line
and the axis units the same way; the callers keep their own size, legend and alt text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mobility_nb.acs import moe as moe_mod
from mobility_nb.render.figures import PALETTE


def draw_moe_dots(
    ax: Any,
    rows: pd.DataFrame,
    *,
    title: str,
    unit: str,
    tick_labels: Sequence[str],
    estimate_label: str,
    reference: float,
    reference_label: str,
    dot_size: float,
    bar_width: float,
    cap: float,
    tick_fontsize: float | None = None,
) -> None:
    """Draw ``rows`` (estimate, moe, reliability; sorted) one per line on ``ax``."""
    y = np.arange(len(rows))
    low = (rows["reliability"] == moe_mod.LOW).to_numpy()
    ax.errorbar(
        rows["estimate"],
        y,
        xerr=np.nan_to_num(rows["moe"].to_numpy(dtype=float)),
        fmt="none",
        ecolor=PALETTE["focal"],
        elinewidth=bar_width,
        capsize=cap,
    )
    ax.scatter(
        rows["estimate"][~low],
        y[~low],
        color=PALETTE["focal"],
        s=dot_size,
        zorder=3,
        label=estimate_label,
    )
    if low.any():
        ax.scatter(
            rows["estimate"][low],
            y[low],
            facecolors="white",
            edgecolors=PALETTE["focal"],
            s=dot_size,
            zorder=3,
            label="Low reliability (CV above 30%)",
        )
    if np.isfinite(reference):
        ax.axvline(
            reference,
            color=PALETTE["compare"],
            linestyle="--",
            linewidth=1.2,
            label=reference_label,
        )
    ax.set_yticks(y)
    if tick_fontsize is None:
        ax.set_yticklabels(list(tick_labels))
    else:
        ax.set_yticklabels(list(tick_labels), fontsize=tick_fontsize)
    ax.set_title(title, loc="left")
    if unit == "dollars":
        ax.xaxis.set_major_formatter(lambda x, _p: f"${x:,.0f}")
    elif unit == "percent":
        ax.xaxis.set_major_formatter(lambda x, _p: f"{x:.0f}%")
    ax.grid(axis="y", visible=False)
