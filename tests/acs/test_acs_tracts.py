"""Tract spread, concentrated poverty and tract maps from local boundary files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from support.fakecensus import census_data_dir

from mobility_nb.acs import maps, moe, tracts
from mobility_nb.render.figures import figure_html


def test_distribution_quartiles_and_low_reliability_count():
    rows = pd.DataFrame(
        {
            "estimate": [10.0, 20.0, 30.0, 40.0, np.nan],
            "reliability": ["High", "Low", "Medium", "Low", "Unknown"],
        }
    )
    d = tracts.distribution(rows)
    assert (d.tracts, d.with_estimate, d.minimum, d.median, d.maximum) == (5, 4, 10, 25, 40)
    assert d.p25 == 17.5 and d.p75 == 32.5 and d.iqr == 15
    assert d.low_reliability == 2


def test_concentration_share_and_moe():
    # Own numbers: tracts at 45% and 50% poverty hold 1,500 of 4,500 people.
    rates = np.array([45.0, 10.0, 50.0, np.nan])
    people = np.array([1000.0, 3000.0, 500.0, 200.0])
    people_moe = np.array([100.0, 200.0, 80.0, 30.0])
    c = tracts.concentration(rates, people, people_moe, threshold=40)
    assert (c.tracts_above, c.tracts_counted) == (2, 3)
    assert c.share == pytest.approx(100 * 1500 / 4500)
    part_moe = moe.moe_sum([1000, 500], [100, 80])
    total_moe = moe.moe_sum([1000, 3000, 500], [100, 200, 80])
    assert c.share_moe == pytest.approx(100 * moe.moe_proportion(1500, 4500, part_moe, total_moe))
    assert "2 of 3 tracts" in c.sentence("poverty rate")
    none = tracts.concentration(np.array([np.nan]), np.array([10.0]), np.array([1.0]))
    assert np.isnan(none.share) and "No tract" in none.sentence("poverty rate")


def _square(x, y, size=0.01):
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def test_geojson_and_shapefile_boundaries_are_read_per_county(tmp_path):
    import shapefile

    features = [
        {
            "type": "Feature",
            "properties": {"GEOID": "44007010100"},
            "geometry": {"type": "Polygon", "coordinates": [_square(-71.4, 41.8)]},
        },
        {
            "type": "Feature",
            "properties": {"GEOID": "44007010200"},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [[_square(-71.39, 41.8)], [_square(-71.37, 41.8)]],
            },
        },
        {
            "type": "Feature",
            "properties": {"GEOID": "44003020100"},
            "geometry": {"type": "Polygon", "coordinates": [_square(-71.5, 41.7)]},
        },
    ]
    (tmp_path / "geo").mkdir()
    (tmp_path / "geo" / "tracts.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    polys = maps.find_tract_geometry("44007", None, tmp_path / "missing", tmp_path / "geo")
    assert polys is not None and polys.geoids == {"44007010100", "44007010200"}
    assert len(polys.rings["44007010200"]) == 2

    with shapefile.Writer(str(tmp_path / "shp" / "t"), shapeType=shapefile.POLYGON) as w:
        w.field("GEOID10", "C", size=11)
        w.poly([_square(-71.4, 41.8)])
        w.record("44007010100")
    found = maps.read_tract_polygons(tmp_path / "shp" / "t.shp", "44007")
    assert set(found.rings) == {"44007010100"}

    fig = maps.choropleth(polys, pd.Series({"44007010100": 12.5}), "Test map", "percent", "{:.0f}%")
    assert len(fig.axes[0].collections) == 2  # tracts with values + hatched no-data tracts
    assert "No estimate (1 tracts)" in [t.get_text() for t in fig.axes[0].get_legend().texts]
    page = figure_html(fig, "Map of two tracts, one without an estimate.")
    assert 'alt="Map of two tracts' in page


@pytest.mark.shared
def test_demo_boundaries_are_found_under_the_census_data_folder():
    geo = census_data_dir() / "geo"
    phila = maps.find_tract_geometry("42101", geo)
    cook = maps.find_tract_geometry("17031", geo)
    assert phila is not None and phila.path.suffix == ".shp" and len(phila.geoids) == 384
    assert cook is not None and cook.path.suffix == ".geojson" and len(cook.geoids) >= 1330
    assert maps.find_tract_geometry("36061", geo) is None  # no NYC tract boundaries here
