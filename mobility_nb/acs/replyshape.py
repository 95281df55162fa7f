"""What a Census Data API answer must look like before anyone trusts or caches it.

The data endpoint answers a JSON *list of lists*: a header row of field names (strings),
then one row per geography with exactly as many cells, each a string or ``null``. An HTML
page (the "Missing Key" or "Invalid Key" pages come with HTTP 200), a JSON object, or
ragged rows are not data - the client refuses them before the HTTP cache stores them and
the importer refuses them as files.
"""

from __future__ import annotations

from typing import Any

MAX_REPORTED = 3


def table_problem(payload: Any) -> str | None:
    """None for a well-formed API table, else one sentence saying what is wrong."""
    if isinstance(payload, dict):
        keys = ", ".join(repr(k) for k in list(payload)[:MAX_REPORTED])
        return (
            f"it is a JSON object ({{{keys}{', ...' if len(payload) > MAX_REPORTED else ''}}})"
            ", not the API's list of lists"
        )
    if not isinstance(payload, list):
        return f"it is a JSON {type(payload).__name__}, not the API's list of lists"
    if not payload:
        return "it is an empty list (no header row)"
    header = payload[0]
    if not isinstance(header, list) or not header:
        return "its first element is not a header row (a list of field names)"
    if not all(isinstance(h, str) and h for h in header):
        return "its header row holds something other than field names"
    width = len(header)
    for number, row in enumerate(payload[1:], start=2):
        if not isinstance(row, list):
            return f"element {number} is a {type(row).__name__}, not a row (list)"
        if len(row) != width:
            return (
                f"row {number} has {len(row)} cells but the header has {width} "
                "(the rows are ragged)"
            )
        bad = next((c for c in row if c is not None and not isinstance(c, (str, int, float))), None)
        if bad is not None:
            return f"row {number} holds a {type(bad).__name__} where a value should be"
    return None
