"""The package's own exceptions.

Every error a user can cause derives from :class:`MobilityNBError`, so the CLI can print
one clear paragraph instead of a traceback. Messages name the input, what was wrong and
what to do next.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class MobilityNBError(Exception):
    """Root of every error the package raises on purpose."""


class DataDirectoryError(MobilityNBError):
    """The configured data directory is missing or lacks a needed file."""


class DataFileError(MobilityNBError):
    """A data file exists but cannot be read (truncated, corrupt, wrong layout)."""

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(
            f"Cannot read {where}: {problem}. The file may be truncated or corrupt; "
            "delete it and download it again (mobility-nb fetches missing files "
            "into its cache), or point --data-dir at a good copy."
        )
        self.path = str(path)
        self.line = line
        self.problem = problem


class LocalDataFileError(DataFileError):
    """The analyst's own data file (e.g. named in a plan) cannot be read.

    Unlike a downloaded file it cannot be fetched again: the message says to fix the file.
    """

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line is not None else str(path)
        MobilityNBError.__init__(
            self,
            f"Cannot read your data file {where}: {problem}. Fix the file (it is your "
            "own data, not a download) and run again.",
        )
        self.path = str(path)
        self.line = line
        self.problem = problem


class DownloadError(MobilityNBError):
    """An upstream file could not be downloaded or failed its checks."""

    def __init__(self, message: str, file: str = "", url: str = "", problem: str = "") -> None:
        super().__init__(message)
        self.file = file  # which file, the URL without secrets, and what went wrong,
        self.url = url  # so callers (release updates) can word their own advice
        self.problem = problem


class JurisdictionError(MobilityNBError):
    """A jurisdiction could not be resolved to exactly one county or city."""

    def __init__(self, message: str, suggestions: Sequence[str] = ()) -> None:
        if suggestions:
            message += " Closest matches: " + "; ".join(suggestions) + "."
        super().__init__(message)
        self.suggestions = list(suggestions)


class AmbiguousJurisdictionError(JurisdictionError):
    """A name fits several jurisdictions; the message gives the spelling that picks each.

    ``choices`` holds, per candidate, its label ("Austin city, Texas (city 4805000)"), the
    text that resolves to it alone ("Austin city, TX", or its code) and the ``--level``
    that picks it from the same text (or "" when that would not single it out).
    """

    def __init__(
        self, text: str, choices: Sequence[tuple[str, str, str]], more: int = 0, hint: str = ""
    ) -> None:
        picks = [f'"{spelling}" for {label}' for label, spelling, _ in choices]
        listed = "; ".join(picks)
        if more:
            listed += f"; and {more} more{hint}"
        message = (
            f"{text!r} matches {len(choices) + more} jurisdictions; write the one you mean: "
            f"{listed}. The codes work too."
        )
        levels = [level for _, _, level in choices]
        if not more and all(levels) and len(set(levels)) == len(levels):
            flags = " or ".join(f"--level {level}" for level in levels)
            message += f" On the command line, {flags} picks by kind (in a batch list, level:)."
        MobilityNBError.__init__(self, message)
        self.suggestions = [label for label, _, _ in choices]
        self.choices = [tuple(c) for c in choices]


class ParamsError(MobilityNBError):
    """A parameters file or value is malformed or names an unknown setting."""


class NotebookRunError(MobilityNBError):
    """A notebook failed while executing; carries the failing cell for the manifest."""

    def __init__(
        self, message: str, cell_index: int | None = None, ename: str = "", evalue: str = ""
    ) -> None:
        super().__init__(message)
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue


class AtlasError(MobilityNBError):
    """The county boundary file (us-atlas TopoJSON) is missing, unreadable or not a topology."""


class MapError(MobilityNBError):
    """A county map was asked for with inputs it cannot draw (unknown state, no counties)."""


class BrowserUnavailableError(MobilityNBError):
    """The page checker cannot start: Playwright or a Chromium executable is missing."""


class NotPublishedError(DownloadError):
    """The server answered 404: the file is not published at that release or commit."""


class ReleaseError(MobilityNBError):
    """A release of Urban's files could not be found, completed or compared."""


