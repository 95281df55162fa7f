"""Charts that read the same on every page and carry real alt text.

nbconvert's lab template drops image alt text, so figures are emitted as our own
``<figure><img alt=…><figcaption>`` HTML with the PNG embedded as a data URI: the page
opens offline and screen readers get a description written for the chart.
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import io
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import matplotlib

matplotlib.use("Agg")  # pages are rendered headless; never open windows
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import cbook  # noqa: E402
from matplotlib.backends.backend_mixed import MixedModeRenderer  # noqa: E402
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402

from mobility_nb.render.formats import html_attr, html_text  # noqa: E402

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
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
}


_SVG_STYLE = {**_STYLE, "svg.fonttype": "none", "svg.hashsalt": "mobility-nb"}


@contextlib.contextmanager
def house_style(style: Mapping[str, Any] = _STYLE) -> Iterator[None]:
    """``matplotlib.rc_context(style)`` for the few settings the house style changes.

    rc_context copies and later restores all ~300 settings (about 0.4 ms); a page enters
    the style some fifty times, so this saves and restores only the keys it sets.
    Settings are validated as rc_context validates them, and the user's own are put back
    exactly, even when drawing fails.
    """
    params = matplotlib.rcParams
    saved = {key: dict.__getitem__(params, key) for key in style}
    try:
        params.update(style)
        yield
    finally:
        dict.update(params, saved)


_TEXT_TO_PATH = TextToPath()


@lru_cache(maxsize=8192)
def _text_extent(text: str, prop: FontProperties, ismath: bool | str) -> tuple[float, float, float]:
    return _TEXT_TO_PATH.get_text_width_height_descent(text, prop, ismath)


@lru_cache(maxsize=64)
def _house_font(size: float, weight: str) -> FontProperties:
    with house_style():
        return FontProperties(size=size, weight=weight)


def text_width(text: str, size: float, weight: str = "normal") -> float:
    """The width in inches of ``text`` drawn in the house font at ``size`` points.

    Measured the way the SVG renderer measures it (and cached), so hand-laid charts can keep
    labels inside the plot instead of guessing from a character count.
    """
    return _text_extent(text, _house_font(size, weight), False)[0] / 72


class _SharedMetricsRenderer(RendererSVG):
    """SVG renderer whose text measurements are shared by every figure in the process.

    Laying out a label means shaping it with FreeType at 100 pt (~0.5 ms); matplotlib caches
    that per renderer, i.e. per saved figure. A batch draws the same metric names and tick
    labels on thousands of pages, so a process-wide cache removes most of that work. The
    measurement depends only on the string, the font and the fixed 72 dpi of SVG output.
    """

    def get_text_width_height_descent(self, s, prop, ismath):  # noqa: ANN001, ANN201
        return _text_extent(s, prop.copy(), ismath)  # copy: FontProperties is mutable


class _SVGCanvas(FigureCanvasSVG):
    """``FigureCanvasSVG`` drawing with :class:`_SharedMetricsRenderer` (same output)."""

    def print_svg(self, filename, *, bbox_inches_restore=None, metadata=None, **_ignored):  # noqa: ANN001, ANN201
        # savefig passes colour and orientation keywords that SVG output takes from rcParams
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
            if not cbook.file_requires_unicode(fh):
                fh = codecs.getwriter("utf-8")(fh)
            dpi = self.figure.dpi
            # As matplotlib's own print_svg: the figure stays at 72 dpi afterwards, because
            # savefig measures the tight bounding box right after a first, interrupted draw
            # and must measure it at the dpi the text was measured at (savefig restores the
            # figure's dpi when it is done). Restoring it here cut off the right and left
            # edges of every tight chart (legends, axis labels).
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            renderer = MixedModeRenderer(
                self.figure,
                width,
                height,
                dpi,
                _SharedMetricsRenderer(
                    width * 72, height * 72, fh, image_dpi=dpi, metadata=metadata
                ),
                bbox_inches_restore=bbox_inches_restore,
            )
            self.figure.draw(renderer)
            renderer.finalize()


def new_figure(width: float = 7.0, height: float = 3.0, **kwargs):
    """A figure in the house style; callers own the axes it returns.

    Built with the object API rather than pyplot, so no global figure registry grows in a
    long-lived batch kernel and nothing leaks from one page to the next.
    """
    with house_style():
        fig = Figure(figsize=(width, height))
        ax = fig.subplots(**kwargs)
    return fig, ax


MAX_SCALE = 1.4  # how much larger than drawn a chart may be shown on a wide screen


class InchAxes:
    """Draws on a bare figure in inches with the few Axes calls a hand-laid chart uses.

    Building and drawing a real Axes (spines, axis objects, tick machinery) costs several
    times more than the lines, dots and labels of a small chart, and a national batch draws
    thousands of charts. ``text``, ``plot``, ``hlines``, ``scatter`` and ``fill_between``
    take the usual matplotlib arguments; coordinates are inches from the bottom left.
    Text is drawn as given (escape ``$`` with :func:`mobility_nb.render.mpl_text.literal`).
    """

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self._inches = fig.dpi_scale_trans

    def text(self, x: float, y: float, s: str, fontsize: float = 8, **kw):  # noqa: ANN201
        return self.fig.text(x, y, s, transform=self._inches, fontsize=fontsize, **kw)

    def plot(self, xs, ys, color: str = "#333333", lw: float = 1.0, ls: str = "-", **kw):  # noqa: ANN001, ANN201
        from matplotlib.lines import Line2D

        line = Line2D(xs, ys, transform=self._inches, color=color, linewidth=lw, linestyle=ls, **kw)
        return self.fig.add_artist(line)

    def hlines(self, ys, x0: float, x1: float, color: str = "#333333", lw: float = 1.0, **kw):  # noqa: ANN001, ANN201
        for y in np.atleast_1d(ys):
            self.plot([x0, x1], [y, y], color=color, lw=lw, **kw)

    def scatter(  # noqa: ANN201
        self,
        xs,
        ys,
        s: float = 30,
        color=None,
        marker: str = "o",
        facecolors=None,  # noqa: ANN001
        edgecolors=None,
        linewidths: float = 1.0,
        zorder: float = 3,
        **_ignored,  # noqa: ANN001
    ):
        """Markers as one Line2D (no collection): ``s`` is the marker's area in points²."""
        face = facecolors if facecolors is not None else color
        edge = edgecolors if edgecolors is not None else color
        return self.plot(
            np.atleast_1d(xs),
            np.atleast_1d(ys),
            color=edge or "#333333",
            lw=0,
            ls="none",
            marker=marker,
            markersize=float(np.sqrt(s)),
            markerfacecolor=face,
            markeredgecolor=edge,
            markeredgewidth=linewidths,
            zorder=zorder,
        )

    def fill_between(self, xs, lower, upper, color: str = "#cccccc", alpha: float = 0.3, **kw):  # noqa: ANN001, ANN201
        from matplotlib.patches import Polygon

        xs, lower, upper = (np.asarray(v, dtype=float) for v in (xs, lower, upper))
        xy = np.column_stack([np.r_[xs, xs[::-1]], np.r_[lower, upper[::-1]]])
        kw.pop("lw", None)
        patch = Polygon(
            xy, closed=True, transform=self._inches, facecolor=color, alpha=alpha, linewidth=0, **kw
        )
        return self.fig.add_artist(patch)


