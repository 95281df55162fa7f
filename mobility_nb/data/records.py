"""Rows of a table as plain dicts, the way ``DataFrame.to_dict("records")`` gives them.

Pages walk their small tables row by row to write sentences and cells. pandas'
``to_dict("records")`` boxes every cell through ``itertuples`` (for text columns, one
Arrow scalar at a time): on Step 2's wide standing table it was a tenth of a page's cost.
Converting whole columns at once gives the same values: Python numbers, text as ``str``,
missing text and numbers as ``NaN``, missing nullable values as ``None``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd


def column_values(column: pd.Series) -> list[Any]:
    """One column's cells as ``to_dict("records")`` gives them (see the module docstring)."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):  # labels looked up by code, not cell by cell
        labels = dtype.categories.tolist()
        return [labels[c] if c >= 0 else np.nan for c in column.cat.codes.tolist()]
    values = column.tolist()
    if dtype == np.dtype(object):
        return [v.item() if isinstance(v, np.generic) else v for v in values]
    if getattr(dtype, "na_value", None) is pd.NA:  # nullable Int64, boolean, string
        return [None if v is pd.NA else v for v in values]
    return values


def records(frame: pd.DataFrame, columns: Sequence[Hashable] | None = None) -> list[dict[str, Any]]:
    """``frame.to_dict("records")`` (optionally of some ``columns`` only), column-wise."""
    keys = frame.columns.tolist() if columns is None else list(columns)
    if not keys:
        return [{} for _ in range(len(frame))]
    if columns is None:
        arrays = [column_values(column) for _, column in frame.items()]
    else:
        arrays = [column_values(frame[c]) for c in keys]
    return [dict(zip(keys, values, strict=True)) for values in zip(*arrays, strict=True)]
