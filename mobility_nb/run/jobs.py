"""What one batch page is, and what became of it.

A :class:`Job` is everything a worker needs to produce one page, fully resolved in the
orchestrator (jurisdiction looked up, parameters checked, fingerprint computed), so
workers in threads, processes or on a Dask cluster need no lookups of their own. Both
classes are plain picklable dataclasses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["ok", "skipped", "failed"]


@dataclass(frozen=True)
class Job:
    """One page: a step notebook run for one jurisdiction."""

    step: str
    geoid: str
    level: str  # "county" | "place"
    name: str  # "Cook County"
    state: str  # 2-digit FIPS
    state_abbr: str
    notebook: str  # absolute path of the step notebook
    params: dict[str, Any] = field(default_factory=dict)  # checked notebook parameters
    stem: str = ""  # page file name without extension, unique within the step folder
    subdir: str = ""  # folder below the output directory, e.g. "step2"
    title: str = ""
    fingerprint: str = ""
    row: int | None = None  # 1-based row of the input list, for messages

    @property
    def label(self) -> str:
        """'Cook County, IL (17031, step2)' for messages and the manifest."""
        return f"{self.name}, {self.state_abbr} ({self.geoid}, {self.step})"

    @property
    def what(self) -> str:
        """'Cook County, IL (17031)': the place a message is about."""
        if not self.state_abbr:  # a page run without a resolved place
            return f"jurisdiction {self.geoid}" if self.geoid else self.stem
        return f"{self.name}, {self.state_abbr} ({self.geoid})"

    @property
    def page_path(self) -> str:
        """The HTML page relative to the output directory (POSIX separators)."""
        return f"{self.subdir}/{self.stem}.html" if self.subdir else f"{self.stem}.html"


@dataclass
class Outcome:
    """The result of one page, as recorded in ``manifest.json``.

    Never holds tracebacks or parameters: ``evalue``/``message`` are redacted of secrets.
    """

    step: str
    jurisdiction: str
    name: str
    state: str
    level: str
    status: Status
    seconds: float = 0.0
    page: str = ""  # relative path of the HTML page (ok/skipped)
    cell_index: int | None = None
    ename: str = ""
    evalue: str = ""
    message: str = ""
    attempts: int = 0
    row: int | None = None
    page_bytes: int | None = None  # size of the HTML page (ok)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}

    @classmethod
    def for_job(cls, job: Job, status: Status, **kw: Any) -> Outcome:
        return cls(
            step=job.step,
            jurisdiction=job.geoid,
            name=job.name,
            state=job.state_abbr,
            level=job.level,
            status=status,
            row=job.row,
            **kw,
        )

    @classmethod
    def crashed(cls, job: Job, exc: BaseException, what: str) -> Outcome:
        """A page lost to an error outside the notebook (worker, pool or Dask task)."""
        from mobility_nb.errors import MobilityNBError

        text = str(exc)
        return cls.for_job(
            job,
            "failed",
            ename=type(exc).__name__,
            evalue=text if isinstance(exc, MobilityNBError) else text[:600],  # ours: whole
            message=f"{job.label}: {what}",
        )