def inch_canvas(width: float, height: float) -> tuple[Figure, InchAxes]:
    """A bare figure of ``width`` × ``height`` inches and its :class:`InchAxes`."""
    with house_style():
        fig = Figure(figsize=(width, height))
    return fig, InchAxes(fig)


def figure_html(
    fig: Figure, alt: str, caption: str = "", tight: bool = True, max_scale: float = MAX_SCALE
) -> str:
    """Render ``fig`` as an embedded SVG inside accessible ``<figure>`` HTML and close it.

    SVG with live text (not outlines) is about three times faster to write than PNG,
    smaller, sharp when printed, and its labels stay searchable. ``tight=False`` skips the
    bounding-box pass (it doubles drawing time) for charts that set their own margins;
    batch runs render thousands of them. The chart fills its column up to ``max_scale``
    times its drawn width, so charts drawn for a phone grow on a desktop without their text
    becoming huge.
    """
    if not alt or not alt.strip():
        raise ValueError("Every chart needs alt text describing what it shows.")
    buf = io.StringIO()
    if not isinstance(fig.canvas, _SVGCanvas):
        _SVGCanvas(fig)  # the page's SVG goes through the shared text measurements
    with house_style(_SVG_STYLE):
        fig.savefig(
            buf,
            format="svg",
            bbox_inches="tight" if tight else None,
            metadata={"Date": None, "Creator": None},
        )
    width_px = fig.get_size_inches()[0] * 96 * max_scale
    plt.close(fig)
    data = base64.b64encode(buf.getvalue().encode("utf-8")).decode("ascii")
    cap = f"<figcaption>{html_text(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="mnb-figure"><img style="max-width:{width_px:.0f}px" '
        f'src="data:image/svg+xml;base64,{data}" alt="{html_attr(alt)}" />{cap}</figure>'
    )


def show_figure(fig: Figure, alt: str, caption: str = "", tight: bool = True) -> None:
    """Display a chart in the notebook (and so in the HTML page) with alt text."""
    from IPython.display import HTML, display

    display(HTML(figure_html(fig, alt, caption, tight)))
