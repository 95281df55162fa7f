"""Comparison reports: many places on one offline page (issue 15).

selection (which places) → table (each place's Step 2 standing, computed once) → standings
(marks, standing text, the pillar overview) → maps (a state map per metric) → page (one
self-contained HTML file) → export (XLSX; the CSV is the page recorder's numbers).
:func:`build` is the one entry point the ``compare`` command, ``batch --compare`` and the
demo call.
"""

from __future__ import annotations

import os

from mobility_nb.compare.report import Written, build_nation, build_report
from mobility_nb.compare.selection import Selection

__all__ = ["Selection", "Written", "build"]


def build(
    selection: Selection,
    out_dir: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    draw_maps: bool = True,
    with_states: bool = True,
) -> list[Written]:
    """Write the report(s) of one selection into ``OUT/compare/``; the national one also
    writes each state's report (unless ``with_states`` is False)."""
    if selection.kind == "nation":
        return build_nation(selection, out_dir, data_dir, with_states=with_states and draw_maps)
    return [build_report(selection, out_dir, data_dir, draw_maps=draw_maps)]
