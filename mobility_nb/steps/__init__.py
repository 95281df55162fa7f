"""The three steps of the guide, each a package with its analysis, page and notebook.

This is the step registry: the one place that says which steps exist, what their pages
are called and where their notebooks are. Everything else (CLI choices, batch planning,
the index page, ``mobility-nb init``) reads it from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mobility_nb.config import NOTEBOOKS_ENV
from mobility_nb.errors import ParamsError

_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Step:
    """One step of the guide as the tool knows it."""

    key: str  # "step2"
    title: str  # what its pages are called, e.g. "Mobility Metrics findings"
    notebook_stem: str  # the notebook's file name without ".ipynb"
    # "module:function" taking a planned Job and returning '' or a warning that the page
    # would have no data of its own kind (Step 5 without ACS data); the CLI prints it.
    data_check: str = ""

    def missing_data(self, job: object) -> str:
        """'' when the page will have its data; else a warning naming the fix."""
        if not self.data_check:
            return ""
        import importlib

        module, _, name = self.data_check.partition(":")
        return str(getattr(importlib.import_module(module), name)(job) or "")

    @property
    def shipped_notebook(self) -> Path:
        """The notebook inside the installed package (``steps/<key>/<stem>.ipynb``)."""
        return _HERE / self.key / f"{self.notebook_stem}.ipynb"

    def notebook(self) -> Path:
        """The notebook to run: from ``$MOBILITY_NB_NOTEBOOKS`` when set, else the shipped one."""
        folder = os.environ.get(NOTEBOOKS_ENV, "").strip()
        path = (
            Path(folder).expanduser() / f"{self.notebook_stem}.ipynb"
            if folder
            else self.shipped_notebook
        )
        if not path.is_file():
            where = f"${NOTEBOOKS_ENV} ({folder})" if folder else "the installed package"
            raise ParamsError(
                f"The {self.key} notebook was not found at {path} ({where}). Reinstall "
                f"mobility-nb, or set ${NOTEBOOKS_ENV} to a folder holding {path.name}."
            )
        return path


REGISTRY: dict[str, Step] = {
    s.key: s
    for s in (
        Step("step2", "Mobility Metrics findings", "step2_mobility_metrics"),
        Step(
            "step5",
            "Local conditions",
            "step5_local_conditions",
            data_check="mobility_nb.steps.step5.acs_view:missing_for_job",
        ),
        Step("step8", "Measurement plan", "step8_measurement_plan"),
    )
}
STEPS = {key: s.notebook_stem for key, s in REGISTRY.items()}
STEP_TITLES = {key: s.title for key, s in REGISTRY.items()}


def get_step(key: str) -> Step:
    """The registered step ``key``; a clear error for anything else."""
    try:
        return REGISTRY[key]
    except KeyError:
        raise ParamsError(f"Unknown step {key!r}. Choose one of: {', '.join(REGISTRY)}.") from None


def locate_notebook(key: str) -> Path:
    """The notebook for step ``key`` (``step2``, ``step5`` or ``step8``)."""
    return get_step(key).notebook()


def _install_error_display() -> None:
    """In a notebook, show the package's errors as their message (see error_display)."""
    from mobility_nb.steps.error_display import install

    install()


_install_error_display()
