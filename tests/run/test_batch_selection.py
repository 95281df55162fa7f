"""Lists and selectors -> jobs, against the real jurisdiction lookup on fixture data."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.batch import DATA, PAGE_NB

from mobility_nb.errors import ParamsError
from mobility_nb.run.batch.selection import (
    BatchListError,
    Row,
    parse_steps,
    plan_jobs,
    read_list,
    select_rows,
)

BOOKS = {"step2": PAGE_NB}


def _fp(step: str, notebook: Path, params: dict) -> str:
    return f"{step}:{sorted(params.items())}"


def _plan(rows: list[Row], **kw):
    return plan_jobs(rows, ["step2"], str(DATA), _fp, notebooks=BOOKS, **kw)


def test_yaml_list_keeps_leading_zeros_and_reads_peers(tmp_path):
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "defaults:\n  peers: [42003]\n"
        "jurisdictions:\n"
        "  - 06001\n"  # unquoted: YAML 1.1 would make this the octal number 3073
        '  - jurisdiction: Butler County, PA\n    peers: ["42005", "Erie County, PA"]\n'
        '  - {jurisdiction: "4260000", level: place}\n'
    )
    rows = read_list(path)
    assert [r.jurisdiction for r in rows] == ["06001", "Butler County, PA", "4260000"]
    assert rows[0].params == {"peers": [42003]}  # defaults apply to bare rows
    assert rows[1].peers == ["42005", "Erie County, PA"]
    assert rows[2].level == "place"
    plan = _plan(rows)
    assert not plan.failures
    jobs = {j.geoid: j for j in plan.jobs}
    assert set(jobs) == {"06001", "42003", "4260000"}
    assert jobs["42003"].params["peers"] == ["42005", "42009"]  # names resolved to GEOIDs
    assert jobs["06001"].params["peers"] == ["42003"]  # a number YAML made is text again
    assert jobs["06001"].stem == "06001-adams-county-ca"
    assert jobs["06001"].page_path == "step2/06001-adams-county-ca.html"
    assert jobs["06001"].params["data_dir"] == str(DATA)
    assert jobs["4260000"].level == "place"
    assert jobs["42003"].title.endswith("Butler County, Pennsylvania")


def test_csv_list_with_peers_and_unknown_row(tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_text('jurisdiction,peers\n06001,42001;42003\n"Nowhere County, PA",\n\n17001,\n')
    rows = read_list(path)
    assert [r.jurisdiction for r in rows] == ["06001", "Nowhere County, PA", "17001"]
    assert rows[0].peers == ["42001", "42003"]
    plan = _plan(rows)
    assert [j.geoid for j in plan.jobs] == ["06001", "17001"]
    (failure,) = plan.failures
    assert failure.status == "failed" and failure.row == 2
    assert failure.ename == "JurisdictionError"
    assert "Nowhere County" in failure.message


def test_unknown_column_aborts_before_running(tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_text("jurisdiction,peer\n42001,42003\n")
    with pytest.raises(BatchListError, match="'peer'.*Valid parameters: .*peers"):
        _plan(read_list(path))


def test_secret_column_is_refused(tmp_path):
    path = tmp_path / "jobs.yaml"
    path.write_text('- jurisdiction: "42001"\n  api_key: abc\n')
    with pytest.raises(ParamsError):
        _plan(read_list(path))


def test_duplicate_rows_are_run_once_and_variants_get_their_own_file():
    rows = [Row("42001", 1), Row("42001", 2), Row("42001", 3, peers=["42003"])]
    jobs = _plan(rows).jobs
    assert len(jobs) == 2
    assert jobs[0].stem == "42001-adams-county-pa"
    assert jobs[1].stem.startswith("42001-adams-county-pa-") and jobs[1].stem != jobs[0].stem


def test_selectors_list_a_state_and_a_level():
    pa = select_rows(state="PA", level="county", data_dir=str(DATA))
    assert len(pa) == 11 and all(r.place.state == "42" for r in pa)
    places = select_rows(level="place", data_dir=str(DATA))
    assert {r.jurisdiction for r in places} == {"4260000", "1714000", "0644000"}
    everything = select_rows(data_dir=str(DATA))
    assert len(everything) == 54
    jobs = _plan(everything).jobs
    assert all(j.row is None for j in jobs)  # selector rows have no list line


@pytest.mark.parametrize(
    "text,problem",
    [
        ("[1, 2\n", "not valid YAML"),
        ("[]\n", "holds no rows"),
        ('- jurisdiction: "42001"\n  level: town\n', "level must be county or place"),
        ('- peers: ["42003"]\n', "has no jurisdiction"),
    ],
)
def test_bad_yaml_lists_explain_themselves(tmp_path, text, problem):
    path = tmp_path / "jobs.yaml"
    path.write_text(text)
    with pytest.raises(BatchListError, match=problem):
        read_list(path)


def test_list_must_exist_and_have_known_type(tmp_path):
    with pytest.raises(BatchListError, match="does not exist"):
        read_list(tmp_path / "missing.csv")
    (tmp_path / "jobs.txt").write_text("42001\n")
    with pytest.raises(BatchListError, match=r"\.yaml, \.yml or \.csv"):
        read_list(tmp_path / "jobs.txt")
    (tmp_path / "nojur.csv").write_text("fips\n42001\n")
    with pytest.raises(BatchListError, match="no 'jurisdiction' column"):
        read_list(tmp_path / "nojur.csv")


def test_steps_are_checked():
    assert parse_steps("step2, step5,step2") == ["step2", "step5"]
    with pytest.raises(ParamsError, match="Unknown step 'step3'"):
        parse_steps("step2,step3")


def test_rows_can_name_their_steps_and_a_params_file(tmp_path):
    (tmp_path / "butler.yaml").write_text('jurisdiction: "42003"\npeers: ["42005"]\n')
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "jurisdictions:\n"
        "  - {params_file: butler.yaml, steps: step2}\n"  # relative to the list file
        '  - {jurisdiction: "06001", steps: [step5]}\n'  # not run by a step2-only batch
    )
    rows = read_list(path)
    assert rows[0].jurisdiction == "42003" and rows[0].steps == ["step2"]
    assert rows[0].params == {"peers": ["42005"]}
    assert rows[1].steps == ["step5"]
    plan = _plan(rows)
    assert [(j.step, j.geoid) for j in plan.jobs] == [("step2", "42003")]
    assert plan.jobs[0].params["peers"] == ["42005"]
    assert not plan.failures


def test_missing_params_file_and_unknown_row_step_are_explained(tmp_path):
    path = tmp_path / "jobs.yaml"
    path.write_text("- {params_file: nowhere.yaml}\n")
    with pytest.raises(BatchListError, match="nowhere.yaml"):
        read_list(path)
    path.write_text('- {jurisdiction: "42003", steps: step9}\n')
    with pytest.raises(BatchListError, match="row 1"):
        read_list(path)


def test_every_bad_row_of_a_list_is_listed_at_once(tmp_path):
    path = tmp_path / "jobs.yaml"
    path.write_text(
        '- {jurisdiction: "42001", level: town}\n'
        "- peers: [42003]\n"
        '- {jurisdiction: "42003"}\n'
        "- [not, a, row]\n"
    )
    with pytest.raises(BatchListError) as err:
        read_list(path)
    lines = str(err.value).splitlines()
    assert lines[0] == f"The list {path} has 3 problems:"
    assert "row 1: level must be county or place" in lines[1]
    assert "row 2 has no jurisdiction" in lines[2]
    assert "row 4 is ['not', 'a', 'row']" in lines[3]


def test_every_unknown_column_is_named_with_its_rows(tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_text("jurisdiction,peer,lable\n42001,42003,a\n42003,,\n42005,42003,\n")
    with pytest.raises(BatchListError) as err:
        _plan(read_list(path))
    message = str(err.value)
    assert message.startswith("The list has 2 unknown settings:")
    assert "  - Rows 1, 3 set 'peer', which no selected notebook (page.ipynb) takes" in message
    assert "(did you mean 'peers'?)" in message
    assert "  - Row 1 sets 'lable'" in message
    assert message.rstrip().endswith("Fix the column or key name.")


def test_a_list_row_with_a_params_file_names_its_plan_file(tmp_path):
    from mobility_nb.run.planning import plan_by_file

    params = tmp_path / "step8_x.yaml"
    assert plan_by_file({"plan": {"title": "t"}, "current_year": 0}, params) == {
        "current_year": 0,
        "plan_file": str(params.resolve()),
    }
    assert plan_by_file({"plan_file": "a.xlsx", "plan": {"t": 1}}, params)["plan"] == {"t": 1}
