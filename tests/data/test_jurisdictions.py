"""Resolving what an analyst types into exactly one county or city (fixture folder)."""

from __future__ import annotations

import shutil

import pytest

from mobility_nb.data import jurisdictions
from mobility_nb.data import metrics as metrics_data
from mobility_nb.data.jurisdictions import LEVELS, all_jurisdictions, jurisdiction_table, resolve
from mobility_nb.errors import AmbiguousJurisdictionError, JurisdictionError

COUNTY = "11_mobility-metrics_county_longitudinal.csv"


def error_for(text, data_dir, level=None) -> JurisdictionError:
    with pytest.raises(JurisdictionError) as info:
        resolve(text, level=level, data_dir=data_dir)
    assert "\n" not in str(info.value)
    return info.value


@pytest.mark.parametrize(
    "text",
    [
        "17031",
        17031,
        " 17031 ",
        "Cook County, IL",
        "Cook County, Illinois",
        "cook county illinois",
        "COOK COUNTY IL",
        "Cook, IL",
        "Cook County, 17",
    ],
)
def test_cook_county_by_code_and_name(mm_fixture_dir, text):
    j = resolve(text, data_dir=mm_fixture_dir)
    assert (j.geoid, j.level, j.name, j.state) == ("17031", "county", "Cook County", "17")
    assert j.display_name == "Cook County, Illinois"
    assert j.state_abbr == "IL" and j.state_name == "Illinois"
    assert j.population == 5_100_000  # latest year's population


def test_city_by_geoid_and_name(mm_fixture_dir):
    by_code = resolve("4260000", data_dir=mm_fixture_dir)
    assert (by_code.level, by_code.name, by_code.state) == ("place", "Philadelphia city", "42")
    assert resolve("Philadelphia city, Pennsylvania", data_dir=mm_fixture_dir) == by_code
    assert resolve("Philadelphia", level="place", data_dir=mm_fixture_dir) == by_code
    assert resolve("Philadelphia, PA", level="county", data_dir=mm_fixture_dir).geoid == "42101"


def test_leading_zero_geoid_resolves(mm_fixture_dir):
    j = resolve("0107000", data_dir=mm_fixture_dir)
    assert (j.geoid, j.name, j.state_abbr) == ("0107000", "Birmingham city", "AL")
    assert resolve("01001", data_dir=mm_fixture_dir).name == "Autauga County"
    assert resolve("01001", data_dir=mm_fixture_dir).slug == "01001-autauga-county-al"


def test_ambiguous_name_lists_both_with_the_spelling_that_picks_each(mm_fixture_dir):
    err = error_for("Philadelphia", mm_fixture_dir)
    assert isinstance(err, AmbiguousJurisdictionError)
    assert "matches 2 jurisdictions" in str(err)
    assert err.suggestions == [
        "Philadelphia County, Pennsylvania (county 42101)",
        "Philadelphia city, Pennsylvania (city 4260000)",
    ]
    assert err.choices == [
        ("Philadelphia County, Pennsylvania (county 42101)", "Philadelphia County, PA", "county"),
        ("Philadelphia city, Pennsylvania (city 4260000)", "Philadelphia city, PA", "place"),
    ]
    assert "--level county or --level place picks by kind" in str(err)
    for _, spelling, level in err.choices:  # each hint really picks its place
        by_spelling = resolve(spelling, data_dir=mm_fixture_dir)
        assert by_spelling == resolve("Philadelphia", level=level, data_dir=mm_fixture_dir)


def test_ambiguity_within_one_level_has_no_level_hint(tmp_path, mm_fixture_dir):
    data = tmp_path / "data"
    shutil.copytree(mm_fixture_dir, data)
    path = data / COUNTY
    path.write_text(path.read_text().replace("Autauga County", "Will County"))
    err = error_for("Will County", data)
    assert [spelling for _, spelling, _ in err.choices] == ["Will County, AL", "Will County, IL"]
    assert "--level" not in str(err)


