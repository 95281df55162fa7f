"""Decoding TopoJSON: quantized, delta-encoded arcs, reversed arcs, polygons and holes."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from support.paths import FIXTURES as FIXTURES_ROOT

from mobility_nb.errors import AtlasError
from mobility_nb.geo import decode, load_topology
from mobility_nb.geo.topojson import clear_cache

TINY = FIXTURES_ROOT / "geo" / "tiny-counties.topojson"


@pytest.fixture
def tiny():
    return load_topology(TINY)


def test_features_keep_ids_names_and_skip_null_geometries(tiny):
    counties = tiny.features("counties")
    assert list(counties) == ["44001", "44003", "44005", "44007", "44009", "44011"]
    assert counties["44003"].name == "Bravo"
    assert "44013" not in counties  # Golf has a null geometry
    assert tiny.arc_count == 9


def test_delta_decoding_restarts_at_each_arc(tiny):
    # arc 4 is stored as [4,2],[0,2],[-2,0],[0,-2] -> q (4,2) (4,4) (2,4) (2,2)
    q = [(4, 2), (4, 4), (2, 4), (2, 2)]
    expected = [(-72 + 0.5 * x, 41 + 0.25 * y) for x, y in q]
    np.testing.assert_allclose(tiny.arc(4), expected)


def test_reversed_arcs_are_followed_backwards(tiny):
    # Bravo's ring is ~1, 2, 3 (README): lon/lat below, closed
    (ring,) = tiny.rings(tiny.features("counties")["44003"])[0]
    np.testing.assert_allclose(ring, [(-71, 41.5), (-71, 41), (-70, 41), (-70, 41.5), (-71, 41.5)])


def test_multipolygons_and_holes(tiny):
    counties = tiny.features("counties")
    delta = tiny.rings(counties["44007"])
    assert [len(poly) for poly in delta] == [1, 1]  # two parts, no holes
    echo = tiny.rings(counties["44009"])
    assert len(echo) == 1 and len(echo[0]) == 2  # one part with one hole
    hole = echo[0][1]
    foxtrot = tiny.rings(counties["44011"])[0][0]
    np.testing.assert_allclose(hole, foxtrot[::-1])  # the hole is Foxtrot's ring, reversed
    assert counties["44009"].arc_ids == {7, 8}
    assert counties["44011"].arc_ids == {8}


def test_unquantized_topology_is_read_as_is():
    topo = decode(
        {
            "type": "Topology",
            "objects": {"x": {"type": "Polygon", "id": "1", "arcs": [[0]]}},
            "arcs": [[[1.5, 2.5], [3.0, 2.5], [3.0, 4.0], [1.5, 2.5]]],
        }
    )
    np.testing.assert_allclose(topo.arc(0), [[1.5, 2.5], [3.0, 2.5], [3.0, 4.0], [1.5, 2.5]])
    assert list(topo.features("x")) == ["1"]


def test_decoded_once_per_file_version(tmp_path):
    path = tmp_path / "t.json"
    path.write_bytes(TINY.read_bytes())
    first = load_topology(path)
    assert load_topology(path) is first
    os.utime(path, ns=(1, 1))  # a replaced file (new mtime) is read again
    assert load_topology(path) is not first
    clear_cache()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "not valid JSON"),
        ('{"type": "FeatureCollection", "features": []}', "not a TopoJSON topology"),
        ('{"type": "Topology", "objects": {}}', "lacks the"),
        (
            '{"type": "Topology", "arcs": [], "objects": {"c": {"type": "GeometryCollection",'
            ' "geometries": [{"type": "Point", "id": "1", "coordinates": [0, 0]}]}}}',
            "is a Point, not a polygon",
        ),
        (
            '{"type": "Topology", "arcs": [[[0, 0], [1, 1]]], "objects": {"c": {"type":'
            ' "Polygon", "id": "1", "arcs": [[0, 5]]}}}',
            "refers to an arc that is absent",
        ),
    ],
)
def test_unusable_files_raise_atlas_error_naming_the_file(tmp_path, text, problem):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(AtlasError) as err:
        load_topology(path)
    assert problem in str(err.value)
    assert str(path) in str(err.value)


def test_missing_object_and_missing_file_are_named(tiny, tmp_path):
    with pytest.raises(AtlasError, match="no object 'tracts'"):
        tiny.features("tracts")
    with pytest.raises(AtlasError, match="cannot be read"):
        load_topology(tmp_path / "absent.json")


@pytest.mark.shared
def test_real_atlas_has_every_county_and_state(shared_atlas):
    counties = shared_atlas.features("counties")
    assert len(counties) == 3231
    assert counties["17031"].name == "Cook"
    assert len(shared_atlas.features("states")) == 56
    lon, lat = shared_atlas.points[:, 0], shared_atlas.points[:, 1]
    assert lon.min() > -180 and lon.max() < 180 and lat.min() > -15 and lat.max() < 72
    json.dumps(counties["17031"].polygons)  # plain tuples of ints
