"""Decode a TopoJSON topology into polygons per feature, keeping the arcs each one uses.

TopoJSON stores every boundary segment once (an *arc*) and describes a polygon as a list of
rings, each ring a list of arc references (``i`` forwards, ``~i`` = ``-i - 1`` backwards).
Arcs may be quantized (integers plus a ``transform``) and delta-encoded. Keeping the arc
references per feature is what makes adjacency cheap (two counties are neighbours when they
use the same arc) and lets a map round shared borders identically for both sides.

The spec: https://github.com/topojson/topojson-specification. Only areal geometries
(Polygon, MultiPolygon, and null) are read; that is all a county atlas holds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from mobility_nb.errors import AtlasError

# A polygon is a tuple of rings; a ring is a tuple of arc references (signed, ~i = reversed).
Ring = tuple[int, ...]
Polygon = tuple[Ring, ...]


@dataclass(frozen=True)
class Feature:
    """One geometry of a TopoJSON object: its id, name and polygons as arc references."""

    id: str
    name: str
    polygons: tuple[Polygon, ...]

    @property
    def arc_ids(self) -> frozenset[int]:
        """Indices of every arc on this feature's boundary, direction dropped."""
        return frozenset(
            r if r >= 0 else ~r for poly in self.polygons for ring in poly for r in ring
        )


@dataclass(frozen=True, eq=False)
class Topology:
    """A decoded topology: arc coordinates (lon, lat) and the features of each object.

    ``points`` holds every arc's positions back to back; arc ``i`` is
    ``points[starts[i]:starts[i + 1]]``.
    """

    path: str
    points: np.ndarray
    starts: np.ndarray
    objects: Mapping[str, Mapping[str, Feature]]

    @property
    def arc_count(self) -> int:
        return len(self.starts) - 1

    def arc(self, index: int) -> np.ndarray:
        """Positions of arc ``index`` in stored order."""
        return self.points[self.starts[index] : self.starts[index + 1]]

    def features(self, object_name: str) -> Mapping[str, Feature]:
        """The features of one object (``counties``, ``states``...), by id."""
        try:
            return self.objects[object_name]
        except KeyError:
            raise AtlasError(
                f"The boundary file {self.path} has no object {object_name!r} (it has "
                f"{', '.join(sorted(self.objects)) or 'none'}). Use the us-atlas counties-10m.json "
                "file, which holds counties, states and nation."
            ) from None

    def ring(self, refs: Iterable[int], points: np.ndarray | None = None) -> np.ndarray:
        """The closed ring made by following ``refs``; ``points`` may replace the arc positions
        (e.g. projected ones laid out like ``self.points``)."""
        source = self.points if points is None else points
        parts = []
        for k, ref in enumerate(refs):
            index = ref if ref >= 0 else ~ref
            arc = source[self.starts[index] : self.starts[index + 1]]
            if ref < 0:
                arc = arc[::-1]
            parts.append(arc if k == 0 else arc[1:])
        return np.concatenate(parts) if parts else np.empty((0, 2))

    def rings(self, feature: Feature, points: np.ndarray | None = None) -> list[list[np.ndarray]]:
        """Every polygon of ``feature`` as a list of rings (exterior first, then holes)."""
        return [[self.ring(ring, points) for ring in poly] for poly in feature.polygons]


def decode(data: Mapping[str, Any], *, path: str = "<topology>") -> Topology:
    """Decode a parsed TopoJSON document; AtlasError when it is not a usable topology."""
    if not isinstance(data, Mapping) or data.get("type") != "Topology":
        raise _bad(path, 'it is not a TopoJSON topology (no "type": "Topology")')
    arcs = data.get("arcs")
    objects = data.get("objects")
    if not isinstance(arcs, list) or not isinstance(objects, Mapping):
        raise _bad(path, 'it lacks the "arcs" list or the "objects" table')
    points, starts = _decode_arcs(arcs, data.get("transform"), path)
    decoded = {
        name: _decode_object(name, obj, len(starts) - 1, path) for name, obj in objects.items()
    }
    return Topology(path=path, points=points, starts=starts, objects=decoded)


