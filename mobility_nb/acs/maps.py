"""Tract maps drawn from local boundary files with matplotlib only (no GIS stack).

Boundaries come from a shapefile (read with pyshp) or a GeoJSON file that the analyst
has locally - the path in the page parameters, or any file under the census data folder
whose tracts belong to the county. Polygons are drawn as a PolyCollection in a
colour-blind-safe sequential palette (cividis), with tracts lacking an estimate hatched
in grey so "no data" never looks like a low value.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

GEOID_FIELDS = ("GEOID", "GEOID10", "GEOID20", "geoid", "GEO_ID")
MAP_CMAP = "cividis"
NO_DATA_COLOR = "#dddddd"


@dataclass
class TractPolygons:
    """Rings (lon, lat arrays) per tract GEOID from one boundary file."""

    path: Path
    rings: dict[str, list[np.ndarray]]

    @property
    def geoids(self) -> set[str]:
        return set(self.rings)


def _geoid_from(props: dict[str, Any]) -> str | None:
    for name in GEOID_FIELDS:
        value = props.get(name)
        if value:
            text = str(value)
            return text.split("US")[-1] if "US" in text else text
    return None


@lru_cache(maxsize=16)
def _read(path_str: str, mtime_ns: int) -> dict[str, list[np.ndarray]]:
    path = Path(path_str)
    rings: dict[str, list[np.ndarray]] = {}
    if path.suffix.lower() == ".shp":
        import shapefile

        with shapefile.Reader(str(path)) as reader:
            names = [f[0] for f in reader.fields[1:]]
            for shape_rec in reader.iterShapeRecords():
                geoid = _geoid_from(dict(zip(names, shape_rec.record, strict=False)))
                if not geoid:
                    continue
                pts = np.asarray(shape_rec.shape.points, dtype=float)
                bounds = [*shape_rec.shape.parts, len(pts)]
                rings.setdefault(geoid, []).extend(
                    pts[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b - a > 2
                )
        return rings
    data = json.loads(path.read_text(encoding="utf-8"))
    for feature in data.get("features", []) if isinstance(data, dict) else []:
        geom = feature.get("geometry") or {}
        geoid = _geoid_from(feature.get("properties") or {})
        if not geoid or geom.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        for poly in polys:
            for ring in poly:
                arr = np.asarray(ring, dtype=float)[:, :2]
                if len(arr) > 2:
                    rings.setdefault(geoid, []).append(arr)
    return rings


def read_tract_polygons(path: str | os.PathLike[str], county: str) -> TractPolygons:
    """Tract rings of ``county`` (5-digit FIPS) in a .shp or .geojson/.json file."""
    p = Path(path)
    everything = _read(str(p.resolve()), p.stat().st_mtime_ns)
    return TractPolygons(
        p, {g: r for g, r in everything.items() if len(g) == 11 and g.startswith(county)}
    )


def _candidates(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in sorted(files):
            if name.lower().endswith((".shp", ".geojson")) or (
                name.lower().endswith(".json")
                and "topo" not in name.lower()
                and "counties" not in name.lower()
            ):
                found.append(Path(dirpath) / name)
    return found


def find_tract_geometry(
    county: str, *places: str | os.PathLike[str] | None
) -> TractPolygons | None:
    """The first boundary file under ``places`` (files or folders) with this county's tracts."""
    for place in places:
        if not place:
            continue
        root = Path(place).expanduser()
        if not root.exists():
            continue
        for candidate in _candidates(root):
            try:
                polys = read_tract_polygons(candidate, county)
            except (OSError, ValueError, KeyError, json.JSONDecodeError):
                continue
            except Exception:  # a malformed shapefile must not break the page
                continue
            if polys.rings:
                return polys
    return None


def choropleth(
    polygons: TractPolygons,
    values: pd.Series,
    title: str,
    legend: str,
    value_format: str = "{:,.0f}",
) -> Any:
    """Draw tracts coloured by ``values`` (index = tract GEOID); returns the figure."""
    import matplotlib as mpl
    from matplotlib.collections import PolyCollection

    from mobility_nb.render.figures import new_figure

    fig, ax = new_figure(6.5, 6.0)
    vals = values.astype(float)
    finite = vals[np.isfinite(vals)]
    norm = (
        mpl.colors.Normalize(vmin=float(finite.min()), vmax=float(finite.max()))
        if len(finite)
        else mpl.colors.Normalize(0, 1)
    )
    cmap = mpl.colormaps[MAP_CMAP]
    have, have_colors, missing = [], [], []
    missing_tracts = 0
    for geoid, rings in polygons.rings.items():
        v = vals.get(geoid, np.nan)
        if np.isfinite(v):
            have.extend(rings)
            have_colors.extend([cmap(norm(v))] * len(rings))
        else:
            missing.extend(rings)
            missing_tracts += 1
    all_pts = np.concatenate([np.concatenate(r) for r in polygons.rings.values()])
    mid_lat = float(np.mean(all_pts[:, 1]))
    # Rasterised polygons keep an SVG page small (a county has up to ~1,300 tracts) while
    # titles and the legend stay live text.
    ax.add_collection(
        PolyCollection(
            have, facecolors=have_colors, edgecolors="white", linewidths=0.2, rasterized=True
        )
    )
    if missing:
        ax.add_collection(
            PolyCollection(
                missing,
                facecolors=NO_DATA_COLOR,
                edgecolors="white",
                linewidths=0.2,
                hatch="////",
                rasterized=True,
            )
        )
    ax.set_xlim(all_pts[:, 0].min(), all_pts[:, 0].max())
    ax.set_ylim(all_pts[:, 1].min(), all_pts[:, 1].max())
    ax.set_aspect(1 / np.cos(np.radians(mid_lat)))
    ax.set_axis_off()
    ax.grid(False)
    ax.set_title(title)
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    bar = fig.colorbar(sm, ax=ax, shrink=0.6, pad=0.02)
    bar.set_label(legend)
    bar.ax.yaxis.set_major_formatter(
        mpl.ticker.FuncFormatter(lambda x, _pos: value_format.format(x))
    )
    if missing:
        from matplotlib.patches import Patch

        label = f"No estimate ({missing_tracts} tracts)"
        ax.legend(
            handles=[Patch(facecolor=NO_DATA_COLOR, hatch="////", edgecolor="white", label=label)],
            loc="lower left",
            frameon=False,
        )
    return fig
