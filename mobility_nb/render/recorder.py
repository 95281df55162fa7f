"""What a page showed and where it came from.

Partners reading a findings page need to check a number against the source and to know
which data and settings produced it. A notebook creates one :class:`PageRecorder`, passes
every table or chart's numbers through :meth:`PageRecorder.record`, names the data files
it read with :meth:`PageRecorder.add_source`, and ends with ``show_provenance()`` and
``finish()``. The runner then publishes ``numbers.csv`` and ``provenance.json`` next to the
HTML page. Without an ``artifacts_dir`` (a JupyterLab session) :meth:`PageRecorder.finish`
writes nothing; the page writes the same two files with :meth:`PageRecorder.export`.

Provenance names files and folders without the machine's absolute paths: a data file by
its path inside the data folder it came from ("assembled/11_....csv"), anything else by
its name; the checksum says exactly which version was read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mobility_nb.atomic import write_atomic
from mobility_nb.config import (
    ACS_STORE_ENV,
    CENSUS_DATA_ENV,
    DATA_ENV,
    cache_root,
    project_root,
)
from mobility_nb.data.origin import is_urban_file, release_of
from mobility_nb.params import public_params
from mobility_nb.render.cells import csv_cell

NUMBERS_FILE = "numbers.csv"
URBAN_DATA_URL = (
    "https://upward-mobility.urban.org/measuring-upward-mobility-counties-and-cities-across-us"
)
GUIDE_URL = "https://upward-mobility.urban.org/boosting-upward-mobility-planning-guide-local-action"
PROVENANCE_FILE = "provenance.json"

# (real path, size, mtime_ns) -> sha256; a batch hashes the same 27 MB file for every page.
_SHA256_CACHE: dict[tuple[str, int, int], str] = {}


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file, cached while its size and modification time are unchanged."""
    real = os.path.realpath(path)
    st = os.stat(real)
    key = (real, st.st_size, st.st_mtime_ns)
    digest = _SHA256_CACHE.get(key)
    if digest is None:
        h = hashlib.sha256()
        with open(real, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        digest = _SHA256_CACHE[key] = h.hexdigest()
    return digest


@dataclass(frozen=True)
class Source:
    """One data file a page used."""

    name: str
    path: str
    size: int
    sha256: str
    years: str = ""
    release: str = ""  # Urban's release of a Mobility Metrics file; "" for other sources


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover - loop always returns


def _show_value(value: Any) -> str:
    if value is None or value == "":
        return "(not set)"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) if value else "(none)"
    return str(value)


def _number_cells(values: np.ndarray) -> list[str]:
    """Floats as pandas writes them; whole-number columns without ".0" (as convert_dtypes)."""
    present = ~np.isnan(values)
    shown = values[present]
    whole = bool(np.all(np.isfinite(shown) & (shown == np.round(shown)))) and bool(
        np.all(np.abs(shown) < 2**53)
    )
    if whole:
        return [str(int(v)) if ok else "" for v, ok in zip(values.tolist(), present, strict=True)]
    return [repr(v) if ok else "" for v, ok in zip(values.tolist(), present, strict=True)]


def _csv_cells(column: pd.Series) -> list[str]:
    """One recorded column as CSV cell text (missing values empty)."""
    kind = column.dtype.kind
    if kind == "f":
        return _number_cells(column.to_numpy(dtype=float, na_value=np.nan))
    if kind in "iu" and not column.hasnans:
        return [str(v) for v in column.tolist()]
    values = column.to_numpy(dtype=object, na_value=None).tolist()
    present = [v for v in values if v is not None and not (isinstance(v, float) and v != v)]
    if present and all(
        isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
        for v in present
    ):
        return _number_cells(np.array([np.nan if v is None else v for v in values], dtype=float))
    # Text cells (never numbers) pass the one formula-safe rule of render/cells.py.
    return [
        "" if v is None or (isinstance(v, float) and v != v) else csv_cell(str(v)) for v in values
    ]


def _roots(params: Mapping[str, Any]) -> list[Path]:
    """Folders a page's files are named relative to: its data folders, then the project."""
    found: list[Path] = []
    for value in (
        params.get("data_dir"),
        os.environ.get(DATA_ENV),
        params.get("census_data_dir"),
        os.environ.get(CENSUS_DATA_ENV),
        params.get("store_dir"),
        os.environ.get(ACS_STORE_ENV),
        str(cache_root()),
        str(project_root()),
    ):
        text = str(value or "").strip()
        if text:
            path = Path(os.path.normpath(Path(text).expanduser().absolute()))
            found.append(path)
            try:
                found.append(path.resolve())
            except (OSError, RuntimeError):
                continue
    return list(dict.fromkeys(found))


def portable_path(path: str | os.PathLike[str], roots: list[Path]) -> str:
    """``path`` without the machine's folders: inside a known root, else the file's name."""
    text = str(path)
    if not os.path.isabs(text):
        return Path(text).as_posix()
    given = Path(os.path.normpath(text))
    try:
        forms = [given, given.resolve()]
    except (OSError, RuntimeError):
        forms = [given]
    for form in forms:  # as given first: a symlinked folder keeps the name it was given
        for root in roots:
            if form == root:
                return given.name
            if root in form.parents:
                return form.relative_to(root).as_posix()
    return given.name


