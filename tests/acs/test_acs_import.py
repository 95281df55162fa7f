"""``census import``: every upstream layout into the same store, checked and atomic.

Fixtures in ``tests/fixtures/acs/import`` hold invented numbers in the upstream layouts;
every expected value below is read off those files by hand.
"""

from __future__ import annotations

import math
import os

import pytest
from support.paths import FIXTURES as FIXTURES_ROOT

from mobility_nb.acs import importers, store
from mobility_nb.acs.importers import ImportBatch
from mobility_nb.cli.app import main
from mobility_nb.errors import ACSImportError

FIX = FIXTURES_ROOT / "acs" / "import"
BAD = FIX / "bad"


def _import(tmp_path, *files, plan=None, **kwargs):
    batch = ImportBatch()
    for f in files:
        importers.read_file(f, batch, **kwargs)
    if plan:
        importers.read_plan(plan, batch)
    return importers.commit(batch, tmp_path, command="test import")


def _wide(tmp_path, year, level, state="44"):
    return store.read_slice(tmp_path, store.StoreKey("acs5", year, level, state)).wide()


def test_tidycensus_long_keeps_vintage_levels_and_moes(tmp_path):
    report = _import(
        tmp_path, FIX / "tidycensus_long_acs5_2022.csv", variable_names={"medincome": "B19013_001"}
    )
    county, tract = _wide(tmp_path, 2022, "county"), _wide(tmp_path, 2022, "tract")
    assert (
        county.loc["44003", "B19013_001_E"] == 81000 and county.loc["44003", "B19013_001_M"] == 1500
    )
    assert county.loc["44007", "B17001_002_E"] == 91500
    assert tract.loc["44007010100", "B19013_001_E"] == 45250
    assert math.isnan(tract.loc["44007010200", "B19013_001_E"])  # NA: suppressed, flagged
    assert tract.loc["44007010200", "B19013_001_Ef"] == "missing"
    assert "44" not in county.index  # the state row is left out, and said so
    assert any("1 state rows were left out" in n for n in report.notes)
    assert (
        county.loc["44003", "B19013_001_S"] == "tidycensus-long file tidycensus_long_acs5_2022.csv"
    )


def test_tidycensus_long_without_a_name_for_a_named_variable_says_how(tmp_path):
    report = _import(tmp_path, FIX / "tidycensus_long_acs5_2022.csv")
    assert any("--variable-name NAME=CODE" in n and "medincome" in n for n in report.notes)


def test_tidycensus_wide_metro_layout_with_published_percentages(tmp_path):
    _import(
        tmp_path,
        FIX / "tidycensus_wide_acs5_2018.csv",
        geoid_column="stco_code",
        name_column="stco_name",
    )
    ri = store.read_slice(tmp_path, store.StoreKey("acs5", 2018, "county", "44"))
    wide = ri.wide()
    assert (
        wide.loc["44007", "B19013B_001_E"] == 41000 and wide.loc["44007", "B19013B_001_M"] == 2500
    )
    assert wide.loc["44007", "S1701_C03_014_E"] == 24.0
    kinds = ri.rows.drop_duplicates("variable").set_index("variable")["kind"]
    assert kinds["S1701_C03_014"] == "published"  # a Census percentage
    assert kinds["S1501_C01_036"] == "variable"  # a subject-table count
    assert kinds["B19013_001"] == "variable"
    assert "S1701_C03_014" in ri.published
    ct = _wide(tmp_path, 2018, "county", "09")  # 9001 lost its leading zero
    assert ct.loc["09001", "B19013_001_E"] == 95000
    assert math.isnan(ct.loc["09001", "B19013B_001_E"])  # empty annotation cell


