"""Strict CSV reading: broken files name the file and line, never a traceback or padded rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mobility_nb.data.csvread import read_csv_checked
from mobility_nb.errors import DataFileError, MobilityNBError

COUNTY = "11_mobility-metrics_county_longitudinal.csv"
TEXT = ["state", "county", "state_name", "county_name", "flag"]
SMALL = (
    "year,state,county,state_name,county_name,value,flag\n"
    "2021,01,001,Alabama,Autauga County,0.25,Strong\n"
    "2021,17,031,Illinois,Cook County,NA,\n"
    "2023,17,031,Illinois,Cook County,1250.5,Weak\n"
)


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read_error(path: Path, **kwargs) -> DataFileError:
    with pytest.raises(DataFileError) as info:
        read_csv_checked(path, text_columns=TEXT, **kwargs)
    err = info.value
    assert isinstance(err, MobilityNBError)
    message = str(err)
    assert str(path) in message  # names the file
    assert "\n" not in message  # one paragraph
    assert "download it again" in message  # says what to do
    return err


def test_ids_stay_text_and_na_is_missing(tmp_path):
    df = read_csv_checked(write(tmp_path, SMALL), text_columns=TEXT)
    assert df["state"].tolist() == ["01", "17", "17"]
    assert df["county"].tolist() == ["001", "031", "031"]
    assert df["year"].tolist() == [2021, 2021, 2023]
    assert np.isnan(df.loc[1, "value"])
    assert df.loc[2, "value"] == 1250.5
    assert df["flag"].isna().tolist() == [False, True, False]


def test_fixture_file_reads_every_row(mm_fixture_dir):
    df = read_csv_checked(
        mm_fixture_dir / COUNTY,
        text_columns=["state", "county", "state_name", "county_name"]
        + [
            c
            for c in (mm_fixture_dir / COUNTY).read_text().splitlines()[0].split(",")
            if c.endswith("_quality") or c.startswith("ratio_")
        ],
    )
    assert len(df) == 21
    assert set(df["county"]) >= {"001", "003", "031", "301"}


def test_truncated_mid_row_names_file_and_line(tmp_path, mm_fixture_dir):
    lines = (mm_fixture_dir / COUNTY).read_text().splitlines(keepends=True)
    # A download cut off in the middle of line 10 (no final newline).
    path = write(tmp_path, "".join(lines[:9]) + lines[9][:40], COUNTY)
    text = [c for c in lines[0].strip().split(",") if not c[0].isdigit()]
    with pytest.raises(DataFileError) as info:
        read_csv_checked(path, text_columns=text)
    err = info.value
    assert err.line == 10
    assert f"{path}, line 10" in str(err)
    assert "expected 36 fields but found 6" in str(err)


def test_short_row_in_the_middle_is_found(tmp_path):
    bad = SMALL.replace("2021,17,031,Illinois,Cook County,NA,\n", "2021,17,031,Illinois\n")
    err = read_error(write(tmp_path, bad))
    assert err.line == 3
    assert "expected 7 fields but found 4" in err.problem


def test_extra_field_is_found(tmp_path):
    bad = SMALL.replace("0.25,Strong", "0.25,Strong,oops")
    err = read_error(write(tmp_path, bad))
    assert err.line == 2
    assert "found 8" in err.problem


def test_cut_mid_number_without_final_newline(tmp_path):
    # A cut inside the last number ("1250.5" -> "12") or flag ("Weak" -> "We") still
    # parses; only the missing final newline gives the truncation away.
    cut_flag = SMALL.rstrip("\n")[:-2]
    cut_number = (
        "year,state,county,state_name,county_name,flag,value\n"
        "2021,01,001,Alabama,Autauga County,Strong,0.25\n"
        "2023,17,031,Illinois,Cook County,Weak,12"
    )
    for content, last_line in ((cut_flag, 4), (cut_number, 3)):
        err = read_error(write(tmp_path, content))
        assert err.line == last_line
        assert "last line is incomplete" in err.problem


def test_non_numeric_value_names_line_and_column(tmp_path):
    err = read_error(write(tmp_path, SMALL.replace("1250.5", "12O5.5")))  # letter O
    assert err.line == 4
    assert "'value'" in err.problem
    assert "'12O5.5'" in err.problem
    assert "not a number" in err.problem


def test_missing_required_column(tmp_path):
    path = write(tmp_path, SMALL.replace("county,state_name", "cnty,state_name"))
    with pytest.raises(DataFileError) as info:
        read_csv_checked(path, text_columns=TEXT, required=("year", "state", "county"))
    assert info.value.line == 1
    assert "county" in info.value.problem
    assert "header lacks" in info.value.problem


def test_empty_file_and_header_only(tmp_path):
    err = read_error(write(tmp_path, "", "empty.csv"))
    assert err.line == 1
    assert "empty" in err.problem
    err = read_error(write(tmp_path, SMALL.splitlines(keepends=True)[0], "header.csv"))
    assert "no data rows" in err.problem


def test_unreadable_path(tmp_path):
    err = read_error(tmp_path / "nope.csv")
    assert "cannot be opened" in err.problem