class EngineStoppedError(MobilityNBError):
    """A notebook could not run to its end (cell timeout, dead or missing kernel).

    Carries the partial notebook (when there is one) so the pipeline can save it.
    """

    def __init__(
        self,
        message: str,
        *,
        ename: str = "",
        evalue: str = "",
        notebook: Any = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.ename = ename
        self.evalue = evalue
        self.notebook = notebook
        self.attempts = attempts


class ACSImportError(MobilityNBError):
    """A file given to ``mobility-nb census import`` cannot be imported as it is.

    The message names the file, the line and column where that is known, what is wrong
    and what to do; nothing of the import has been written to the store.
    """

    def __init__(
        self,
        path: str,
        problem: str,
        advice: str = "",
        *,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        where = str(path)
        if line is not None:
            where += f", line {line}"
        if column:
            where += f", column {column!r}"
        problem = " ".join(str(problem).split())  # one paragraph, whatever a parser said
        text = f"Cannot import {where}: {problem.rstrip('.')}."
        if advice:
            text += f" {advice.rstrip('.')}."
        text += " Nothing was written to the ACS store."
        super().__init__(text)
        self.path = str(path)
        self.line = line
        self.column = column
        self.problem = problem


class ACSStoreLocationError(MobilityNBError):
    """The ACS store folder cannot be used (it is a file, lies under a file, is read-only)."""


class ACSStoreCorruptError(MobilityNBError):
    """A parquet file of the ACS store cannot be read; the message names it and its refill."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class DollarsError(MobilityNBError):
    """A year has no CPI-U annual average in the installed ``cpi`` data."""


class ArtifactRegistryError(MobilityNBError):
    """The registry of documented artifacts (resources/known_artifacts.yaml) is malformed."""


# --- Mobility Metrics data ----------------------------------------------------


class UnknownLevelError(MobilityNBError):
    """A level other than county or place was requested."""


class UnknownMetricError(MobilityNBError):
    """A metric name is not in the catalog; lists the closest catalog names."""

    def __init__(self, name: str, suggestions: list[str], reason: str = "") -> None:
        if reason:
            message = (
                f"{name!r} is an older column that does not match any 2025 metric: {reason}."
                " Do not mix the two in one comparison."
            )
        else:
            message = f"{name!r} is not a Mobility Metrics column in the 2025 catalog."
        if suggestions:
            message += " Closest catalog names: " + ", ".join(suggestions) + "."
        else:
            message += " See mobility_nb.data.catalog.load_catalog() for the full list."
        super().__init__(message)
        self.name = name
        self.suggestions = suggestions


# --- the Census layer ---------------------------------------------------------


class CensusKeyError(MobilityNBError):
    """No usable Census API key (missing, or rejected by the API)."""


class CensusQueryError(MobilityNBError):
    """The API could not answer a query (HTTP error, timeout, bad request, bad reply)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ACSStoreMissingError(MobilityNBError):
    """The store lacks data a page needs; the message says how to fetch it."""


# --- measurement plans --------------------------------------------------------


class TypedValueError(MobilityNBError, ValueError):
    """A typed value cannot be read in the indicator's units; the message says what to type."""


class SourceUnavailableError(MobilityNBError):
    """A data source the plan names cannot be read on this machine (not a plan mistake)."""


class PlanError(MobilityNBError):
    """A measurement plan is malformed; lists every problem with its field path."""

    def __init__(self, where: str, problems: Sequence[str], advice: str = "") -> None:
        self.where = where
        self.problems = [str(p) for p in problems]
        self.advice = advice or (
            "Fix these fields in the plan and run again (params/step8_*.yaml are worked examples)."
        )
        super().__init__(self.report())

    def report(self) -> str:
        """Every problem on its own line, none shortened (the CLI prints this as is)."""
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return f"The measurement plan {self.where} has {count} {noun}:\n{lines}\n{self.advice}"


class UnknownMeasureError(MobilityNBError):
    """A plan names a measure the catalog (or the ACS layer) does not know."""

    def __init__(self, message: str, suggestions: list[str]) -> None:
        if suggestions:
            message += " Closest: " + "; ".join(suggestions) + "."
        super().__init__(message)
        self.suggestions = suggestions


# --- step pages ---------------------------------------------------------------


class LocalDataError(MobilityNBError):
    """A local file cannot be used (raised only in strict mode; pages list problems)."""


# --- running and publishing pages ---------------------------------------------


class KernelStartError(MobilityNBError):
    """A batch worker could not start (or restart) its Jupyter kernel."""


class KernelTrouble(MobilityNBError):
    """The kernel did not answer, or could not be reset; the worker replaces it."""


class BatchListError(ParamsError):
    """A jurisdiction list file cannot be read or has the wrong shape."""


class BatchLockedError(MobilityNBError):
    """Another batch is writing into the same output folder."""


class DaskBackendError(MobilityNBError):
    """The Dask scheduler could not be reached or the cluster could not start."""