def test_data_census_gov_download_with_annotations(tmp_path):
    report = _import(tmp_path, FIX / "ACSDT5Y2022.B19013-Data.csv")
    county, tract = _wide(tmp_path, 2022, "county"), _wide(tmp_path, 2022, "tract")
    assert county.loc["44003", "B19013_001_E"] == 81250  # "81,250"
    assert county.loc["44003", "B19013_001_M"] == 1480  # "1,480"
    top = tract.loc["44007010100"]
    assert top["B19013_001_E"] == 250001 and top["B19013_001_Ef"] == "top_coded"
    assert math.isnan(top["B19013_001_M"]) and top["B19013_001_Mf"] == "moe_open_interval"
    assert tract.loc["44007010200", "B19013_001_Ef"] == "not_computed"  # "-"
    assert tract.loc["44007010200", "B19013_001_Mf"] == "moe_not_computed"  # "**"
    low = tract.loc["44007010300"]
    assert low["B19013_001_E"] == 2499 and low["B19013_001_Ef"] == "bottom_coded"
    assert tract.loc["44007010400", "B19013_001_Ef"] == "too_few_cases"  # "N"
    assert tract.loc["44007010500", "B19013_001_Ef"] == "not_applicable"  # "(X)"
    assert any("state rows were left out" in n for n in report.notes)


def test_data_census_gov_subject_table_labels_mark_percentages(tmp_path):
    _import(tmp_path, FIX / "ACSST5Y2022.S2701-Data.csv")
    sl = store.read_slice(tmp_path, store.StoreKey("acs5", 2022, "county", "44"))
    kinds = sl.rows.drop_duplicates("variable").set_index("variable")["kind"]
    assert kinds["S2701_C05_001"] == "published" and kinds["S2701_C04_001"] == "variable"
    assert sl.wide().loc["44007", "S2701_C04_001_E"] == 43400


def test_verbatim_api_answer(tmp_path):
    report = _import(tmp_path, FIX / "acs5_2021_county_44.json")
    wide = _wide(tmp_path, 2021, "county")
    assert wide.loc["44003", "B17001_002_E"] == 14000
    assert math.isnan(wide.loc["44003", "B17001_002_M"])  # estimates only
    assert wide.loc["44003", "B17001_002_Mf"] == "moe_not_in_source"
    assert wide.loc["44007", "B19013_001_Ef"] == "not_computed"  # -666666666
    assert wide.loc["44001", "B17001_002_Ef"] == "missing"  # null
    assert any("estimates only" in n for n in report.notes)


def test_svi_values_are_published_with_their_moes(tmp_path):
    _import(tmp_path, FIX / "SVI_2020_fixture_county.csv")
    sl = store.read_slice(tmp_path, store.StoreKey("acs5", 2020, "county", "44"))
    wide = sl.wide()
    assert wide.loc["44003", "SVI:EP_UNINSUR_E"] == 4.1
    assert wide.loc["44003", "SVI:EP_UNINSUR_M"] == 0.4
    assert math.isnan(wide.loc["44007", "SVI:EP_UNEMP_E"])  # -999
    assert set(sl.rows["kind"]) == {"published"}
    assert not any(v.startswith("SVI:EPL") or v.startswith("SVI:RPL") for v in sl.variables)
    assert _wide(tmp_path, 2020, "county", "01").loc["01001", "SVI:E_TOTPOP_E"] == 55000


def test_labelled_table_through_an_import_plan(tmp_path):
    report = _import(tmp_path, plan=FIX / "labelled_plan.yaml")
    county = _wide(tmp_path, 2022, "county")
    assert county.loc["44007", "B19013B_001_E"] == 41500
    assert county.loc["44007", "B19013B_001_M"] == 2600
    assert county.loc["44007", "B19013I_001_Ef"] == "missing"  # NA stays NA
    assert _wide(tmp_path, 2021, "county").loc["44007", "B19013_001_E"] == 59000  # year column
    assert any("Martian" in n and "match no rule" in n for n in report.notes)
    tract = store.read_slice(tmp_path, store.StoreKey("acs5", 2022, "tract", "44"))
    wide = tract.wide()
    burdened = "B25070_007+B25070_008+B25070_009"
    assert wide.loc["44007010100", f"{burdened}_E"] == 250
    assert wide.loc["44007010100", f"{burdened}_M"] == 50.5
    assert wide.loc["44007010100", "B25070_001_E"] == 700
    assert wide.loc["44007010100", "B25070_001_Mf"] == "moe_not_in_source"
    assert tract.published[burdened]["computed_by"] == "Fixture data centre"
    kinds = tract.rows.drop_duplicates("variable").set_index("variable")["kind"]
    assert kinds[burdened] == "published" and kinds["B25070_010"] == "variable"
    assert wide.loc["44007010100", "name"] == "Census Tract 101"


