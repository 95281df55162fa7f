"""Verbatim Census Data API answers saved as ``.json`` files.

The file is exactly what ``api.census.gov/data/{year}/acs/acs5?get=...`` sends: a list of
lists, header first, values as strings (``null`` for blanks), geography columns last
(``state``, ``county``, ``tract`` or ``place``; ``GEO_ID`` when asked). Codes ending in E
are estimates and in M margins of error; annotation fields (EA/MA) are ignored. Special
values such as ``-666666666`` are cleaned as in a fetch. The vintage is not in the answer,
so it comes from ``--year`` or the file name (``acs5_2019``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from mobility_nb.acs import sentinels
from mobility_nb.acs.importers.base import (
    ImportBatch,
    Values,
    geographies,
    no_moe,
    resolve_year,
)
from mobility_nb.acs.replyshape import table_problem
from mobility_nb.acs.variables import split_api_field, table_of
from mobility_nb.errors import ACSImportError

GEO_FIELDS = {
    "tract": ("state", "county", "tract"),
    "county": ("state", "county"),
    "place": ("state", "place"),
}
MAX_BYTES = 512 * 1024 * 1024


def read(
    path: Path, batch: ImportBatch, *, source: str, year: int | None, level: str | None = None
) -> int:
    """Import one saved API answer; returns the number of cells read."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ACSImportError(
                str(path), "the file is larger than 512 MB", "Split the query by state"
            )
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ACSImportError(str(path), "the file does not exist", "Check the path") from None
    except (UnicodeDecodeError, OSError) as exc:
        raise ACSImportError(str(path), f"it cannot be read ({exc})", "Check the file") from None
    except json.JSONDecodeError as exc:
        raise ACSImportError(
            str(path),
            f"it is not JSON ({exc.msg}, column {exc.colno})",
            "Save the API's answer exactly as it was sent",
            line=exc.lineno,
        ) from None
    problem = table_problem(payload)
    if problem:
        raise ACSImportError(
            str(path),
            f"it is not a Census API table: {problem}",
            "Save the answer of a data query (…/acs/acs5?get=…&for=…), "
            "which is a list of lists with a header row",
        )
    header, rows = payload[0], payload[1:]
    vintage = resolve_year(path, year, "API answer")
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    lines = np.arange(2, len(frame) + 2)  # the API writes one row per line
    geo_level = next(
        (lv for lv, cols in GEO_FIELDS.items() if all(c in header for c in cols)), None
    )
    if geo_level:
        geo_text = frame[list(GEO_FIELDS[geo_level])].astype(str).agg("".join, axis=1).tolist()
        geo_col = "+".join(GEO_FIELDS[geo_level])
    elif "GEO_ID" in header:
        geo_text, geo_col = frame["GEO_ID"].tolist(), "GEO_ID"
    else:
        raise ACSImportError(
            str(path),
            "the answer has no geography columns (state, county, tract or place) and no GEO_ID",
            "Query counties, places or tracts",
        )
    geo = geographies(path, geo_text, lines.tolist(), geo_col, level or geo_level)
    names = frame["NAME"].tolist() if "NAME" in header else [""] * len(frame)
    pairs: dict[str, dict[str, str]] = {}
    for col in header:
        split = split_api_field(col)
        if split is not None:
            pairs.setdefault(split[0], {})[split[1]] = col
    values = []
    for code, cols in pairs.items():
        if "E" not in cols:
            continue
        est, ef = _clean(path, frame[cols["E"]], lines, cols["E"], "estimate", code)
        if "M" in cols:
            moe, mf = _clean(path, frame[cols["M"]], lines, cols["M"], "moe", code)
        else:
            moe, mf = no_moe(len(frame))
        values.append(Values(code, est, moe, ef, mf, geo, names, lines.tolist(), vintage))
    if not values:
        raise ACSImportError(
            str(path),
            "the answer holds no estimates (codes ending in E)",
            "Ask the API for estimate fields such as B19013_001E",
        )
    without = sorted(code for code, cols in pairs.items() if "E" in cols and "M" not in cols)
    if without:
        shown = ", ".join(without[:4]) + (" ..." if len(without) > 4 else "")
        batch.note(
            f"{path.name}: {len(without)} of {len(values)} estimates come without their margin "
            f"of error ({shown}); reliability cannot be judged for them (estimates only)"
        )
    return batch.add(values, source=source, file=path)


def _clean(
    path: Path, cells: pd.Series, lines: np.ndarray, column: str, kind: str, code: str
) -> tuple[np.ndarray, np.ndarray]:
    """API cells are numbers as text or null; anything else is an error naming the row."""
    values, flags = sentinels.clean(cells.astype(object), kind, table_of(code))
    unparsable = np.flatnonzero((flags == sentinels.UNKNOWN_FLAG) & cells.notna().to_numpy())
    for i in unparsable:
        text = str(cells.iloc[i])
        try:
            float(text)
        except ValueError:
            raise ACSImportError(
                str(path),
                f"{text!r} is not a number",
                "API values are numbers sent as text; this cell is neither",
                line=int(lines[i]),
                column=column,
            ) from None
    return values, flags
