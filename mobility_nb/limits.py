"""How much input the tool accepts, so a wrong file fails in a second, not after an hour.

``--params /dev/zero`` would otherwise be read until memory runs out, and a parameters
file listing 300,000 peers would be parsed and then ground through for minutes. Every
limit is far above real use (a measurement plan of a large city is ~20 KB with ~40
indicators; Step 2 compares with a few dozen peers; a national list has ~3,600 rows) and
each refusal says which input, how large it was and what the limit is.
"""

from __future__ import annotations

import os
from pathlib import Path

from mobility_nb.errors import InputTooLargeError

KIB = 1024
MIB = 1024 * KIB

MAX_PARAMS_BYTES = 1 * MIB  # a --params file, a plan file, a list row's params_file
MAX_LIST_BYTES = 16 * MIB  # a --list file (YAML or CSV)
MAX_LIST_ROWS = 20_000  # rows of a --list (every county and city is ~3,600)
MAX_PEERS = 500  # peers of one page (Step 2 shows a few dozen at most)
MAX_PLAN_INDICATORS = 1_000  # indicators of one measurement plan
MAX_WORKBOOK_BYTES = 20 * MIB  # an .xlsx plan workbook or local data file
MAX_YAML_NODES = 1_000_000  # values in a YAML document with its aliases expanded


def _size_text(size: int) -> str:
    return f"{size / MIB:.1f} MB" if size >= MIB else f"{max(1, size // KIB)} KB"


def read_text_limited(
    path: str | os.PathLike[str], limit: int, what: str, *, encoding: str = "utf-8"
) -> str:
    """The text of ``path``, refused (InputTooLargeError) beyond ``limit`` bytes.

    Reads at most ``limit + 1`` bytes, so endless inputs (``/dev/zero``, a pipe that
    never closes its end after a flood) are refused as soon as they pass the limit.
    OSError and UnicodeDecodeError propagate for the caller to word.
    """
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputTooLargeError(
            f"The {what} {str(path)!r} is larger than {_size_text(limit)}, the most "
            "mobility-nb reads for it, so it was not read. Check that the right file was "
            "given (a parameters or plan file is a few KB of 'name: value' lines)."
        )
    return data.decode(encoding)


def check_file_size(path: str | os.PathLike[str], limit: int, what: str) -> None:
    """Refuse a regular file larger than ``limit`` bytes before opening it."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        return  # the caller's own open() reports a missing or unreadable file
    if size > limit:
        raise InputTooLargeError(
            f"The {what} {str(path)!r} is {_size_text(size)}, more than the "
            f"{_size_text(limit)} mobility-nb accepts for it. Check that the right file "
            "was given."
        )


def check_count(count: int, limit: int, what: str, where: str) -> None:
    """Refuse ``count`` items of ``what`` beyond ``limit`` (``where`` names the input)."""
    if count > limit:
        raise InputTooLargeError(
            f"{where} has {count:,} {what}; mobility-nb accepts at most {limit:,}. Check that "
            "the right list was given, or split it."
        )
