"""Charts that read the same on every page and carry real alt text.

nbconvert's lab template drops image alt text, so figures are emitted as our own
``<figure><img alt=…><figcaption>`` HTML with the PNG embedded as a data URI: the page
opens offline and screen readers get a description written for the chart.
"""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # pages are rendered headless; never open windows
import matplotlib.pyplot as plt  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Okabe-Ito palette: distinguishable with the common forms of colour-blindness.
PALETTE = {
    "focal": "#0072B2",  # blue: the jurisdiction the page is about
    "compare": "#E69F00",  # orange: state / peers
    "national": "#999999",  # grey: national context
    "good": "#009E73",  # bluish green
    "bad": "#D55E00",  # vermillion
    "neutral": "#56B4E9",  # sky blue
    "accent": "#CC79A7",  # reddish purple
    "weak": "#BBBBBB",  # data flagged Weak or missing
}
SERIES = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

_STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e5e5e5",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": matplotlib.cycler(color=SERIES),
    "legend.frameon": False,
}


def new_figure(width: float = 7.0, height: float = 3.0, **kwargs):
    """A figure in the house style; callers own the axes it returns."""
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(width, height), **kwargs)
    return fig, ax


def apply_style() -> None:
    """Apply the house style globally (used by batch workers after a state reset)."""
    plt.rcParams.update(_STYLE)


def figure_html(fig: Figure, alt: str, caption: str = "") -> str:
    """Render ``fig`` to an embedded PNG inside accessible ``<figure>`` HTML and close it."""
    if not alt or not alt.strip():
        raise ValueError("Every chart needs alt text describing what it shows.")
    buf = io.BytesIO()
    with plt.rc_context(_STYLE):
        fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="mnb-figure"><img src="data:image/png;base64,{data}" '
        f'alt="{html.escape(alt, quote=True)}" />{cap}</figure>'
    )


def show_figure(fig: Figure, alt: str, caption: str = "") -> None:
    """Display a chart in the notebook (and so in the HTML page) with alt text."""
    from IPython.display import HTML, display

    display(HTML(figure_html(fig, alt, caption)))
