"""What every step page shares: one place, one recorder, the notebook's parameters, one ending.

A notebook builds its page with ``page = Step2Page.from_notebook(globals())``: the
parameters cell is the only place parameters are declared, and the page takes exactly
those (by name) from the notebook's namespace. The base class resolves the jurisdiction
once, owns the :class:`~mobility_nb.render.recorder.PageRecorder` every section records
its numbers with, and ends every page the same way (:meth:`StepPage.finish`).

Run by ``mobility-nb`` (an ``artifacts_dir`` is set), the files go to the runner, which
publishes them beside the HTML page. Run by hand in JupyterLab, the page writes them
itself to :meth:`StepPage.export_dir` (``outputs/<step>/`` of the project, or
``$MOBILITY_NB_OUTPUTS/<step>``) under the name a published page would have, and its
last cell says where.
"""

from __future__ import annotations

import html
import inspect
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from mobility_nb.config import OUTPUTS_ENV, interactive_outputs_dir
from mobility_nb.data.jurisdictions import Jurisdiction, resolve
from mobility_nb.params import notebook_parameters
from mobility_nb.render.recorder import PageRecorder
from mobility_nb.steps import get_step

P = TypeVar("P", bound="StepPage")


class StepPage:
    """Base of the Step 2, 5 and 8 pages."""

    step: ClassVar[str]  # registry key, e.g. "step2"
    title_prefix: ClassVar[str]  # "Mobility Metrics" -> "Mobility Metrics: Cook County, Illinois"

    place: Jurisdiction
    recorder: PageRecorder

    @classmethod
    def from_notebook(cls: type[P], namespace: Mapping[str, Any]) -> P:
        """The page for the values of the notebook's parameters cell found in ``namespace``."""
        declared = notebook_parameters(get_step(cls.step).shipped_notebook)
        values = {name: namespace[name] for name in declared if name in namespace}
        accepted = inspect.signature(cls.__init__).parameters
        kwargs = {k: v for k, v in values.items() if k in accepted and k != "jurisdiction"}
        return cls(values.get("jurisdiction", ""), params=values, **kwargs)

    def _start(
        self,
        jurisdiction: str,
        *,
        data_dir: str | os.PathLike[str] | None,
        artifacts_dir: str | None,
        params: Mapping[str, Any] | None,
        level: str | None = None,
    ) -> None:
        """Resolve the place and open the recorder (call first in a subclass ``__init__``)."""
        self.data_dir = data_dir or None
        self.params = dict(params or {})
        self.place = self.resolve_place(str(jurisdiction), level or None)
        self.recorder = PageRecorder(
            self.step,
            self.recorded_params(),
            artifacts_dir or None,
            title=f"{self.title_prefix}: {getattr(self.place, 'display_name', self.place.name)}",
        )

    def resolve_place(self, jurisdiction: str, level: str | None) -> Jurisdiction:
        """The county or city the page is about (names, FIPS and GEOIDs alike)."""
        return resolve(jurisdiction, level=level, data_dir=self.data_dir)

    def recorded_params(self) -> dict[str, Any]:
        """The parameters listed on the page and in its provenance."""
        return {k: v for k, v in self.params.items() if k != "artifacts_dir"}

    def record_sources(self) -> None:
        """Name every data file the page read (a hook; pages that load lazily override it)."""

    def reader_settings(self) -> list[tuple[str, str]]:
        """What a reader needs to know the page was made for (never paths or defaults)."""
        code = "FIPS" if self.place.level == "county" else "Census place code"
        return [("Place", f"{self.place.display_name} ({code} {self.place.geoid})")]

    @property
    def interactive(self) -> bool:
        """True when no runner collects the page's files (a notebook run by hand)."""
        return self.recorder.artifacts_dir is None

    def export_dir(self) -> Path:
        """Where a notebook run by hand writes its files (``outputs/<step>/``)."""
        return interactive_outputs_dir(self.step)

    @property
    def stem(self) -> str:
        """The file name a published page of this place has ('48453-travis-county-tx')."""
        from mobility_nb.run.paths import default_stem

        return default_stem(self.place)

    def exported(self) -> list[Path]:
        """Files a section already wrote for a run by hand (Step 8's plan); a hook."""
        return []

    def finish(self) -> None:
        """The "About this page" block, then the page's CSV and provenance: to the runner,
        or (run by hand) into :meth:`export_dir`, saying where in the last cell."""
        self.record_sources()
        self.recorder.show_provenance(self.reader_settings())
        if self.interactive:
            self._export_by_hand()
        self.recorder.finish()

    def _export_by_hand(self) -> None:
        from mobility_nb.render.tables import show_html

        folder = self.export_dir()
        try:
            paths = self.recorder.export(folder, self.stem) + self.exported()
        except OSError as exc:
            why = html.escape(exc.strerror or str(exc))
            show_html(
                f"<p><strong>The numbers were not saved:</strong> cannot write to "
                f"<code>{html.escape(str(folder))}</code> ({why})."
                f" Set <code>{OUTPUTS_ENV}</code> to a folder you can write to and run the "
                "notebook again.</p>"
            )
            return
        names = "".join(f"<li><code>{html.escape(p.name)}</code></li>" for p in paths)
        show_html(
            f'<p class="mnb-exports">Saved in <code>{html.escape(str(folder.resolve()))}'
            f"</code>:</p><ul>{names}</ul><p>The CSV holds every number shown; the "
            "provenance file lists the data files (with checksums) and settings. For a "
            f"self-contained HTML page to share, run <code>{html.escape(self.run_command())}"
            "</code>.</p>"
        )

    def run_command(self) -> str:
        """The command that publishes this page as HTML (shown to a notebook run by hand)."""
        return f"mobility-nb run {self.step} --jurisdiction {self.place.geoid}"