def test_importing_a_second_county_keeps_the_first(tmp_path):
    _import(tmp_path, FIX / "tidycensus_long_acs5_2022.csv")
    _import(tmp_path, plan=FIX / "labelled_plan.yaml")  # Providence only
    county = _wide(tmp_path, 2022, "county")
    assert county.loc["44003", "B19013_001_E"] == 81000  # Kent untouched
    assert county.loc["44007", "B19013_001_E"] == 61000
    assert county.loc["44007", "B17001_002_E"] == 91500  # other variables kept


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("junk_cell_acs5_2022.csv", ["line 3", "column 'estimate'", "'about 61000'"]),
        ("negative_moe_acs5_2022.csv", ["line 2", "column 'B19013_001M'", "negative"]),
        ("bad_geoid_acs5_2022.csv", ["line 3", "12 digits", "block-group"]),
        ("ragged_acs5_2022.csv", ["not a well-formed CSV", "line 3"]),
        ("conflict_acs5_2022.csv", ["line 3", "80000", "81000", "tidycensus_long_acs5_2022.csv"]),
        ("object_acs5_2021.json", ["JSON object", "list of lists"]),
        ("ACS_17_5YR_S1901.csv", ["AmericanFactFinder", "data.census.gov"]),
        ("no_year.csv", ["does not say which ACS 5-year vintage", "--year"]),
        ("labels_only.csv", ["import plan", "--plan"]),
    ],
)
def test_bad_files_get_one_paragraph_and_nothing_is_written(tmp_path, name, words):
    batch = ImportBatch()
    importers.read_file(FIX / "tidycensus_long_acs5_2022.csv", batch)  # a good file first
    with pytest.raises(ACSImportError) as err:
        importers.read_file(BAD / name, batch)
        importers.commit(batch, tmp_path)
    message = str(err.value)
    assert name in message and "Nothing was written to the ACS store" in message
    assert "\n" not in message
    for word in words:
        assert word in message, (word, message)
    assert not list(tmp_path.rglob("*.parquet"))


def test_plan_typos_are_errors_not_silent_drops(tmp_path):
    with pytest.raises(ACSImportError) as err:
        importers.load_plan(BAD / "plan_typo.yaml")
    assert "'variabel' is not a setting" in str(err.value) and "rules[1]" in str(err.value)


def test_a_failure_while_replacing_files_puts_every_file_back(tmp_path, monkeypatch):
    _import(tmp_path, FIX / "tidycensus_long_acs5_2022.csv")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.parquet")}
    real_replace = os.replace
    calls = {"n": 0}

    def failing_replace(src, dst):
        if str(dst).endswith(".parquet"):
            calls["n"] += 1
            if calls["n"] == 2:  # the second store file of the import
                raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", failing_replace)
    batch = ImportBatch()
    importers.read_file(FIX / "ACSDT5Y2022.B19013-Data.csv", batch)  # county + tract files
    with pytest.raises(OSError):
        importers.commit(batch, tmp_path)
    monkeypatch.setattr(store.os, "replace", real_replace)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*.parquet")}
    assert after == before  # both files as they were, no half import
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith((".part", ".bak"))]


