"""records() gives exactly what DataFrame.to_dict("records") gives, cell for cell and type
for type, on every column kind the pages use and on Step 2's real tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mobility_nb.data.records import records
from mobility_nb.steps.step2 import Step2Page
from mobility_nb.steps.step2.peers import peer_table


def same_cell(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)  # type: ignore[arg-type]
    return a is b or a == b


def assert_same_records(frame: pd.DataFrame) -> None:
    expected, got = frame.to_dict("records"), records(frame)
    assert len(got) == len(expected)
    for want, have in zip(expected, got, strict=True):
        assert list(have) == list(want)
        bad = {k: (want[k], have[k]) for k in want if not same_cell(want[k], have[k])}
        assert not bad, bad


def test_every_column_kind_matches_to_dict():
    zoo = pd.DataFrame(
        {
            "float": [1.5, np.nan, 3.0],
            "int": [1, 2, 3],
            "bool": [True, False, True],
            "text": ["a", None, "c"],
            "category": pd.Categorical(["x", None, "y"]),
            "year_category": pd.Categorical([2020, 2021, None]),
            "object": pd.Series([np.float64(1.0), "t", None], dtype=object),
            "object_ints": pd.Series([np.int64(4), np.bool_(True), 7], dtype=object),
            "Int64": pd.array([1, None, 3], dtype="Int64"),
            "boolean": pd.array([True, None, False], dtype="boolean"),
            "string": pd.array(["a", None, "b"], dtype="string"),
            "when": pd.to_datetime(["2020-01-01", None, "2021-01-01"]),
            7: [0.1, 0.2, 0.3],  # a non-text column label stays as it is
        }
    )
    assert_same_records(zoo)
    assert_same_records(zoo.iloc[:0])
    assert records(pd.DataFrame(index=range(2))) == [{}, {}]


def test_chosen_columns_only():
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0.5, np.nan]})
    first, second = records(frame, ["c", "a"])
    assert first == {"c": 0.5, "a": 1}
    assert list(second) == ["c", "a"] and math.isnan(second["c"]) and second["a"] == 2
    with pytest.raises(KeyError):
        records(frame, ["missing"])


@pytest.mark.parametrize("geoid", ["17031", "42101", "48301", "4260000"])
def test_step2_tables_match_to_dict(mm_fixture_dir, geoid):
    page = Step2Page(geoid, data_dir=mm_fixture_dir)
    peers = peer_table(page.tidy, page.standing, page.place, page.peer_set)
    for table in (page.standing, page.trends, page.gaps, peers, page.subgroups.head(200)):
        assert_same_records(table)
