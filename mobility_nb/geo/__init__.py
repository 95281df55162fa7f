"""County geometry for pages: the us-atlas county topology, adjacency and offline SVG maps.

``load_atlas()`` finds (or downloads once) the us-atlas 3.0.1 ``counties-10m.json`` and
decodes it once per process; ``neighbours()`` / ``lookup_neighbours()`` give counties that
share a boundary; ``state_map()`` / ``county_map()`` draw a choropleth as inline SVG with
alt text.
"""

from __future__ import annotations

from mobility_nb.geo.adjacency import (
    CHANGED_COUNTIES,
    NeighbourLookup,
    county_adjacency,
    lookup_neighbours,
    missing_reason,
    neighbours,
)
from mobility_nb.geo.atlas import (
    US_ATLAS,
    AtlasRelease,
    atlas_path,
    ensure_atlas,
    find_atlas,
    load_atlas,
)
from mobility_nb.geo.svgmap import (
    MapClass,
    MapSVG,
    county_map,
    county_paths,
    state_map,
    state_paths,
)
from mobility_nb.geo.topojson import Feature, Topology, decode, load_topology

__all__ = [
    "CHANGED_COUNTIES",
    "US_ATLAS",
    "AtlasRelease",
    "Feature",
    "MapClass",
    "MapSVG",
    "NeighbourLookup",
    "Topology",
    "atlas_path",
    "county_adjacency",
    "county_map",
    "county_paths",
    "decode",
    "ensure_atlas",
    "find_atlas",
    "load_atlas",
    "load_topology",
    "lookup_neighbours",
    "missing_reason",
    "neighbours",
    "state_map",
    "state_paths",
]
