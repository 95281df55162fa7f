"""Which counties share a boundary: neighbours from the arcs of the county topology.

Two counties are neighbours when their boundaries use at least one common arc, i.e. they
share a stretch of border, not only a corner point (at the Four Corners, San Juan County UT
and San Juan County NM touch in a point and are not neighbours). State lines do not
matter: Cook County IL and Lake County IN are neighbours. Counties separated only by open
water are not (Nantucket has none); where the Census boundary file runs a county line
through a river or a strait the counties on both sides are neighbours (Philadelphia and
Camden NJ).

The atlas is the Census 2017 county set. Ids that are not in it (Connecticut's planning
regions used from 2022, Alaska's Chugach and Copper River from 2019, ids retired before
2017) get an empty list and a reason a page can print, never an exception. Neighbour ids
are 2017 ids too, so a caller should drop those its own data does not have.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from mobility_nb.geo.topojson import Topology

COUNTIES = "counties"

# County ids that are absent from the 2017 atlas because the county set changed (Census
# Bureau, "Substantial Changes to Counties and County Equivalent Entities").
_CT_REGIONS = (
    "Connecticut's nine planning regions (09110-09190) replaced its eight counties "
    "(09001-09015) as county equivalents in Census data from 2022; the county boundary map "
    "(2017) has only the old counties"
)
_VALDEZ_CORDOVA = (
    "Chugach Census Area (02063) and Copper River Census Area (02066) were created in 2019 "
    "from Valdez-Cordova Census Area (02261); the county boundary map (2017) has only "
    "Valdez-Cordova"
)
CHANGED_COUNTIES: Mapping[str, str] = {
    **{f"091{k}0": _CT_REGIONS for k in range(1, 10)},
    "02063": _VALDEZ_CORDOVA,
    "02066": _VALDEZ_CORDOVA,
    "02270": "Wade Hampton Census Area (02270) was renamed Kusilvak Census Area (02158) in "
    "2015; the map has 02158",
    "46113": "Shannon County SD (46113) was renamed Oglala Lakota County (46102) in 2015; "
    "the map has 46102",
    "51515": "Bedford city VA (51515) joined Bedford County (51019) in 2013; the map has 51019",
}

Status = Literal["found", "none", "not_in_atlas"]


@dataclass(frozen=True)
class NeighbourLookup:
    """The neighbours of one county, or why there are none.

    ``status`` is "found" (at least one neighbour), "none" (the county is on the map but
    shares no boundary: an island county) or "not_in_atlas" (no boundary for this id).
    ``reason`` is a sentence for the page when the list is empty, else "".
    """

    geoid: str
    neighbours: tuple[str, ...]
    status: Status
    reason: str = ""

    @property
    def found(self) -> bool:
        return self.status == "found"


def county_adjacency(topology: Topology | None = None) -> Mapping[str, tuple[str, ...]]:
    """Every county id of the atlas -> its neighbours, sorted (islands map to ``()``)."""
    return _adjacency(_topology(topology))


def neighbours(geoid: str, topology: Topology | None = None) -> list[str]:
    """The sorted ids of the counties sharing a boundary with ``geoid``; [] when none or unknown.

    Use :func:`lookup_neighbours` to learn why a list is empty.
    """
    return list(lookup_neighbours(geoid, topology).neighbours)


def lookup_neighbours(geoid: str, topology: Topology | None = None) -> NeighbourLookup:
    """The neighbours of ``geoid`` with a status and, when there are none, a printable reason."""
    key = str(geoid).strip()
    topo = _topology(topology)
    table = _adjacency(topo)
    if key in table:
        found = table[key]
        if found:
            return NeighbourLookup(key, found, "found")
        name = topo.features(COUNTIES)[key].name or key
        return NeighbourLookup(
            key,
            (),
            "none",
            f"{name} ({key}) shares no land or river boundary with another county on the "
            "county boundary map (it is surrounded by water)",
        )
    return NeighbourLookup(
        key, (), "not_in_atlas", f"{missing_reason(key)}, so its neighbours are not known"
    )


def missing_reason(geoid: str) -> str:
    """Why ``geoid`` has no boundary on the 2017 county map, as a sentence fragment."""
    if geoid in CHANGED_COUNTIES:
        return CHANGED_COUNTIES[geoid]
    if len(geoid) != 5 or not geoid.isdigit():
        return f"{geoid!r} is not a five-digit county FIPS code"
    return (
        f"county {geoid} is not on the county boundary map (Census 2017 counties, us-atlas 3.0.1)"
    )


def _topology(topology: Topology | None) -> Topology:
    if topology is not None:
        return topology
    from mobility_nb.geo.atlas import load_atlas

    return load_atlas()


@lru_cache(maxsize=4)
def _adjacency(topology: Topology) -> dict[str, tuple[str, ...]]:
    counties = topology.features(COUNTIES)
    users: dict[int, set[str]] = defaultdict(set)
    for geoid, feature in counties.items():
        for arc in feature.arc_ids:
            users[arc].add(geoid)
    linked: dict[str, set[str]] = {geoid: set() for geoid in counties}
    for sharing in users.values():
        if len(sharing) > 1:
            for geoid in sharing:
                linked[geoid].update(sharing)
    return {geoid: tuple(sorted(others - {geoid})) for geoid, others in linked.items()}
