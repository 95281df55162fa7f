"""County neighbours: a shared arc (a stretch of border) makes two counties neighbours."""

from __future__ import annotations

import pytest
from support.paths import FIXTURES as FIXTURES_ROOT

from mobility_nb.geo import county_adjacency, load_topology, lookup_neighbours, neighbours

TINY = FIXTURES_ROOT / "geo" / "tiny-counties.topojson"


@pytest.fixture
def tiny():
    return load_topology(TINY)


def test_hand_derived_neighbours_of_the_fixture(tiny):
    # README: Alpha-Bravo share arc 1, Bravo-Charlie arc 3, Echo-Foxtrot arc 8 (an enclave);
    # Alpha and Charlie touch only at a corner; Delta is an island in two parts.
    assert county_adjacency(tiny) == {
        "44001": ("44003",),
        "44003": ("44001", "44005"),
        "44005": ("44003",),
        "44007": (),
        "44009": ("44011",),
        "44011": ("44009",),
    }
    assert neighbours("44003", tiny) == ["44001", "44005"]


def test_corner_contact_is_not_a_boundary(tiny):
    assert "44005" not in neighbours("44001", tiny)


def test_island_has_an_empty_list_and_a_reason(tiny):
    found = lookup_neighbours("44007", tiny)
    assert (found.neighbours, found.status, found.found) == ((), "none", False)
    assert "Delta (44007)" in found.reason and "water" in found.reason


@pytest.mark.parametrize(
    ("geoid", "words"),
    [
        ("09110", "planning regions"),
        ("02063", "Chugach"),
        ("46113", "Oglala Lakota"),
        ("4400", "not a five-digit county FIPS code"),
        ("44099", "not on the county boundary map"),
    ],
)
def test_ids_without_a_boundary_get_a_named_status_not_an_error(tiny, geoid, words):
    found = lookup_neighbours(geoid, tiny)
    assert found.status == "not_in_atlas" and found.neighbours == ()
    assert words in found.reason and found.reason.endswith("so its neighbours are not known")
    assert neighbours(geoid, tiny) == []


# --- the real atlas ------------------------------------------------------------------------


@pytest.mark.shared
def test_cook_county_borders_five_illinois_counties_and_lake_county_indiana(shared_atlas):
    # Lake IL, McHenry, Kane, DuPage, Will; Lake IN across the state line
    assert neighbours("17031", shared_atlas) == [
        "17043", "17089", "17097", "17111", "17197", "18089"
    ]  # fmt: skip


@pytest.mark.shared
def test_albemarle_surrounds_charlottesville(shared_atlas):
    # Greene, Orange, Louisa, Fluvanna, Buckingham, Nelson, Augusta, Rockingham + the city
    assert set(neighbours("51003", shared_atlas)) == {
        "51079", "51137", "51109", "51065", "51029", "51125", "51015", "51165", "51540"
    }  # fmt: skip
    assert neighbours("51540", shared_atlas) == ["51003"]  # an enclave has one neighbour


@pytest.mark.shared
def test_philadelphia_borders_three_pennsylvania_and_three_new_jersey_counties(shared_atlas):
    # Bucks, Delaware, Montgomery; Burlington, Camden, Gloucester across the Delaware River
    assert neighbours("42101", shared_atlas) == [
        "34005", "34007", "34015", "42017", "42045", "42091"
    ]  # fmt: skip


@pytest.mark.shared
def test_four_corners_diagonals_touch_only_at_a_point(shared_atlas):
    san_juan_ut, montezuma_co, san_juan_nm, apache_az = "49037", "08083", "35045", "04001"
    assert san_juan_nm not in neighbours(san_juan_ut, shared_atlas)
    assert apache_az not in neighbours(montezuma_co, shared_atlas)
    for a, b in [
        (san_juan_ut, montezuma_co),
        (montezuma_co, san_juan_nm),
        (san_juan_nm, apache_az),
        (apache_az, san_juan_ut),
    ]:
        assert b in neighbours(a, shared_atlas)


@pytest.mark.shared
def test_island_counties_have_none(shared_atlas):
    for island in ("25019", "15003", "53055"):  # Nantucket, Honolulu, San Juan WA
        assert lookup_neighbours(island, shared_atlas).status == "none"


@pytest.mark.shared
def test_adjacency_is_symmetric_and_covers_every_county(shared_atlas):
    table = county_adjacency(shared_atlas)
    assert len(table) == 3231
    for geoid, others in table.items():
        assert geoid not in others
        for other in others:
            assert geoid in table[other]
    assert lookup_neighbours("09110", shared_atlas).status == "not_in_atlas"
    assert lookup_neighbours("02261", shared_atlas).status == "found"  # Valdez-Cordova, 2017