def test_damaged_store_file_is_named_with_the_command_that_refills_it(tmp_path, capsys):
    rc = main(
        ["census", "import", str(FIX / "tidycensus_long_acs5_2022.csv"), "--store", str(tmp_path)]
    )
    assert rc == 0
    path = store.slice_path(tmp_path, store.StoreKey("acs5", 2022, "county", "44"))
    path.write_bytes(b"PAR1 this is not parquet any more")
    with pytest.raises(store.ACSStoreCorruptError) as err:
        store.read_slice(tmp_path, store.StoreKey("acs5", 2022, "county", "44"))
    message = str(err.value)
    assert str(path) in message and "Delete that file" in message
    assert "mobility-nb census import" in message and "tidycensus_long_acs5_2022.csv" in message
    capsys.readouterr()
    assert main(["census", "status", "--store", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "DAMAGED" in out and "tract  state 44" in out  # the good file is still listed
    assert (
        main(
            [
                "census",
                "import",
                str(FIX / "tidycensus_long_acs5_2022.csv"),
                "--store",
                str(tmp_path),
            ]
        )
        == 2
    )
    assert "is damaged" in capsys.readouterr().err


def test_cli_import_dry_run_and_status(tmp_path, capsys):
    rc = main(
        [
            "census",
            "import",
            str(FIX / "tidycensus_wide_acs5_2018.csv"),
            "--geoid-column",
            "stco_code",
            "--name-column",
            "stco_name",
            "--store",
            str(tmp_path),
            "--dry-run",
        ]
    )
    assert rc == 0 and "Would import 18 values" in capsys.readouterr().out  # 3 rows x 6
    assert not list(tmp_path.rglob("*.parquet"))
    rc = main(
        [
            "census",
            "import",
            str(FIX / "tidycensus_wide_acs5_2018.csv"),
            "--geoid-column",
            "stco_code",
            "--store",
            str(tmp_path),
            "--source",
            "metro fixture",
        ]
    )
    assert rc == 0
    capsys.readouterr()
    assert main(["census", "status", "--store", str(tmp_path), "--sources"]) == 0
    out = capsys.readouterr().out
    assert "ACS 2014\u20132018 5-year   county state 44" in out
    assert "6 variables (4 raw ACS, 2 published)" in out
    assert "metro fixture: 4 raw ACS variables, 2 published values, 2 geographies" in out


def test_cli_import_errors_are_clean(tmp_path, capsys):
    assert main(["census", "import", "--store", str(tmp_path)]) == 2
    assert "Give the files to import" in capsys.readouterr().err
    assert main(["census", "import", str(BAD / "no_year.csv"), "--store", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--year" in err
    afile = tmp_path / "file"
    afile.write_text("x")
    assert (
        main(["census", "import", str(FIX / "acs5_2021_county_44.json"), "--store", str(afile)])
        == 2
    )
    assert "is a file, not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("action", ["import", "status", "fetch"])
def test_help_explains_every_option(action, capsys):
    from mobility_nb.cli.app import build_parser

    parser = build_parser()
    census = next(
        a for a in parser._subparsers._group_actions[0].choices.items() if a[0] == "census"
    )[1]
    sub = census._subparsers._group_actions[0].choices[action]
    for option in sub._actions:
        if option.dest == "help":
            continue
        assert option.help and len(option.help.split()) >= 3, option.dest
    with pytest.raises(SystemExit):
        main(["census", action, "--help"])
    out = capsys.readouterr().out
    assert all(o.option_strings[0] in out for o in sub._actions if o.option_strings)


def test_import_detects_formats():
    assert importers.detect_format(FIX / "tidycensus_long_acs5_2022.csv") == "tidycensus-long"
    assert importers.detect_format(FIX / "tidycensus_wide_acs5_2018.csv") == "tidycensus-wide"
    assert importers.detect_format(FIX / "ACSDT5Y2022.B19013-Data.csv") == "census-csv"
    assert importers.detect_format(FIX / "acs5_2021_county_44.json") == "api-json"
    assert importers.detect_format(FIX / "SVI_2020_fixture_county.csv") == "svi"


def test_kinds_of_names():
    from mobility_nb.acs.variables import is_additive, kind_of

    assert kind_of("B19013A_001") == "variable" and kind_of("S1501_C01_030") == "variable"
    assert kind_of("S1701_C03_014") == "published" and kind_of("DP03_0009P") == "published"
    assert kind_of("S0802_C01_001") == "variable" and kind_of("S0802_C01_013") == "published"
    assert kind_of("SVI:EP_POV") == "published" and kind_of("B25070_007+B25070_008") == "published"
    assert kind_of("S9999_C01_001") == "published"  # unknown subject column: never summed
    assert is_additive("B17001_002") and not is_additive("B19013_001")
    assert not is_additive("S1701_C03_001") and not is_additive("SVI:E_POV")
