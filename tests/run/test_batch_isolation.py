"""A warm kernel must not leak one page into the next.

probe.ipynb prints every piece of state a previous page could leave behind (user
globals, cwd, open figures, rcParams, pandas options, warning filters, environment,
sys.path, IPython hooks, execution counter) and draws a chart with the global rcParams.
polluter.ipynb changes all of them. The probe page rendered after the polluter in the
same kernel must equal the probe page rendered in a fresh kernel.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from support.batch import DATA, FIXTURES, stable_html

from mobility_nb.run.jobs import Job
from mobility_nb.run.warm_engine import WarmKernelEngine, WorkerSettings

pytestmark = pytest.mark.notebook


def _job(notebook: str, stem: str) -> Job:
    return Job(
        step="step2",
        geoid="42001",
        level="county",
        name="Adams County",
        state="42",
        state_abbr="PA",
        notebook=str(FIXTURES / notebook),
        params={"jurisdiction": "42001", "data_dir": str(DATA)},
        stem=stem,
        subdir="step2",
        title=f"Probe {stem}",
        fingerprint="f",
    )


def _render(out: Path, notebooks: list[str]) -> str:
    """Run the notebooks in order in one warm kernel; return the last page's HTML."""
    ex = WarmKernelEngine(WorkerSettings(out_dir=str(out)))
    try:
        for i, name in enumerate(notebooks):
            outcome = ex.run(_job(name, f"page{i}"))
            assert outcome.status == "ok", outcome.message
        assert ex.kernel.starts == 1  # one kernel served every page
    finally:
        ex.shutdown()
    return html.unescape((out / "step2" / f"page{len(notebooks) - 1}.html").read_text())


@pytest.fixture(scope="module")
def alone(tmp_path_factory) -> str:
    return _render(tmp_path_factory.mktemp("alone"), ["probe.ipynb"])


def test_page_after_polluter_equals_page_alone(alone, tmp_path):
    after = _render(tmp_path, ["polluter.ipynb", "probe.ipynb"])
    assert stable_html(after) == stable_html(alone)
    # The probe really saw a clean kernel (guards against a probe that shows nothing).
    assert "user globals: ['PageRecorder', 'artifacts_dir', 'data_dir', 'figure_html'," in alone
    assert "LEAKED_GLOBAL" not in after
    assert "rc facecolor: white linewidth: 1.5" in after
    assert "warnings seen: 1" in after
    assert "env leak: None" in after
    assert "open figures: []" in after


def test_probe_detects_leaks_when_reset_is_skipped(alone, tmp_path, monkeypatch):
    """Without the reset the same comparison fails, so the test above can catch leaks."""
    from mobility_nb.run import warm_kernel as kernel_pool

    monkeypatch.setattr(kernel_pool.WarmKernel, "reset", lambda self, cwd=None: None)
    after = _render(tmp_path, ["polluter.ipynb", "probe.ipynb"])
    assert stable_html(after) != stable_html(alone)
    assert "LEAKED_GLOBAL" in after
    assert "rc facecolor: red" in after
    assert "warnings seen: 0" in after
