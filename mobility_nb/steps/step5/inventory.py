"""The Step 5.2 data inventory: every source the coalition is using or plans to use.

Built from two things: what the analyst declares (``inventory`` entries in the
parameters, e.g. a school district file still under a data-sharing agreement) and what
the page actually loaded (Mobility Metrics, the ACS store slices, local files), so the
table cannot claim a source was used when it was not.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from mobility_nb.errors import ParamsError

COLUMNS = [
    "Source",
    "Owner",
    "Geography",
    "Years",
    "Disaggregation",
    "Quality notes",
    "Access",
    "Status",
]
ENTRY_KEYS = {
    "source": "Source",
    "owner": "Owner",
    "geography": "Geography",
    "years": "Years",
    "disaggregation": "Disaggregation",
    "quality_notes": "Quality notes",
    "access": "Access",
    "status": "Status",
}
ALIASES = {
    "name": "source",
    "dataset": "source",
    "agency": "owner",
    "notes": "quality_notes",
    "subgroups": "disaggregation",
}


def declared_rows(entries: Iterable[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """Rows from the ``inventory`` parameter; unknown settings are a :class:`ParamsError`."""
    rows = []
    for n, entry in enumerate(entries or [], start=1):
        if not isinstance(entry, Mapping):
            raise ParamsError(
                f"inventory entry {n} must be a mapping such as "
                "{source: ..., owner: ..., geography: ...}; got {entry!r}."
            )
        row = {col: "" for col in COLUMNS}
        for key, value in entry.items():
            name = ALIASES.get(str(key), str(key))
            if name not in ENTRY_KEYS:
                close = difflib.get_close_matches(name, list(ENTRY_KEYS), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ParamsError(
                    f"inventory entry {n} has an unknown setting {key!r}.{hint} "
                    f"Valid: {', '.join(ENTRY_KEYS)}."
                )
            row[ENTRY_KEYS[name]] = "" if value is None else str(value)
        if not row["Source"]:
            raise ParamsError(f"inventory entry {n} needs a 'source' (the dataset's name).")
        row["Status"] = row["Status"] or "planned (declared in parameters, not loaded)"
        rows.append(row)
    return rows


def build_inventory(
    declared: Iterable[Mapping[str, Any]] | None = None, loaded: Iterable[Mapping[str, str]] = ()
) -> pd.DataFrame:
    """Loaded sources first (status says how they were used), then declared-only ones.

    A declared entry whose source name matches a loaded one fills its blanks instead of
    adding a duplicate row.
    """
    rows = [{col: str(r.get(col, "") or "") for col in COLUMNS} for r in loaded]
    by_name = {r["Source"].lower(): r for r in rows}
    for entry in declared_rows(declared):
        match = by_name.get(entry["Source"].lower())
        if match is None:
            rows.append(entry)
            continue
        for col in COLUMNS:
            if col != "Status" and entry[col] and not match[col]:
                match[col] = entry[col]
    return pd.DataFrame(rows, columns=COLUMNS)


def local_file_row(loaded_file: Any) -> dict[str, str]:
    """An inventory row for a checked :class:`~.local_data.LoadedLocalFile`."""
    s = loaded_file.spec
    years = loaded_file.years
    notes = s.quality_notes
    if s.example:
        notes = ("EXAMPLE DATA - illustrative numbers, not real. " + notes).strip()
    problems = sum(1 for i in loaded_file.issues if i.severity == "problem")
    if problems:
        notes = (notes + f" Validation: {problems} problem(s) on this page.").strip()
    return {
        "Source": s.name,
        "Owner": s.owner,
        "Geography": s.geography_level,
        "Years": years,
        "Disaggregation": s.disaggregation,
        "Quality notes": notes,
        "Access": s.access or "local file",
        "Status": f"loaded: {loaded_file.status}",
    }
