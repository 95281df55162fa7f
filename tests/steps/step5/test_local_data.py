"""Checking the analyst's own files: columns, types with row examples, geography codes."""

from __future__ import annotations

import numpy as np
import pytest
from openpyxl import Workbook
from support.paths import REPO

from mobility_nb.errors import ParamsError
from mobility_nb.steps.step5 import local_data

TRACTS = {"42101000100", "42101000200", "42101000300", "01001020100"}


def _csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _spec(path, **extra):
    entry = {
        "path": str(path),
        "name": "Test file",
        "geography_key": "tract",
        "geography_level": "tract",
        "year_column": "year",
        "value_columns": ["rate"],
        "required_columns": {"count": "integer"},
        **extra,
    }
    return local_data.parse_specs([entry])[0]


def test_clean_file_is_used_and_summarised(tmp_path):
    path = _csv(
        tmp_path,
        "tract,year,count,rate\n42101000100,2022,10,12.5\n"
        "42101000200,2022,20,30%\n42101000100,2023,12,11.0\n",
    )
    f = local_data.check_file(_spec(path), TRACTS)
    assert f.usable and f.issues == [] and f.status == "used"
    assert list(f.data["rate"]) == [12.5, 30.0, 11.0] and list(f.data["year"]) == [2022, 2022, 2023]
    summary = local_data.summary_table([f]).iloc[0]
    assert summary["Years"] == "2022, 2023" and summary["Rows used"] == 3
    values = local_data.value_summary(f)
    assert list(values["Geographies reporting"]) == [2, 1]


def test_missing_required_column_is_an_error_with_a_hint(tmp_path):
    path = _csv(tmp_path, "tract,yr,count,rate\n42101000100,2022,1,2\n")
    f = local_data.check_file(_spec(path), TRACTS)
    assert not f.usable and f.status.startswith("not used")
    assert "Required column 'year' is missing" in f.issues[0].message
    assert "'yr'" in f.issues[0].message  # nearest existing column suggested


def test_wrong_types_are_listed_with_row_numbers(tmp_path):
    path = _csv(
        tmp_path,
        "tract,year,count,rate\n42101000100,2022,ten,1\n"
        "42101000200,2022,5,x\n42101000300,2022,7,n/a\n",
    )
    f = local_data.check_file(_spec(path), TRACTS)
    typed = {i.column: i for i in f.issues if "should hold" in i.message}
    assert "row 2: 'ten'" in typed["count"].message and typed["count"].rows == [2]
    assert "row 3: 'x'" in typed["rate"].message and "number values" in typed["rate"].message
    assert len(f.data) == 1 and f.usable  # bad rows left out, the rest used
    empties = [i for i in f.issues if "empty value" in i.message]
    assert empties and empties[0].rows == [4]


def test_geography_codes_outside_the_jurisdiction_and_lost_zeros(tmp_path):
    path = _csv(
        tmp_path,
        "tract,year,count,rate\n42101000100,2022,1,2\n"
        "42101999900,2022,1,2\n1001020100,2022,1,2\nabc,2022,1,2\n",
    )
    f = local_data.check_file(_spec(path), TRACTS, jurisdiction="Philadelphia County")
    text = " ".join(i.message for i in f.issues)
    assert "not geographies in Philadelphia County" in text and "'42101999900'" in text
    assert "dropped a leading zero" in text
    assert "not 11-digit tract codes" in text and "'abc'" in text
    assert sorted(f.data["tract"]) == ["01001020100", "42101000100"]


def test_duplicate_geography_year_rows_are_flagged(tmp_path):
    path = _csv(tmp_path, "tract,year,count,rate\n42101000100,2022,1,2\n42101000100,2022,3,4\n")
    f = local_data.check_file(_spec(path), TRACTS)
    assert any("repeat a geography and year" in i.message for i in f.issues)


def test_excel_numbers_keep_their_codes(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["tract", "year", "count", "rate"])
    ws.append([42101000100, 2022, 5, 0.25])
    ws.append([1001020100, 2022, 7, 0.5])  # a GEOID that lost its leading zero in Excel
    wb.save(tmp_path / "d.xlsx")
    f = local_data.check_file(_spec(tmp_path / "d.xlsx"), TRACTS)
    assert sorted(f.data["tract"]) == ["01001020100", "42101000100"]
    assert list(f.data["count"]) == [5, 7]


def test_missing_file_and_bad_parameters(tmp_path):
    f = local_data.check_file(_spec(tmp_path / "nope.csv"), TRACTS)
    assert not f.usable and "does not exist" in f.issues[0].message
    with pytest.raises(ParamsError, match="did you mean 'geography_key'"):
        local_data.parse_specs([{"path": "x.csv", "geography_keys": "t"}])
    with pytest.raises(ParamsError, match="has no 'path'"):
        local_data.parse_specs([{"name": "x"}])
    with pytest.raises(ParamsError, match="type 'numeric'"):
        local_data.parse_specs([{"path": "x.csv", "required_columns": {"a": "numeric"}}])
    with pytest.raises(local_data.LocalDataError):
        local_data.load_local_files([_spec(tmp_path / "nope.csv")], strict=True)