def test_the_name_index_is_kept_and_the_full_table_not_loaded(
    tmp_path, monkeypatch, mm_fixture_dir
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    jurisdictions._INDEXES.clear()  # noqa: SLF001 - as in a new process
    assert resolve("Cook County, IL", data_dir=mm_fixture_dir).geoid == "17031"
    files = sorted((tmp_path / "cache").rglob("*.json"))
    assert [f.name.split("-")[0] for f in files] == ["county", "place"]
    # another process: nothing in memory; the index file answers without the data table
    jurisdictions._INDEXES.clear()  # noqa: SLF001
    metrics_data.clear_cache()

    def no_table(*args, **kwargs):
        raise AssertionError("the full metrics table was loaded")

    monkeypatch.setattr(jurisdictions, "jurisdiction_table", no_table)
    assert resolve("Chicago, IL", data_dir=mm_fixture_dir).geoid == "1714000"
    assert resolve("17031", data_dir=mm_fixture_dir).name == "Cook County"
    assert not metrics_data._CACHE  # noqa: SLF001
    files[0].write_text("{damaged")  # a damaged index is rebuilt, not trusted
    jurisdictions._INDEXES.clear()  # noqa: SLF001
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert resolve("Cook County, IL", data_dir=mm_fixture_dir).geoid == "17031"


def test_misspelt_name_suggests_closest(mm_fixture_dir):
    err = error_for("Cok County, IL", mm_fixture_dir)
    assert "No county or city named 'Cok County, IL'" in str(err)
    assert err.suggestions[0] == "Cook County, Illinois (county 17031)"
    err = error_for("Philadelfia", mm_fixture_dir)
    assert "Philadelphia city, Pennsylvania (city 4260000)" in err.suggestions
    assert "Philadelphia County, Pennsylvania (county 42101)" in err.suggestions


def test_name_in_the_wrong_state_points_to_the_right_one(mm_fixture_dir):
    err = error_for("Cook County, PA", mm_fixture_dir)
    assert err.suggestions[0] == "Cook County, Illinois (county 17031)"


def test_county_fips_where_a_city_is_expected(mm_fixture_dir):
    err = error_for("17031", mm_fixture_dir, level="place")
    message = str(err)
    assert "17031 is a county (Cook County, Illinois)" in message
    assert "a city is expected" in message and "7-digit" in message
    # The suggestions are cities in the same state, largest first.
    assert err.suggestions == [
        "Chicago city, Illinois (city 1714000)",
        "Aurora city, Illinois (city 1703012)",
        "Naperville city, Illinois (city 1751622)",
    ]


def test_city_geoid_where_a_county_is_expected(mm_fixture_dir):
    err = error_for("4260000", mm_fixture_dir, level="county")
    assert "is a city (Philadelphia city, Pennsylvania)" in str(err)
    assert err.suggestions == ["Philadelphia County, Pennsylvania (county 42101)"]


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        ("1001", "Autauga County, Alabama (county 01001)"),
        ("107000", "Birmingham city, Alabama (city 0107000)"),
    ],
)
def test_lost_leading_zero_is_explained(mm_fixture_dir, code, hint):
    err = error_for(code, mm_fixture_dir)
    assert f"{len(code)} digits" in str(err) and "leading zeros" in str(err)
    assert 'jurisdiction: "06037"' in str(err)  # how to quote it in YAML
    assert err.suggestions == [hint]


def test_unknown_code_suggests_nearby_codes(mm_fixture_dir):
    err = error_for("17033", mm_fixture_dir)
    assert "No county with code 17033" in str(err)
    # Same state first, nearest code first.
    assert err.suggestions == [
        "Cook County, Illinois (county 17031)",
        "DuPage County, Illinois (county 17043)",
        "Will County, Illinois (county 17197)",
    ]
    err = error_for("4260001", mm_fixture_dir)
    assert err.suggestions[0] == "Philadelphia city, Pennsylvania (city 4260000)"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("17", "state code"),
        ("123", "not a jurisdiction code"),
        ("123456789", "not a jurisdiction code"),
        ("", "No jurisdiction given"),
        ("   ", "No jurisdiction given"),
    ],
)
def test_codes_of_the_wrong_shape(mm_fixture_dir, text, words):
    assert words in str(error_for(text, mm_fixture_dir))


def test_unknown_level_is_refused(mm_fixture_dir):
    assert "Unknown level" in str(error_for("17031", mm_fixture_dir, level="city"))


def test_all_jurisdictions_by_state_and_level(mm_fixture_dir):
    il = all_jurisdictions(state="IL", data_dir=mm_fixture_dir)
    assert [j.geoid for j in il] == ["17031", "17043", "17197", "1703012", "1714000", "1751622"]
    assert [j.geoid for j in all_jurisdictions("county", "42", mm_fixture_dir)] == ["42101"]
    with pytest.raises(JurisdictionError, match="not a US state"):
        all_jurisdictions(state="Narnia", data_dir=mm_fixture_dir)


def test_table_uses_the_latest_name_and_population(mm_fixture_dir):
    table = jurisdiction_table("county", mm_fixture_dir)
    loving = table[table["geoid"] == "48301"].iloc[0]
    assert (loving["population"], loving["latest_year"]) == (64, 2023)


def test_clear_cache_forgets_replaced_names(tmp_path, mm_fixture_dir):
    data = tmp_path / "data"
    shutil.copytree(mm_fixture_dir, data)
    assert resolve("17031", data_dir=data).name == "Cook County"
    path = data / COUNTY
    path.write_text(path.read_text().replace("Cook County", "Cook Test County"))
    metrics_data.clear_cache()
    assert resolve("17031", data_dir=data).name == "Cook Test County"


def test_levels_agree_with_the_metrics_module():
    assert LEVELS == metrics_data.LEVELS
