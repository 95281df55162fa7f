"""``mobility-nb census import``: ACS tables analysts already have, into the local store.

The same store ``census fetch`` fills (:mod:`mobility_nb.acs.store`), with vintage,
source and MOE kept, from:

* tidycensus output - long (``GEOID, NAME, variable, estimate, moe``) and wide
  (``<code>E``/``<code>M``): :mod:`.tidycensus`;
* data.census.gov CSV downloads: :mod:`.census_csv`;
* verbatim Census API JSON answers: :mod:`.api_json`;
* CDC/ATSDR SVI files (published values ``SVI:*``): :mod:`.svi`;
* labelled tables (label/group columns) through an import plan: :mod:`.labelled`,
  :mod:`.plan`.

:func:`read_file` / :func:`read_plan` collect an :class:`~.base.ImportBatch` and check
it; :func:`commit` writes every store file it touches in one all-or-nothing step and
records the command, so a damaged file later names the command that rebuilds it.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobility_nb.acs import store
from mobility_nb.acs.importers import api_json, census_csv, labelled, svi, tidycensus
from mobility_nb.acs.importers.base import ImportBatch
from mobility_nb.acs.importers.plan import FORMATS, Entry, Plan, load_plan
from mobility_nb.errors import ACSImportError

__all__ = [
    "FORMATS",
    "ImportBatch",
    "ImportReport",
    "commit",
    "detect_format",
    "load_plan",
    "read_file",
    "read_plan",
]

IMPORT_SOURCE = "import"


def detect_format(path: str | os.PathLike[str]) -> str:
    """The layout of ``path`` from its first lines; a clear error when it is none we know."""
    file = Path(path)
    if file.suffix.lower() == ".json":
        return "api-json"
    try:
        with file.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, [])
            first = next(reader, [])
    except FileNotFoundError:
        raise ACSImportError(str(file), "the file does not exist", "Check the path") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ACSImportError(
            str(file), f"it cannot be read as CSV ({exc})", "Check that it is a CSV or JSON file"
        ) from None
    columns = [c.strip() for c in header]
    if census_csv.looks_like(columns, first) or columns[:2] == ["GEO.id", "GEO.id2"]:
        return "census-csv"
    if svi.looks_like(columns):
        return "svi"
    if "variable" in columns and "estimate" in columns:
        return "tidycensus-long"
    from mobility_nb.acs.variables import split_api_field

    if any(split_api_field(c) for c in columns):
        return "tidycensus-wide"
    raise ACSImportError(
        str(file),
        "its layout is none this command knows (tidycensus long or wide, a "
        "data.census.gov download, an API answer or an SVI file)",
        "For tables with readable labels instead of ACS codes, write an import plan that "
        "says which label is which variable and pass it with --plan (see "
        "params/census/albemarle.yaml); otherwise pass --format",
    )


def read_file(
    path: str | os.PathLike[str],
    batch: ImportBatch,
    *,
    fmt: str = "auto",
    source: str = "",
    year: int | None = None,
    level: str | None = None,
    geoid_column: str | None = None,
    name_column: str | None = None,
    variable_names: Mapping[str, str] | None = None,
    summary_variable: str | None = None,
) -> int:
    """Read one file of a known layout into ``batch``; returns the number of cells."""
    file = Path(path)
    if fmt not in FORMATS or fmt == "labelled":
        raise ACSImportError(
            str(file),
            f"--format {fmt!r} cannot be used for a single file",
            "Labelled tables need an import plan (--plan); formats: "
            + ", ".join(f for f in FORMATS if f != "labelled"),
        )
    chosen = detect_format(file) if fmt == "auto" else fmt
    label = source or f"{chosen} file {file.name}"
    common = {"source": label, "year": year, "level": level}
    if chosen == "tidycensus-long":
        return tidycensus.read_long(
            file,
            batch,
            geoid_column=geoid_column,
            name_column=name_column,
            variable_names=variable_names,
            summary_variable=summary_variable,
            **common,
        )
    if chosen == "tidycensus-wide":
        return tidycensus.read_wide(
            file, batch, geoid_column=geoid_column, name_column=name_column, **common
        )
    if chosen == "census-csv":
        return census_csv.read(file, batch, **common)
    if chosen == "api-json":
        return api_json.read(file, batch, **common)
    return svi.read(file, batch, **common)


def _read_entry(entry: Entry, batch: ImportBatch) -> int:
    total = 0
    for file in entry.files:
        if entry.format == "labelled":
            total += labelled.read(file, entry, batch)
        else:
            total += read_file(
                file,
                batch,
                fmt=entry.format,
                source=f"{entry.source} ({file.name})",
                year=entry.year,
                level=entry.level,
                geoid_column=entry.geoid_column,
                name_column=entry.name_column,
                variable_names=entry.variable_names,
                summary_variable=entry.summary_variable,
            )
    return total


def read_plan(
    plan: Plan | str | os.PathLike[str],
    batch: ImportBatch,
    census_data_dir: str | os.PathLike[str] | None = None,
) -> int:
    """Read every file an import plan lists into ``batch``."""
    loaded = plan if isinstance(plan, Plan) else load_plan(plan, census_data_dir)
    return sum(_read_entry(entry, batch) for entry in loaded.entries)


@dataclass
class SliceReport:
    key: store.StoreKey
    path: str
    cells: int
    geographies: int
    variables: int
    published: int


@dataclass
class ImportReport:
    """What one import wrote (or, with ``dry_run``, would write)."""

    store_dir: str
    slices: list[SliceReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def cells(self) -> int:
        return sum(s.cells for s in self.slices)

    def lines(self) -> list[str]:
        verb = "Would import" if self.dry_run else "Imported"
        out = [
            f"{verb} {self.cells:,} values from {len(self.files)} file(s) into "
            f"{len(self.slices)} store file(s) at {self.store_dir}:"
        ]
        for s in self.slices[:40]:
            raw = s.variables - s.published
            out.append(
                f"  {s.key.describe()}: {s.geographies} geographies, {raw} ACS "
                f"variables, {s.published} published values"
            )
        if len(self.slices) > 40:
            out.append(f"  ... and {len(self.slices) - 40} more (see 'mobility-nb census status')")
        out += [f"  note: {n}" for n in self.notes]
        return out


def commit(
    batch: ImportBatch,
    store_dir: str | os.PathLike[str],
    *,
    command: str = "",
    dry_run: bool = False,
    extra_meta: Mapping[str, Any] | None = None,
) -> ImportReport:
    """Write the batch into the store: every touched file, or none of them.

    Cells replace earlier cells of the same variable and geography only; everything else
    a store file holds stays. ``command`` is remembered for each file written.
    """
    rows = batch.rows()
    directory = store.ensure_store_dir(store_dir, create=not dry_run)
    report = ImportReport(
        str(directory), notes=list(batch.notes), files=list(batch.files), dry_run=dry_run
    )
    parts = []
    stamp = store.now_iso()
    rows["state"] = rows["geoid"].str[:2]
    for (year, level, state), group in rows.groupby(["year", "level", "state"], sort=True):
        key = store.StoreKey(batch.dataset, int(year), str(level), str(state))
        files = sorted(set(group["file"].unique()))
        names = set(group["variable"].unique())
        published = {k: v for k, v in batch.published.items() if k in names}
        marked = set(group.loc[group["kind"] == "published", "variable"].unique())
        published.update({n: {} for n in marked - set(published)})
        meta = {
            "source": IMPORT_SOURCE,
            "source_label": "; ".join(sorted(group["source"].unique())),
            "fetched_at": stamp,
            "imported_files": [Path(f).name for f in files],
            "published": published,
            **(extra_meta or {}),
        }
        parts.append((key, group.drop(columns=["year", "level", "state", "file", "line"]), meta))
        report.slices.append(
            SliceReport(
                key,
                str(store.slice_path(directory, key)),
                len(group),
                int(group["geoid"].nunique()),
                len(names),
                len(published),
            )
        )
    if dry_run:
        return report
    paths = store.write_slices(directory, parts, replace="cells")
    store.record_refill(directory, paths, command)
    return report