def test_relative_paths_are_found_from_the_project_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = local_data.parse_specs(
        [{"path": "params/local/philadelphia_chronic_absence_EXAMPLE.csv", "name": "x"}],
        base_dirs=[tmp_path, REPO],
    )[0]
    assert spec.path == REPO / "params/local/philadelphia_chronic_absence_EXAMPLE.csv"


def test_the_example_files_show_their_deliberate_problems():
    csv_spec, xlsx_spec = local_data.parse_specs(
        [
            {
                "path": "params/local/philadelphia_chronic_absence_EXAMPLE.csv",
                "name": "absence",
                "geography_key": "tract_geoid",
                "geography_level": "tract",
                "year_column": "school_year",
                "value_columns": ["chronic_absence_pct"],
                "example": True,
            },
            {
                "path": "params/local/cook_eviction_filings_EXAMPLE.xlsx",
                "name": "evictions",
                "sheet": "filings",
                "geography_key": "GEOID",
                "geography_level": "tract",
                "year_column": "year",
                "value_columns": ["filing_rate_per_100"],
            },
        ],
        base_dirs=[REPO],
    )
    phila = local_data.check_file(
        csv_spec,
        {
            f"42101{t}"
            for t in (
                "000100",
                "000200",
                "000300",
                "000401",
                "000402",
                "000500",
                "000600",
                "000700",
                "000801",
                "000803",
                "000804",
                "000901",
            )
        },
    )
    assert len(phila.issues) == 2 and phila.usable and len(phila.data) == 24
    cook = local_data.check_file(xlsx_spec, None)
    assert cook.issues == [] and len(cook.data) == 20
    assert cook.data["GEOID"].str.len().eq(11).all()


def test_a_school_division_report_by_group_and_school_year(tmp_path):
    """No geography codes, one row per student group, school years written '2023 - 2024'."""
    path = _csv(
        tmp_path,
        "year,division,subgroup,count_above,pct_above\n"
        "2023 - 2024,Test Schools,All Students,150,12.5\n"
        "2023 - 2024,Test Schools,Black,40,NA\n"
        "2022 - 2023,Test Schools,All Students,180,15.0\n",
    )
    spec = local_data.parse_specs(
        [
            {
                "path": str(path),
                "name": "Chronic absence",
                "geography_level": "school district",
                "year_column": "year",
                "group_columns": ["subgroup"],
                "value_columns": ["pct_above"],
                "required_columns": {"count_above": "integer"},
            }
        ]
    )[0]
    f = local_data.check_file(spec)
    assert f.usable and list(f.data["year"]) == [2023, 2023, 2022]
    assert f.years == "2022\u201323, 2023\u201324"
    assert local_data.summary_table([f]).iloc[0]["Years"] == "2022\u201323, 2023\u201324"
    values = local_data.value_summary(f)
    assert values.attrs["layout"] == local_data.VALUE_TABLE
    assert values["subgroup"].tolist() == ["All Students", "Black", "All Students"]
    assert values["Year"].tolist() == ["2023\u201324", "2023\u201324", "2022\u201323"]
    assert values["pct_above"].tolist()[::2] == [12.5, 15.0] and np.isnan(values["pct_above"][1])
    assert [i.severity for i in f.issues] == ["problem"]  # the suppressed (NA) value


def test_group_rows_of_one_geography_are_not_duplicates(tmp_path):
    path = _csv(
        tmp_path,
        "GEOID,level,group,percent,year\n51003,alice,All,30.0,2023\n51003,alice,Black,42.0,2023\n",
    )
    spec = local_data.parse_specs(
        [
            {
                "path": str(path),
                "geography_key": "GEOID",
                "geography_level": "county",
                "year_column": "year",
                "group_columns": ["level", "group"],
                "value_columns": ["percent"],
            }
        ]
    )[0]
    f = local_data.check_file(spec, {"51003"})
    assert f.issues == [] and local_data.value_summary(f)["percent"].tolist() == [30.0, 42.0]


def test_census_data_base_reads_the_file_in_place(tmp_path, monkeypatch):
    (tmp_path / "acs").mkdir()
    (tmp_path / "acs" / "f.csv").write_text("a\n1\n")
    spec = local_data.parse_specs(
        [{"path": "acs/f.csv", "base": "census-data"}], census_data_dir=tmp_path
    )[0]
    assert spec.path == tmp_path / "acs" / "f.csv"
    monkeypatch.setenv("MOBILITY_NB_CENSUS_DATA", str(tmp_path / "elsewhere"))
    missing = local_data.parse_specs([{"path": "acs/f.csv", "base": "census-data"}])[0]
    assert not local_data.check_file(missing).usable  # said on the page, not raised
    with pytest.raises(ParamsError, match="base 'data'"):
        local_data.parse_specs([{"path": "x.csv", "base": "data"}])
    with pytest.raises(ParamsError, match="school district"):
        local_data.parse_specs([{"path": "x.csv", "geography_level": "ward"}])
