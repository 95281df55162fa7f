"""What every step page shares: one place, one recorder, the notebook's parameters, one ending.

A notebook builds its page with ``page = Step2Page.from_notebook(globals())``: the
parameters cell is the only place parameters are declared, and the page takes exactly
those (by name) from the notebook's namespace. The base class resolves the jurisdiction
once, owns the :class:`~mobility_nb.render.recorder.PageRecorder` every section records
its numbers with, and ends every page the same way (:meth:`StepPage.finish`).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

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

    def finish(self) -> None:
        """The "About this page" block, then the page's CSV and provenance for the runner."""
        self.record_sources()
        self.recorder.show_provenance(self.reader_settings())
        self.recorder.finish()