def load_topology(path: str | os.PathLike[str]) -> Topology:
    """Read and decode the TopoJSON file at ``path``, once per process per file version.

    The decoded topology is cached on (path, modification time, size), so a batch of many
    pages decodes the atlas once and a replaced file is read again.
    """
    resolved = Path(path).expanduser().resolve()
    try:
        stat = resolved.stat()
    except OSError as exc:
        raise AtlasError(
            f"The county boundary file {resolved} cannot be read ({exc.strerror or exc}). "
            "Check the path, or leave it out to use the census data folder or the download cache."
        ) from exc
    return _load_cached(str(resolved), stat.st_mtime_ns, stat.st_size)


def clear_cache() -> None:
    """Forget decoded topologies (tests; a long-lived kernel after replacing a file)."""
    _load_cached.cache_clear()


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int, size: int) -> Topology:
    del mtime_ns, size  # part of the cache key only
    try:
        with open(path, "rb") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise _bad(path, f"it is not valid JSON ({exc})") from exc
    return decode(data, path=path)


def _decode_arcs(arcs: list[Any], transform: Any, path: str) -> tuple[np.ndarray, np.ndarray]:
    """All arcs as one (n, 2) float array of absolute lon/lat, plus each arc's start offset."""
    lengths = np.fromiter((len(a) for a in arcs), dtype=np.int64, count=len(arcs))
    starts = np.zeros(len(arcs) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    try:
        flat = [coord for arc in arcs for position in arc for coord in position[:2]]
        raw = np.asarray(flat, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError) as exc:
        raise _bad(path, "an arc holds something other than [x, y] positions") from exc
    if len(raw) != starts[-1]:
        raise _bad(path, "an arc holds a position with fewer than two coordinates")
    if transform is None:
        return raw, starts
    try:
        scale = np.asarray(transform["scale"], dtype=np.float64)[:2]
        translate = np.asarray(transform["translate"], dtype=np.float64)[:2]
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(path, 'its "transform" lacks a two-number scale and translate') from exc
    # Delta decoding: a running sum that restarts at each arc's first (absolute) position.
    running = np.cumsum(raw, axis=0)
    previous = np.vstack([np.zeros((1, 2)), running])  # previous[j] = sum of rows before j
    before = np.repeat(previous[starts[:-1]], lengths, axis=0)
    return (running - before) * scale + translate, starts


def _decode_object(name: str, obj: Any, arc_count: int, path: str) -> dict[str, Feature]:
    geometries = obj.get("geometries") if isinstance(obj, Mapping) else None
    if obj.get("type") != "GeometryCollection" or not isinstance(geometries, list):
        geometries = [obj]
    features: dict[str, Feature] = {}
    for k, geom in enumerate(geometries):
        kind = geom.get("type")
        if kind is None:
            continue
        raw_id = geom.get("id")
        feature_id = str(raw_id) if raw_id is not None else f"{name}[{k}]"
        if kind == "Polygon":
            polygons = [geom.get("arcs")]
        elif kind == "MultiPolygon":
            polygons = geom.get("arcs")
        else:
            raise _bad(path, f"feature {feature_id!r} of {name!r} is a {kind}, not a polygon")
        try:
            parsed = tuple(tuple(tuple(int(r) for r in ring) for ring in poly) for poly in polygons)
        except (TypeError, ValueError) as exc:
            raise _bad(path, f"feature {feature_id!r} of {name!r} has malformed arcs") from exc
        if any(r >= arc_count or ~r >= arc_count for p in parsed for ring in p for r in ring):
            raise _bad(path, f"feature {feature_id!r} of {name!r} refers to an arc that is absent")
        props = geom.get("properties") or {}
        features[feature_id] = Feature(
            id=feature_id, name=str(props.get("name", "")), polygons=parsed
        )
    return features


def _bad(path: str, problem: str) -> AtlasError:
    return AtlasError(
        f"Cannot use the county boundary file {path}: {problem}. Replace it with the us-atlas "
        "3.0.1 counties-10m.json (delete it from the download cache and mobility-nb fetches it "
        "again), or point $MOBILITY_NB_CENSUS_DATA at a folder holding "
        "geo/us-atlas-3.0.1/counties-10m.json."
    )
