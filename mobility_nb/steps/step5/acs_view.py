"""What the local ACS store holds for one Step 5 page, read through :mod:`mobility_nb.acs.lookup`.

One vintage per page. Without ``acs_year`` the page shows the newest vintage that holds
the county's tracts (a county page's tract section is half of Step 5), else the newest
that holds the place's own row: a store that also holds the national county files of
other years never makes a county page lose its tracts. The other vintages holding the
place are listed so the analyst can choose one.

The same test decides whether the page has any ACS data at all
(:func:`missing_acs_message`), so the command line can warn before a page is built and
the page itself says the same thing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mobility_nb.acs import indicators as ind
from mobility_nb.acs import lookup, store


def levels_for(level: str) -> tuple[str, ...]:
    """Store levels a page reads: a county and its tracts, or a city's own row."""
    return ("county", "tract") if level == "county" else ("place",)


def choose_year(held: dict[int, list[str]], level: str, wanted: int = 0) -> int | None:
    """The vintage to show: ``wanted`` when given, else the newest holding tracts (counties),
    else the newest holding anything for the place."""
    if wanted:
        return int(wanted)
    if level == "county":
        with_tracts = [y for y, levels in held.items() if "tract" in levels]
        if with_tracts:
            return max(with_tracts)
    return max(held) if held else None


@dataclass
class ACSView:
    """One jurisdiction's ACS indicators and tracts in one vintage."""

    store_dir: Path
    level: str = "county"  # the page's own level: "county" or "place"
    year: int | None = None
    results: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ind.RESULT_COLUMNS))
    place_origin: str = ""  # "published" | "sum of tracts" | ""
    summed_counts: bool = False  # a sum of tracts held counts (not only medians)
    tract_results: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=ind.RESULT_COLUMNS)
    )
    files: list[lookup.StoreFile] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    held: dict[int, list[str]] = field(default_factory=dict)  # vintage -> levels with rows

    @property
    def years_available(self) -> list[int]:
        return list(self.held)

    @property
    def vintage(self) -> str:
        return store.vintage_label(self.year) if self.year else ""

    @property
    def tract_geoids(self) -> list[str]:
        return sorted(set(self.tract_results["geoid"].astype(str)))

    @property
    def found(self) -> bool:
        return bool(self.place_origin) or bool(self.tract_geoids)

    @property
    def used_files(self) -> list[lookup.StoreFile]:
        """The store files whose values the page shows (for provenance and source notes)."""
        shown = {"tract"} if self.tract_geoids else set()
        if self.place_origin == "published":
            shown.add(self.level)
        return [f for f in self.files if f.key.level in shown]

    @property
    def source_labels(self) -> list[str]:
        """Who supplied the values shown, one entry per source with its files named
        ('UVA Equity Center ... (alb_a.csv, alb_b.csv and 12 more)'); else the files' labels."""
        found: dict[str, None] = {}
        for frame in (self.results, self.tract_results):
            if frame.empty:
                continue
            shown = frame[np.isfinite(frame["estimate"].to_numpy(dtype=float))]
            for text in shown["source"].dropna():
                for part in str(text).split("; "):
                    if part:
                        found.setdefault(part)
        if not found:
            for f in self.used_files:
                label = str(f.meta.get("source_label", f.meta.get("source", "")))
                if label:
                    found.setdefault(label)
        return group_sources(list(found))

    @property
    def is_replay(self) -> bool:
        return any(f.is_replay for f in self.used_files)

    @property
    def variable_notes(self) -> dict[str, str]:
        notes: dict[str, str] = {}
        for f in self.used_files:
            notes.update(f.variable_notes)
        return notes

    def other_vintages(self) -> list[int]:
        return [y for y in self.held if y != self.year]


_FILE_NOTE = re.compile(r"^(?P<source>.*) \((?P<file>[^()]+\.[A-Za-z]{2,5})\)$")
FILES_NAMED = 3


def group_sources(labels: list[str]) -> list[str]:
    """Merge 'Source (file.csv)' labels of one source into 'Source (a.csv, b.csv and 4 more)'."""
    files: dict[str, list[str]] = {}
    for label in labels:
        match = _FILE_NOTE.match(label)
        source, file = (match["source"], match["file"]) if match else (label, "")
        named = files.setdefault(source, [])
        if file and file not in named:
            named.append(file)
    out = []
    for source, named in files.items():
        if not named:
            out.append(source)
            continue
        shown = ", ".join(named[:FILES_NAMED])
        more = f" and {len(named) - FILES_NAMED} more" if len(named) > FILES_NAMED else ""
        out.append(f"{source} ({shown}{more})")
    return out


def load_acs(
    geoid: str, level: str, name: str, store_dir: str | os.PathLike[str] | None, year: int = 0
) -> ACSView:
    """The page's view of the store: place indicators (published, or summed from tracts),
    every tract's indicators, and the store files behind them."""
    directory = store.resolve_store_dir(store_dir)
    levels = levels_for(level)
    held = lookup.place_vintages(directory, geoid, levels=levels)
    view = ACSView(directory, level=level, held=held)
    view.year = choose_year(held, level, year)
    if not view.year:
        return view
    view.files = lookup.store_files(directory, geoid, view.year, levels=levels)
    there = held.get(view.year, [])
    if level in there:
        view.results = lookup.place_indicators(directory, geoid, view.year)
        view.place_origin = "published"
    if "tract" in there:
        view.tract_results = lookup.tract_indicators(directory, geoid, view.year, groups=None)
        if not view.place_origin:
            view.results, view.skipped, view.summed_counts = lookup.tract_sum_indicators(
                directory, geoid, view.year, name
            )
            view.place_origin = "sum of tracts"
    return view


def missing_acs_message(
    geoid: str,
    level: str,
    state: str,
    store_dir: str | os.PathLike[str] | None,
    year: int = 0,
) -> str:
    """'' when the store holds ACS rows for the place in the vintage the page would show;
    else one paragraph naming the store and the command that fills it."""
    directory = store.resolve_store_dir(store_dir)
    levels = levels_for(level)
    held = lookup.place_vintages(directory, geoid, levels=levels)
    chosen = choose_year(held, level, year)
    if chosen and chosen in held:
        return ""
    when = f" for ACS {chosen - 4}\u2013{chosen}" if chosen else ""
    years = ", ".join(str(y) for y in held) or "none"
    command = store.fetch_command(state, chosen or None, list(levels))
    return (
        f"The local ACS store ({directory}) holds no ACS data for {geoid}{when} "
        f"(vintages there for it: {years}), so its Step 5 page has no ACS section. Fill it "
        f"with `{command}` (Census API key in $CENSUS_API_KEY), or import files you have "
        "with `mobility-nb census import`."
    )


def missing_for_job(job: Any) -> str:
    """The step registry's data check for a planned Step 5 page (a
    :class:`~mobility_nb.run.jobs.Job`): its ``store_dir`` and ``acs_year`` parameters, or
    the store the kernel will use ($MOBILITY_NB_ACS_STORE, the user cache)."""
    params = getattr(job, "params", {}) or {}
    return missing_acs_message(
        job.geoid,
        job.level or ("county" if len(str(job.geoid)) == 5 else "place"),
        job.state or str(job.geoid)[:2],
        params.get("store_dir") or None,
        int(params.get("acs_year") or 0),
    )