def _portable_value(value: Any, roots: list[Path]) -> Any:
    """Parameters with absolute paths (data_dir, local files ...) shown as portable names."""
    if isinstance(value, str):
        looks_like_path = os.path.isabs(value) and ("/" in value or "\\" in value)
        return portable_path(value, roots) if looks_like_path else value
    if isinstance(value, Mapping):
        return {k: _portable_value(v, roots) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_portable_value(v, roots) for v in value]
    return value


class PageRecorder:
    """Collects the numbers shown on one page and the provenance of its data."""

    def __init__(
        self,
        step: str,
        params: Mapping[str, Any],
        artifacts_dir: str | os.PathLike[str] | None,
        title: str = "",
    ) -> None:
        self.step = step
        self.params = dict(params)
        self.artifacts_dir = Path(artifacts_dir) if artifacts_dir else None
        self.title = title
        self.run_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        self._tables: list[tuple[str, pd.DataFrame]] = []
        self._sources: dict[str, Source] = {}
        self._citations: dict[str, tuple[str, str]] = {}

    def record(self, name: str, df: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
        """Remember the numbers behind a table or chart; returns ``df`` unchanged."""
        frame = df.to_frame() if isinstance(df, pd.Series) else df
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"record({name!r}, ...) needs a DataFrame, got {type(df).__name__}")
        if not isinstance(frame.index, pd.RangeIndex):
            frame = frame.reset_index()
        self._tables.append((name, frame.copy()))
        return df

    def add_source(self, path: str | os.PathLike[str], years: str = "") -> None:
        """Name a data file the page read, with the data years it covers."""
        file = Path(path)
        if not file.is_file():
            raise FileNotFoundError(f"add_source: {file} is not a file")
        key = str(file.resolve())
        known = self._sources.get(key)
        if known is not None:
            if years and years != known.years:
                merged = ", ".join(y for y in (known.years, years) if y)
                self._sources[key] = Source(
                    known.name, known.path, known.size, known.sha256, merged, known.release
                )
            return
        digest = file_sha256(file)
        self._sources[key] = Source(
            name=file.name,
            path=str(file),
            size=file.stat().st_size,
            sha256=digest,
            years=years,
            release=release_of(file, digest) if is_urban_file(file.name) else "",
        )

    @property
    def sources(self) -> list[Source]:
        return list(self._sources.values())

    def numbers(self) -> pd.DataFrame:
        """All recorded tables stacked long, with the table name in the first column."""
        frames = []
        for name, df in self._tables:
            frame = df.rename(columns={"table": "table_"}) if "table" in df.columns else df
            frame = frame.copy()
            frame.insert(0, "table", name)
            frames.append(frame)
        if not frames:
            return pd.DataFrame({"table": pd.Series(dtype=str)})
        # convert_dtypes keeps whole numbers whole when tables with different columns stack
        return pd.concat([f.convert_dtypes() for f in frames], ignore_index=True, sort=False)

    def numbers_csv(self) -> str:
        """``numbers()`` as CSV text, written without building the stacked frame.

        Same text as ``safe_frame(numbers()).to_csv(index=False)`` (a test holds them
        together) at a tenth of the cost; a national batch writes one per page. Text that a
        spreadsheet would run as a formula (a table name, a column name, a place name or
        an inventory entry starting with ``=``, ``+``, ``-``, ``@``) is written as text
        (:func:`mobility_nb.render.cells.csv_cell`); numbers are untouched.
        """
        tables = [
            (name, df.rename(columns={"table": "table_"}) if "table" in df.columns else df)
            for name, df in self._tables
        ]
        columns: dict[str, int] = {"table": 0}
        for _, df in tables:
            for col in df.columns:
                columns.setdefault(str(col), len(columns))
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([csv_cell(c) for c in columns])
        for name, df in tables:
            slots = [columns[str(c)] for c in df.columns]
            cells = [_csv_cells(column) for _, column in df.items()]
            for values in zip(*cells, strict=True) if cells else [()] * len(df):
                row = [""] * len(columns)
                row[0] = csv_cell(name)
                for slot, text in zip(slots, values, strict=True):
                    row[slot] = text
                writer.writerow(row)
        return buf.getvalue()

    def provenance(self) -> dict[str, Any]:
        """Data files with checksums, data years, versions and the (non-secret) parameters."""
        from mobility_nb import __version__

        years = sorted({s.years for s in self._sources.values() if s.years})
        roots = _roots(self.params)
        prov: dict[str, Any] = {
            "step": self.step,
            "package": "mobility-nb",
            "package_version": __version__,
            "run_at": self.run_at,
            "data_files": [
                {
                    "name": s.name,
                    "path": portable_path(s.path, roots),
                    "size": s.size,
                    "sha256": s.sha256,
                    "years": s.years,
                    "release": s.release or None,
                }
                for s in self._sources.values()
            ],
            "data_years": years,
            "parameters": _portable_value(public_params(self.params), roots),
            "tables": [name for name, _ in self._tables],
        }
        if self.title:
            prov["title"] = self.title
        return prov

    def add_citation(self, key: str, text: str, url: str = "") -> None:
        """A source the page's "Cite this page" block names (once per ``key``)."""
        self._citations[key] = (text, url)

    def citations(self) -> list[tuple[str, str]]:
        """(text, url) of every source to cite: Urban's files (with their releases) first."""
        out = []
        urban = [s for s in self._sources.values() if is_urban_file(s.name)]
        if urban:
            releases = sorted({s.release for s in urban if s.release and s.release != "unknown"})
            years = sorted({s.years for s in urban if s.years})
            out.append(
                (
                    "Urban Institute. Boosting Upward Mobility: Metrics to Inform Local Action "
                    "(Mobility Metrics for counties and cities"
                    + (f"; files of {', '.join(releases)}" if releases else "")
                    + (f"; data years {', '.join(years)}" if years else "")
                    + "). Washington, DC: Urban Institute.",
                    URBAN_DATA_URL,
                )
            )
        return out + list(self._citations.values())

    def provenance_html(self, settings: list[tuple[str, str]] | None = None) -> str:
        """The "About this page" block: how to cite it, its settings, its data files.

        ``settings`` are the (name, value) pairs a reader needs (the place, peers, data
        releases); without them the public parameters are listed. Local paths never appear:
        files are named by their file name only.
        """
        from mobility_nb import __version__
        from mobility_nb.render import formats
        from mobility_nb.render.tables import details, html_table

        prov = self.provenance()
        esc = formats.html_text
        made = formats.long_date(prov["run_at"])
        title = self.title or "This page"
        cite = [
            f"<p><strong>{esc(title)}</strong>. Made with mobility-nb {esc(__version__)} on "
            f"{esc(made)}.</p>"
        ]
        for text, url in self.citations():
            link = f' <a href="{formats.html_attr(url)}">{esc(url)}</a>' if url else ""
            cite.append(f"<p>{esc(text)}{link}</p>")
        cite.append(
            f"<p>mobility-nb {esc(__version__)}, a workbook for Steps 2, 5 and 8 of the Urban "
            "Institute's <em>Boosting Upward Mobility: A Planning Guide for Local Action</em> "
            f'(<a href="{GUIDE_URL}">{GUIDE_URL}</a>).</p>'
        )
        if settings is None:
            settings = [(formats.label(k), _show_value(v)) for k, v in prov["parameters"].items()]
        shown = [*settings, ("Made on", made), ("Made with", f"mobility-nb {__version__}")]
        parts = [
            '<section class="mnb-provenance" aria-labelledby="mnb-about">',
            '<h2 id="mnb-about">About this page</h2>',
            '<h3 id="mnb-cite">Cite this page</h3>',
            '<div class="mnb-cite">' + "".join(cite) + "</div>",
            html_table(
                pd.DataFrame(shown, columns=["Setting", "Value"]),
                caption="What this page was made for and from",
            ),
        ]
        files = pd.DataFrame(
            [
                [
                    s["name"],
                    s["release"] or formats.MISSING,
                    s["years"] or "",
                    _human_size(s["size"]),
                    s["sha256"][:12],
                ]
                for s in prov["data_files"]
            ],
            columns=["File", "Release", "Data years", "Size", "SHA-256 (first 12)"],
        )
        if len(files):
            parts.append(
                details(
                    f"The {len(files)} data file(s) used, with checksums",
                    "<p>Release names the Urban Institute release each Mobility Metrics file "
                    "came from (unknown: not downloaded by mobility-nb and not a file it knows "
                    "the checksum of). The checksum identifies the exact version of a file; the "
                    "provenance file published beside this page gives the full checksums.</p>"
                    + html_table(files, caption="Data files used"),
                )
            )
        else:
            parts.append("<p>No data files were recorded for this page.</p>")
        parts.append("</section>")
        return "".join(parts)

    def show_provenance(self, settings: list[tuple[str, str]] | None = None) -> None:
        """Display the "About this page" block in the notebook (and so on the page)."""
        from mobility_nb.render.tables import show_html

        show_html(self.provenance_html(settings))

    def _provenance_text(self) -> str:
        return json.dumps(self.provenance(), indent=2, default=str, ensure_ascii=False) + "\n"

    def finish(self) -> None:
        """Write the numbers CSV and provenance JSON for the runner (no-op without a dir)."""
        if self.artifacts_dir is None:
            return
        write_atomic(self.artifacts_dir / NUMBERS_FILE, self.numbers_csv())
        write_atomic(self.artifacts_dir / PROVENANCE_FILE, self._provenance_text())

    def export(self, folder: str | os.PathLike[str], stem: str) -> list[Path]:
        """Write ``<stem>.csv`` and ``<stem>.provenance.json`` into ``folder`` (a notebook
        run by hand, with no runner to publish them); returns their paths."""
        from mobility_nb.run.paths import out_path

        return [
            write_atomic(out_path(folder, f"{stem}.csv"), self.numbers_csv()),
            write_atomic(out_path(folder, f"{stem}.provenance.json"), self._provenance_text()),
        ]
