"""PageRecorder: the numbers CSV, checksums, and provenance without secrets."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from support.paths import FIXTURES as FIXTURES_ROOT

from mobility_nb import __version__
from mobility_nb.render import recorder as page
from mobility_nb.render.recorder import PageRecorder, file_sha256

SAMPLE = FIXTURES_ROOT / "notebooks" / "data" / "sample_metrics.csv"


def test_record_returns_the_frame_and_stacks_tables_long():
    rec = PageRecorder("step2", {}, None)
    latest = pd.DataFrame({"metric": ["share_employed"], "value": [0.735]})
    assert rec.record("latest", latest) is latest
    trend = pd.DataFrame({"value": [0.712, 0.735]}, index=pd.Index([2018, 2021], name="year"))
    rec.record("trend", trend)
    numbers = rec.numbers()
    assert list(numbers.columns) == ["table", "metric", "value", "year"]
    assert numbers["table"].tolist() == ["latest", "trend", "trend"]
    csv = numbers.to_csv(index=False)
    assert "trend,,0.712,2018\n" in csv  # years stay whole numbers after stacking
    assert "2018.0" not in csv


def test_numbers_csv_is_the_stacked_table_as_pandas_writes_it():
    rec = PageRecorder("step2", {}, None)
    rec.record(
        "standing",
        pd.DataFrame(
            {
                "geoid": ["01001", "42101", None],
                "year": [2021.0, np.nan, 2019.0],  # whole numbers with a gap -> "2021"
                "value": [0.735, 1e-05, np.nan],
                "rank": pd.array([3, None, 1], dtype="Int64"),
                "share": pd.array([0.5, None, 0.25], dtype="Float64"),
                "reliable": [True, False, True],
                "quality": pd.Categorical(["Strong", None, "Weak"]),
                "note": ['says "hi", twice', "line\nbreak", ""],
            }
        ),
    )
    rec.record("counts", pd.DataFrame({"table": ["x"], "n": [4], "mixed": [object()]}))
    rec.record("empty", pd.DataFrame({"value": pd.Series(dtype=float)}))
    rec.record("objects", pd.DataFrame({"value": [1, 2.5, None]}, dtype=object))
    expected = rec.numbers().to_csv(index=False)
    mixed = rec._tables[1][1]["mixed"].iloc[0]
    assert rec.numbers_csv() == expected
    assert 'standing,01001,2021,0.735,3,0.5,True,Strong,"says ""hi"", twice"' in expected
    assert str(mixed) in expected


def test_recorded_numbers_do_not_change_when_the_caller_edits_its_frame():
    rec = PageRecorder("step2", {}, None)
    df = pd.DataFrame({"value": [1.0]})
    rec.record("t", df)
    df.loc[0, "value"] = 99.0
    assert rec.numbers()["value"].tolist() == [1.0]


def test_add_source_hashes_and_caches(tmp_path, monkeypatch):
    data = tmp_path / "county.csv"
    content = b"year,value\n2021,1\n"
    data.write_bytes(content)
    rec = PageRecorder("step2", {}, None)
    rec.add_source(data, years="2021")
    rec.add_source(data, years="2021")  # named twice, listed once
    (source,) = rec.sources
    assert source.sha256 == hashlib.sha256(content).hexdigest()
    assert source.size == len(content) and source.name == "county.csv" and source.years == "2021"

    def no_hashing(*args):
        raise AssertionError("hashed again although the file did not change")

    monkeypatch.setattr(page.hashlib, "sha256", no_hashing)
    assert file_sha256(data) == source.sha256  # served from the cache
    monkeypatch.undo()
    # a changed file (new size and mtime) is hashed again, not served from the cache
    data.write_bytes(b"year,value\n2021,2\n2022,3\n")
    assert file_sha256(data) == hashlib.sha256(data.read_bytes()).hexdigest()


def test_add_source_rejects_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        PageRecorder("step2", {}, None).add_source(tmp_path / "nope.csv")


def test_provenance_lists_files_versions_and_params_without_secrets(monkeypatch):
    monkeypatch.setenv("CENSUS_API_KEY", "sekrit123")
    params = {
        "jurisdiction": "17031",
        "census_api_key": "sekrit123",
        "token": "abc",
        "label": "sekrit123",
        "data_dir": "/srv/data",
        "artifacts_dir": "/tmp/a",
    }
    rec = PageRecorder("step2", params, None)
    rec.add_source(SAMPLE, years="2018, 2021")
    prov = rec.provenance()
    assert prov["step"] == "step2" and prov["package_version"] == __version__
    assert datetime.fromisoformat(prov["run_at"]).utcoffset().total_seconds() == 0
    assert prov["data_files"][0]["sha256"] == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert prov["data_years"] == ["2018, 2021"]
    assert prov["parameters"] == {  # folders by name: no absolute paths of this machine
        "jurisdiction": "17031",
        "label": "(redacted)",
        "data_dir": "data",
        "artifacts_dir": "a",
    }
    dumped = json.dumps(prov) + rec.provenance_html()
    assert "sekrit123" not in dumped and "abc" not in dumped


def test_provenance_names_files_without_absolute_paths(tmp_path, monkeypatch):
    for var in ("MOBILITY_NB_DATA", "MOBILITY_NB_CENSUS_DATA", "MOBILITY_NB_ACS_STORE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    data = tmp_path / "data" / "assembled"
    data.mkdir(parents=True)
    urban = data / "11_mobility-metrics_county_longitudinal.csv"
    urban.write_text("year\n2023\n")
    mine = tmp_path / "elsewhere" / "absence.csv"
    mine.parent.mkdir()
    mine.write_text("year\n2019\n")
    local = tmp_path / "work" / "local" / "jobs.csv"
    local.parent.mkdir()
    local.write_text("year\n2020\n")
    params = {
        "data_dir": str(tmp_path / "data"),
        "local_files": [{"path": str(mine), "name": "Absence"}],
        "plan_file": "plan.xlsx",
    }
    rec = PageRecorder("step5", params, None)
    for path in (urban, mine, local):
        rec.add_source(path)
    prov = rec.provenance()
    assert [f["path"] for f in prov["data_files"]] == [
        "assembled/11_mobility-metrics_county_longitudinal.csv",  # inside the data folder
        "absence.csv",  # outside every known folder: its name
        "local/jobs.csv",  # inside the project (the working folder)
    ]
    assert prov["parameters"]["data_dir"] == "data"
    assert prov["parameters"]["local_files"] == [{"path": "absence.csv", "name": "Absence"}]
    assert prov["parameters"]["plan_file"] == "plan.xlsx"
    assert str(tmp_path) not in json.dumps(prov) + rec.provenance_html()


def test_export_writes_the_page_files_under_the_page_name(tmp_path):
    rec = PageRecorder("step2", {"jurisdiction": "17031"}, None)
    rec.record("t", pd.DataFrame({"a": [1]}))
    paths = rec.export(tmp_path / "outputs" / "step2", "17031-cook-county-il")
    assert [p.name for p in paths] == [
        "17031-cook-county-il.csv",
        "17031-cook-county-il.provenance.json",
    ]
    assert paths[0].read_text() == "table,a\nt,1\n"
    assert json.loads(paths[1].read_text())["step"] == "step2"


def test_provenance_html_escapes_parameters():
    rec = PageRecorder("step2", {"label": "<script>alert(1)</script>"}, None)
    block = rec.provenance_html()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in block
    assert "<script" not in block
    assert "About this page" in block
    assert "No data files were recorded" in block


def test_finish_writes_numbers_and_provenance(tmp_path):
    rec = PageRecorder("step5", {"jurisdiction": "4260000"}, tmp_path, title="Philadelphia")
    rec.record("t", pd.DataFrame({"value": [1.5]}))
    rec.finish()
    assert (tmp_path / "numbers.csv").read_text() == "table,value\nt,1.5\n"
    prov = json.loads((tmp_path / "provenance.json").read_text())
    assert prov["title"] == "Philadelphia" and prov["tables"] == ["t"]


def test_finish_without_artifacts_dir_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rec = PageRecorder("step2", {}, "")
    rec.record("t", pd.DataFrame({"value": [1]}))
    rec.finish()
    assert list(tmp_path.iterdir()) == []
