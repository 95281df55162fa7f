"""Chart output: our SVG path draws exactly what matplotlib's own SVG backend draws."""

from __future__ import annotations

import base64
import io
import re

import matplotlib.pyplot as plt
import pytest
from matplotlib.backends.backend_svg import FigureCanvasSVG

from mobility_nb.render import figures
from mobility_nb.render.figures import figure_html, new_figure


def _svg(fragment: str) -> str:
    data = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', fragment).group(1)
    return base64.b64decode(data).decode("utf-8")


def _draw(ax) -> None:
    ax.plot([2014, 2019, 2023], [0.61, 0.64, 0.7], marker="o")
    ax.set_xlabel("Share of adults 25-54 with a job")
    ax.text(2016, 0.65, "Label drawn as text, with ü and €", ha="right", va="center")


def test_shared_text_metrics_change_nothing_in_the_svg():
    fig, ax = new_figure(4, 2.5)
    _draw(ax)
    ours = _svg(figure_html(fig, "A line rising from 61% to 70%.", tight=False))

    with plt.rc_context(figures._STYLE):
        ref_fig = plt.Figure(figsize=(4, 2.5))
        ref_ax = ref_fig.subplots()
    _draw(ref_ax)
    FigureCanvasSVG(ref_fig)
    buf = io.StringIO()
    with plt.rc_context({**figures._STYLE, "svg.fonttype": "none", "svg.hashsalt": "mobility-nb"}):
        ref_fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    assert ours == buf.getvalue()
    assert "Label drawn as text, with ü and €" in ours  # live text, not glyph outlines


def test_house_style_applies_inside_and_puts_the_users_settings_back():
    import matplotlib

    params = matplotlib.rcParams
    with plt.rc_context({"font.size": 14.0, "axes.grid": False}):
        before = dict(params)
        with figures.house_style():
            assert params["font.size"] == 9 and params["axes.grid"] is True
            assert params["axes.prop_cycle"].by_key()["color"][0] == figures.SERIES[0]
        assert dict(params) == before
        with pytest.raises(RuntimeError), figures.house_style():
            raise RuntimeError("a chart failed half way")
        assert dict(params) == before
        with pytest.raises(ValueError), figures.house_style({"font.size": "huge"}):
            pass  # an invalid setting is refused, as rc_context refuses it
        assert dict(params) == before


def test_labels_are_measured_once_per_process_not_once_per_figure():
    def chart() -> str:
        fig, ax = new_figure(3, 2)
        ax.text(0.5, 0.5, "Affordable homes per 100 low-income households")
        return figure_html(fig, "A label.", tight=False)

    first = chart()
    before = figures._text_extent.cache_info()
    second = chart()
    after = figures._text_extent.cache_info()
    assert after.misses == before.misses  # nothing new to measure
    assert after.hits > before.hits
    assert first == second


@pytest.mark.parametrize("tight", [True, False])
def test_figures_not_made_by_new_figure_and_saving_to_a_file_still_work(tmp_path, tight):
    fig = plt.Figure(figsize=(3, 2))
    fig.subplots().bar(["a", "b"], [1, 2])
    assert "<svg" in _svg(figure_html(fig, "Two bars.", tight=tight))

    made, ax = new_figure(3, 2)
    ax.bar(["a", "b"], [1, 2])
    made.savefig(tmp_path / "chart.svg")  # an analyst saving from JupyterLab
    made.savefig(tmp_path / "chart.png")
    assert (tmp_path / "chart.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "chart.png").read_bytes()[:4] == b"\x89PNG"
