"""Fast, strict reading of Urban's CSV files.

pyarrow reads the 27 MB county file in well under a second, but its errors do not say
*where* a file is broken. On any parse failure we re-scan the file with the standard
library to name the first bad line, so a truncated download produces an actionable
message instead of a stack trace (or, worse, silently padded rows).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from mobility_nb.errors import DataFileError

NULLS = ["NA", ""]


def _locate_problem(path: Path, text_columns: set[str]) -> tuple[int | None, str]:
    """Find the first line whose field count or numeric content is wrong."""
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            return 1, "the file is empty (no header row)"
        numeric_idx = [i for i, c in enumerate(header) if c not in text_columns]
        for row in reader:
            line = reader.line_num
            if len(row) != len(header):
                return line, f"expected {len(header)} fields but found {len(row)}"
            for i in numeric_idx:
                cell = row[i].strip()
                if cell in NULLS:
                    continue
                try:
                    float(cell)
                except ValueError:
                    return line, f"column {header[i]!r} holds {cell[:40]!r}, which is not a number"
    return None, "the file could not be parsed"


def read_csv_checked(
    path: Path,
    text_columns: Iterable[str] = (),
    required: Iterable[str] = (),
) -> pd.DataFrame:
    """Read an Urban CSV with ids as text, ``NA`` as missing, and clear errors.

    ``text_columns`` are kept as strings (FIPS codes keep their leading zeros; flags and
    ``"a:b"`` ratios stay text); any other column that cannot be parsed as a number is an
    error naming the file and line.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            header_line = fh.readline()
    except OSError as exc:
        raise DataFileError(str(path), f"it cannot be opened ({exc.strerror})") from None
    header = next(csv.reader([header_line]), [])
    if not header:
        raise DataFileError(str(path), "the file is empty (no header row)", line=1)
    missing = [c for c in required if c not in header]
    if missing:
        raise DataFileError(
            str(path), f"the header lacks the expected column(s) {', '.join(missing)}", line=1
        )
    text = {c for c in text_columns if c in header}
    types = {c: pa.string() for c in text}
    numeric = [c for c in header if c not in text]
    types.update({c: pa.float64() for c in numeric if c != "year"})
    if "year" in header:
        types["year"] = pa.int32()
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types=types, null_values=NULLS, strings_can_be_null=True
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        line, problem = _locate_problem(path, text)
        if line is None:
            problem = f"{problem}: {str(exc).splitlines()[0][:200]}"
        raise DataFileError(str(path), problem, line=line) from None
    if table.num_rows == 0:
        raise DataFileError(str(path), "the file has a header but no data rows", line=2)
    df = table.to_pandas()
    _check_last_row(path, len(df))
    return df


def _check_last_row(path: Path, n_rows: int) -> None:
    """A download cut mid-number still parses; a missing final newline gives it away."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 1))
        last = fh.read(1)
    if last not in (b"\n", b"\r"):
        # Urban's files always end with a newline: a missing one means the tail was cut off.
        raise DataFileError(
            str(path),
            "the last line is incomplete (the file does not end with a newline)",
            line=n_rows + 1,
        )
