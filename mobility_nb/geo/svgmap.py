"""Offline county maps as self-contained inline SVG: one state (or any counties) by value.

Pages are read on phones, on paper and by screen readers, and a comparison page holds a
map per metric, so a map here is a small string with no scripts, fonts or images:

* **Projection.** Albers equal-area conic fitted to the counties drawn (standard parallels
  at 1/6 and 5/6 of their latitude range), so areas compare fairly; Alaska's Aleutians
  west of 180 degrees are moved next to the rest of the state.
* **Size.** Coordinates are rounded to whole units of a 1000-unit-wide drawing (shared
  borders round identically on both sides because they are one arc), written as relative
  path commands; ``width="100%"`` with a max width, so the map shrinks on a phone.
  Counties too small to see at state scale (some Virginia cities) get a dot.
* **Colour.** Sequential classes sample viridis (readable with colour-vision deficiency,
  still ordered in greyscale print, and unlike cividis no class looks like "no data"
  grey); diverging classes sample ColorBrewer PuOr (orange / purple, also colour-blind
  safe) with a neutral middle. With a direction, the darker
  (sequential) or purple (diverging) end is the better one and the legend says so.
* **Classes.** ``method="quantile"`` (default): about equal numbers of counties per class,
  labelled by the lowest and highest value in each, ties never split; ``"nice"``:
  equal-width classes with round limits; or the caller's ``breaks``. Diverging classes
  are symmetric around ``midpoint``.
* **Marks.** Counties without a value: light grey with dots ("No data"); values flagged
  Weak: black-and-white hatching over the fill (visible on light and dark fills); the
  focal county: a thick black outline on a white halo. All three are in the legend.
* **Text.** Sizes are 1/30 of the width or more, i.e. at least 12 px when the map is
  360 px wide; dark grey on white (AA). ``role="img"`` with ``<title>`` (the alt text)
  and ``<desc>`` (every class and count); the alt text names the highest and lowest places
  and says when they are tied.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from mobility_nb.data import states
from mobility_nb.errors import MapError
from mobility_nb.geo.adjacency import COUNTIES, missing_reason
from mobility_nb.geo.topojson import Feature, Topology

Scale = Literal["sequential", "diverging"]
Method = Literal["quantile", "nice"]

WIDTH = 1000  # drawing units; every size below is in these units
PAD = 24
TITLE_SIZE = 40
TEXT_SIZE = 34  # 34/1000 of the width: 12.2 px on a 360 px phone
LABEL_SIZE = 34
MAX_MAP_HEIGHT = 1100
SWATCH_W, SWATCH_H, ROW_H = 52, 34, 48
CHAR_EM = 0.56  # average advance of a sans-serif character, in em (for wrapping)
BOLD_EM = 0.62
DEFAULT_MAX_WIDTH = "36rem"

TEXT_COLOUR = "#1a1a1a"
MUTED_COLOUR = "#555555"
BORDER_COLOUR = "#8c8c8c"
OUTLINE_COLOUR = "#4d4d4d"
NO_DATA_BASE = "#eeeeee"
NO_DATA_DOT = "#7a7a7a"
FONT = "system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif"
TINY_AREA = 100.0  # counties smaller than this (square units, ~6 px at 36rem) get a dot
DOT_RADIUS = 8
BORDER_WIDTH = 1.5  # county borders: 0.5 px on a 360 px phone, 0.9 px at 36rem
OUTLINE_WIDTH = 3
FOCUS_WIDTH = 5
SWATCH_EDGE = 'stroke="#767676" stroke-width="1.5"'  # 4.5:1 on white: a light class stays visible


@dataclass(frozen=True)
class MapClass:
    """One legend class: its colour, label, value range and how many counties fall in it."""

    label: str
    colour: str
    count: int
    low: float | None
    high: float | None


@dataclass(frozen=True)
class MapSVG:
    """A rendered map: the SVG markup, its alt text and what could not be drawn.

    ``missing`` lists ids that have a value (or are the focus) but no boundary on the map,
    with ``missing_reasons`` saying why, so a page can print it under the map.
    """

    svg: str
    alt: str
    classes: tuple[MapClass, ...]
    missing: tuple[str, ...] = ()
    missing_reasons: Mapping[str, str] | None = None

    def __str__(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:  # shows the map in a notebook
        return self.svg


def state_map(
    values: Mapping[str, float | None],
    *,
    state: str,
    title: str,
    value_format: Callable[[float], str] | None = None,
    weak: Collection[str] = (),
    scale: Scale = "sequential",
    higher_is_better: bool | None = None,
    focus: str | None = None,
    names: Mapping[str, str] | None = None,
    labels: Iterable[str] = (),
    n_classes: int | None = None,
    method: Method = "quantile",
    breaks: Sequence[float] | None = None,
    class_labels: Sequence[str] | None = None,
    midpoint: float = 0.0,
    midpoint_label: str | None = None,
    subtitle: str = "",
    max_width: str = DEFAULT_MAX_WIDTH,
    id_prefix: str | None = None,
    paths_id: str | None = None,
    topology: Topology | None = None,
) -> MapSVG:
    """Map every county of ``state`` ('PA', 'Pennsylvania' or '42') coloured by ``values``.

    ``values`` maps five-digit county ids to numbers (None or NaN = no data); ids of other
    states are ignored, ids of this state that are not on the 2017 map are reported in
    ``MapSVG.missing``. ``weak`` ids are hatched, ``focus`` is outlined, ``labels`` ids are
    named on the map. ``value_format`` writes a value with its unit for the legend and the
    alt text ("41.2%", "$52,000"). See :func:`county_map` for the classes and colours.
    """
    fips = states.state_fips(state)
    if fips is None:
        raise MapError(
            f"{state!r} is not a US state: give a postal abbreviation ('PA'), a name "
            "('Pennsylvania') or a two-digit FIPS code ('42')."
        )
    topo = _topology(topology)
    counties = [g for g in topo.features(COUNTIES) if g.startswith(fips)]
    if not counties:
        raise MapError(
            f"The county boundary map has no counties for {states.name(fips)} ({fips}), so "
            "no state map can be drawn for it."
        )
    in_state = {str(g): v for g, v in values.items() if str(g).startswith(fips)}
    # ids of this state with a value but no boundary (e.g. newer geography) are reported
    valued = [g for g, v in in_state.items() if _number(v) is not None]
    return county_map(
        in_state,
        counties=[*counties, *valued],
        area=states.name(fips),
        nouns=_nouns(fips),
        title=title,
        value_format=value_format,
        weak=weak,
        scale=scale,
        higher_is_better=higher_is_better,
        focus=focus,
        names=names,
        labels=labels,
        n_classes=n_classes,
        method=method,
        breaks=breaks,
        class_labels=class_labels,
        midpoint=midpoint,
        midpoint_label=midpoint_label,
        subtitle=subtitle,
        max_width=max_width,
        id_prefix=id_prefix,
        paths_id=paths_id,
        topology=topo,
    )


def county_map(
    values: Mapping[str, float | None],
    *,
    counties: Iterable[str],
    title: str,
    area: str = "",
    nouns: tuple[str, str] = ("county", "counties"),
    value_format: Callable[[float], str] | None = None,
    weak: Collection[str] = (),
    scale: Scale = "sequential",
    higher_is_better: bool | None = None,
    focus: str | None = None,
    names: Mapping[str, str] | None = None,
    labels: Iterable[str] = (),
    n_classes: int | None = None,
    method: Method = "quantile",
    breaks: Sequence[float] | None = None,
    class_labels: Sequence[str] | None = None,
    midpoint: float = 0.0,
    midpoint_label: str | None = None,
    subtitle: str = "",
    max_width: str = DEFAULT_MAX_WIDTH,
    id_prefix: str | None = None,
    paths_id: str | None = None,
    topology: Topology | None = None,
) -> MapSVG:
    """Map the given ``counties`` (any ids, any states) coloured by ``values``.

    ``scale="sequential"``: ``n_classes`` (3-7, default 5) classes by ``method`` unless
    ``breaks`` (increasing class limits; a value equal to a limit goes to the upper class)
    are given. ``scale="diverging"``: classes symmetric around ``midpoint`` (default 5), or
    ``breaks``; e.g. standings coded -1/0/1 with ``breaks=[-0.5, 0.5]`` and
    ``class_labels=["Below", "Not different", "Above"]``. ``higher_is_better`` True/False
    makes the darker (purple) end the better one and says so; None keeps darker = higher.
    ``area`` names the whole map in the alt text ("Texas"); ``nouns`` are the singular and
    plural for a county there. Raises MapError for inputs it cannot draw.

    Many maps of the same counties on one page (a map per metric) can share one copy of
    the county shapes: put ``county_paths(counties, paths_id=...)`` (or ``state_paths``)
    in the page once and pass the same ``paths_id`` here; the map then only references
    them, which makes it several times smaller.
    """
    topo = _topology(topology)
    fmt = value_format or _plain_number
    features = topo.features(COUNTIES)
    wanted = list(dict.fromkeys(str(g) for g in counties))
    drawn = [g for g in wanted if g in features]
    not_drawn = [g for g in wanted if g not in features]
    if not drawn:
        raise MapError(
            "None of the counties asked for is on the county boundary map (Census 2017 "
            f"counties): {', '.join(wanted[:8]) or 'no ids given'}. Give five-digit county "
            "FIPS codes."
        )
    clean = {str(g): _number(v) for g, v in values.items()}
    weak_ids = {str(g) for g in weak}
    focus_id = str(focus) if focus else None
    missing = sorted(
        set(not_drawn) | ({focus_id} if focus_id and focus_id not in features else set())
    )
    reasons = {g: missing_reason(g) for g in missing}
    multi_state = len({g[:2] for g in drawn}) > 1
    name_of = _namer(names, features, multi_state)

    drawn_values = {g: clean.get(g) for g in drawn}
    present = {g: v for g, v in drawn_values.items() if v is not None}
    scheme = _classify(
        present,
        scale=scale,
        method=method,
        n_classes=n_classes,
        breaks=breaks,
        class_labels=class_labels,
        midpoint=midpoint,
        higher_is_better=higher_is_better,
        fmt=fmt,
    )
    prefix = id_prefix or _prefix(title, drawn, drawn_values, weak_ids, focus_id)
    geometry = _geometry(topo, tuple(sorted(drawn)))
    note = _direction_note(scale, higher_is_better, midpoint_label or fmt(midpoint))
    alt = _alt_text(
        title=title,
        area=area,
        nouns=nouns,
        drawn=drawn,
        present=present,
        weak=weak_ids,
        focus=focus_id,
        name_of=name_of,
        fmt=fmt,
        missing=missing,
        scheme=scheme,
        categorical=class_labels is not None,
    )
    desc = _description(scheme, note, nouns, missing, reasons, name_of)
    svg = _svg(
        prefix=prefix,
        title=title,
        subtitle=subtitle,
        alt=alt,
        desc=desc,
        note=note,
        geometry=geometry,
        drawn=drawn,
        values=drawn_values,
        scheme=scheme,
        weak=weak_ids,
        focus=focus_id if focus_id in geometry.paths else None,
        labels=[g for g in dict.fromkeys(str(x) for x in labels) if g in geometry.paths],
        name_of=name_of,
        fmt=fmt,
        max_width=max_width,
        footnote=_footnote(missing, nouns),
        paths_id=paths_id,
    )
    return MapSVG(
        svg=svg, alt=alt, classes=scheme.classes, missing=tuple(missing), missing_reasons=reasons
    )


def state_paths(state: str, *, paths_id: str, topology: Topology | None = None) -> str:
    """The shapes of every county of ``state`` as a hidden SVG, once per page, for the maps
    given the same ``paths_id`` (see :func:`county_map`)."""
    fips = states.state_fips(state)
    if fips is None:
        raise MapError(f"{state!r} is not a US state: give 'PA', 'Pennsylvania' or '42'.")
    topo = _topology(topology)
    return county_paths(
        [g for g in topo.features(COUNTIES) if g.startswith(fips)], paths_id=paths_id,
        topology=topo,
    )  # fmt: skip


def county_paths(
    counties: Iterable[str], *, paths_id: str, topology: Topology | None = None
) -> str:
    """The shapes of ``counties`` as a hidden, zero-size SVG that maps can reference."""
    topo = _topology(topology)
    features = topo.features(COUNTIES)
    drawn = sorted({str(g) for g in counties} & set(features))
    if not drawn:
        raise MapError("None of the counties asked for is on the county boundary map.")
    geometry = _geometry(topo, tuple(drawn))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0" aria-hidden="true" '
        'focusable="false" style="position:absolute;width:0;height:0;overflow:hidden">'
        f"<defs>{''.join(_shape_defs(geometry, drawn, _escape(paths_id)))}</defs></svg>"
    )


# --- classes and colours ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Scheme:
    breaks: tuple[float, ...]
    classes: tuple[MapClass, ...]
    assignment: Mapping[str, int]
    method_note: str


def _classify(
    present: Mapping[str, float],
    *,
    scale: Scale,
    method: Method,
    n_classes: int | None,
    breaks: Sequence[float] | None,
    class_labels: Sequence[str] | None,
    midpoint: float,
    higher_is_better: bool | None,
    fmt: Callable[[float], str],
) -> _Scheme:
    if scale not in ("sequential", "diverging"):
        raise MapError(f"scale={scale!r} is not known: use 'sequential' or 'diverging'.")
    if method not in ("quantile", "nice"):
        raise MapError(f"method={method!r} is not known: use 'quantile' or 'nice'.")
    k = n_classes if n_classes is not None else 5
    if breaks is None and not 3 <= k <= 7:
        raise MapError(f"n_classes={k} is outside 3-7; more classes than 7 cannot be told apart.")
    values = np.array(sorted(present.values()), dtype=float)
    from_data = breaks is None and scale != "diverging"
    if breaks is not None:
        limits = tuple(float(b) for b in breaks)
        if (
            any(b >= c for b, c in zip(limits, limits[1:], strict=False))
            or not 1 <= len(limits) <= 8
        ):
            raise MapError(
                f"breaks={list(breaks)!r} must be 1 to 8 strictly increasing class limits."
            )
        note = "classes with limits set by the page"
    elif scale == "diverging":
        limits = _diverging_breaks(values, midpoint, k)
        note = f"classes of equal width centred on {fmt(midpoint)}"
    elif method == "quantile":
        limits = _quantile_breaks(values, k)
        note = f"{len(limits) + 1} classes with about equal numbers of places (quantiles)"
    else:
        limits = _nice_breaks(values, k)
        note = "classes of equal width with round limits"
    count = len(limits) + 1
    if class_labels is not None and len(class_labels) != count:
        raise MapError(
            f"class_labels has {len(class_labels)} labels but the breaks make {count} classes; "
            "give one label per class."
        )
    index = np.searchsorted(np.asarray(limits), values, side="right") if len(values) else []
    members: list[list[float]] = [[] for _ in range(count)]
    for value, i in zip(values, index, strict=False):
        members[int(i)].append(float(value))
    colours = _colours(scale, count, higher_is_better)
    classes = []
    for i in range(count):
        low = limits[i - 1] if i > 0 else None
        high = limits[i] if i < count - 1 else None
        if class_labels is not None:
            label = class_labels[i]
        elif from_data and method == "quantile" and members[i]:
            lo, hi = members[i][0], members[i][-1]
            label = fmt(lo) if fmt(lo) == fmt(hi) else f"{fmt(lo)} to {fmt(hi)}"
        elif low is None:
            label = f"under {fmt(high)}" if high is not None else "all values"
        elif high is None:
            label = f"{fmt(low)} or more"
        else:
            label = f"{fmt(low)} to under {fmt(high)}"
        if from_data and method == "quantile" and members[i]:
            low, high = members[i][0], members[i][-1]
        classes.append(MapClass(label, colours[i], len(members[i]), low, high))
    assignment = {
        g: int(np.searchsorted(np.asarray(limits), v, side="right")) for g, v in present.items()
    }
    return _Scheme(limits, tuple(classes), assignment, note)


def _quantile_breaks(values: np.ndarray, k: int) -> tuple[float, ...]:
    """Limits where each class starts: the value at rank i*n/k, so ties stay in one class.

    A value shared by many places (200 of Texas's 254 counties at 0.0%) would swallow the
    classes around it and leave one class of every value; then the classes are taken one
    after another instead, each about an equal share of the places not yet in a class.
    """
    if len(values) == 0:
        return ()
    n = len(values)
    starts = {float(values[min(n - 1, round(i * n / k))]) for i in range(1, k)}
    limits = tuple(sorted(b for b in starts if b > values[0]))
    if len(limits) < k - 1:
        stepwise = _stepwise_breaks(values, k)
        if len(stepwise) > len(limits):
            return stepwise
    return limits


def _stepwise_breaks(values: np.ndarray, k: int) -> tuple[float, ...]:
    """Class starts chosen in turn: each class takes about 1/(classes left) of the rest."""
    limits: list[float] = []
    rest = values
    for left in range(k, 1, -1):
        start = float(rest[min(len(rest) - 1, round(len(rest) / left))])
        if start <= rest[0]:  # the lowest value's ties fill this class and more
            above = rest[rest > rest[0]]
            if not len(above):
                break
            start = float(above[0])
        limits.append(start)
        rest = rest[rest >= start]
    return tuple(limits)


def _nice_breaks(values: np.ndarray, k: int) -> tuple[float, ...]:
    if len(values) == 0 or values[0] == values[-1]:
        return ()
    step = _nice_step((values[-1] - values[0]) / k)
    first = math.floor(values[0] / step) * step + step
    limits = []
    x = first
    while x < values[-1] - 1e-12 * abs(step) and len(limits) < 8:
        limits.append(round(x, 10))
        x += step
    return tuple(limits)


def _diverging_breaks(values: np.ndarray, midpoint: float, k: int) -> tuple[float, ...]:
    """k classes of one round width centred on the midpoint (the outer two open-ended)."""
    reach = float(np.max(np.abs(values - midpoint))) if len(values) else 0.0
    if reach == 0:
        reach = abs(midpoint) or 1.0
    step = _nice_step(2 * reach / k)
    if k % 2:
        offsets = [step * (j + 0.5) for j in range(-(k // 2), k // 2)]
    else:
        offsets = [step * j for j in range(-(k // 2) + 1, k // 2)]
    return tuple(round(midpoint + o, 10) for o in offsets)


def _nice_step(raw: float) -> float:
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _colours(scale: Scale, count: int, higher_is_better: bool | None) -> list[str]:
    """Colours in ascending value order; the better end is darker (sequential) or purple."""
    if scale == "sequential":
        ramp = _sample("viridis", count, 0.97, 0.0)  # light (low) -> dark (high)
    else:
        ramp = _sample("PuOr", count, 0.04, 0.96)  # orange (low) -> purple (high)
    return ramp[::-1] if higher_is_better is False else ramp


@lru_cache(maxsize=32)
def _sample(name: str, count: int, start: float, stop: float) -> list[str]:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps[name]
    return [to_hex(cmap(float(t))) for t in np.linspace(start, stop, count)]


def _direction_note(scale: Scale, higher_is_better: bool | None, midpoint_label: str) -> str:
    if scale == "sequential":
        if higher_is_better is None:
            return "Darker = higher"
        return "Darker = better (higher)" if higher_is_better else "Darker = better (lower)"
    if higher_is_better is None:
        return f"Purple = above {midpoint_label}, orange = below"
    return f"Purple = better than {midpoint_label}, orange = worse"


# --- geometry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Geometry:
    width: int
    height: int
    paths: Mapping[str, str]  # id -> path data in map units (origin at the map's top left)
    tiny: Mapping[str, tuple[int, int]]  # id -> dot centre for counties too small to see
    anchors: Mapping[str, tuple[int, int]]  # id -> label position
    boxes: Mapping[str, tuple[int, int, int, int]]  # id -> x0, y0, x1, y1
    outline: str  # the outer boundary of everything drawn


Point = tuple[int, int]


@lru_cache(maxsize=64)
def _geometry(topo: Topology, drawn: tuple[str, ...]) -> _Geometry:
    """The drawing of one set of counties, kept so a map per metric reuses it."""
    features = topo.features(COUNTIES)
    return _draw_geometry(topo, [features[g] for g in drawn])


def _shape_defs(geometry: _Geometry, drawn: Sequence[str], prefix: str) -> list[str]:
    """``<path>`` elements for the county shapes and the outline, referenced by ``<use>``."""
    out = [
        f'<path id="{prefix}-{g}" d="{geometry.paths[g]}"/>' for g in drawn if g in geometry.paths
    ]
    out.append(f'<path id="{prefix}-outline" d="{geometry.outline}"/>')
    return out


def _draw_geometry(topo: Topology, features: Sequence[Feature]) -> _Geometry:
    """Project, fit and round the arcs of ``features`` once, then build each county's path.

    Projection and rounding are vectorised over all points; rings are then a few thousand
    short lists, which plain Python handles faster than many tiny numpy arrays.
    """
    arcs = sorted({a for f in features for a in f.arc_ids})
    starts = topo.starts
    lengths = np.array([starts[a + 1] - starts[a] for a in arcs], dtype=np.int64)
    index = np.concatenate([np.arange(starts[a], starts[a + 1]) for a in arcs])
    lonlat = topo.points[index].copy()
    if lonlat[:, 0].max() - lonlat[:, 0].min() > 180:  # crosses 180 degrees (the Aleutians)
        lonlat[lonlat[:, 0] > 0, 0] -= 360
    xy = _albers(lonlat)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.maximum(hi - lo, 1e-12)
    fit = min((WIDTH - 2 * PAD) / span[0], MAX_MAP_HEIGHT / span[1])
    width = int(math.ceil(span[0] * fit))
    height = int(math.ceil(span[1] * fit))
    grid = np.rint((xy - lo) * fit).astype(np.int64)
    grid[:, 1] = height - grid[:, 1]  # SVG y runs down
    flat = list(map(tuple, grid.tolist()))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    points: dict[int, list[Point]] = {
        a: flat[offsets[i] : offsets[i + 1]] for i, a in enumerate(arcs)
    }

    paths: dict[str, str] = {}
    tiny: dict[str, Point] = {}
    anchors: dict[str, Point] = {}
    boxes: dict[str, tuple[int, int, int, int]] = {}
    for feature in features:
        parts: list[str] = []
        best_area, best_anchor, total = 0.0, None, 0.0
        xs: list[int] = []
        ys: list[int] = []
        for polygon in feature.polygons:
            for k, refs in enumerate(polygon):
                ring = _ring(points, refs)
                xs.extend(p[0] for p in ring)
                ys.extend(p[1] for p in ring)
                if len(ring) < 4:  # fewer than three distinct corners: nothing to fill
                    continue
                area, centre = _area_centroid(ring)
                if k == 0:
                    total += area
                    if area > best_area:
                        best_area, best_anchor = area, centre
                parts.append(_ring_path(ring))
        if not xs:
            continue
        boxes[feature.id] = (min(xs), min(ys), max(xs), max(ys))
        if parts:
            paths[feature.id] = "".join(parts)
        if best_anchor is None:
            best_anchor = (sum(xs) / len(xs), sum(ys) / len(ys))
        anchors[feature.id] = (round(best_anchor[0]), round(best_anchor[1]))
        if total < TINY_AREA:
            tiny[feature.id] = anchors[feature.id]
    outline = _outline(features, points)
    return _Geometry(width, height, paths, tiny, anchors, boxes, outline)


def _ring(points: Mapping[int, list[Point]], refs: Sequence[int]) -> list[Point]:
    """The closed ring along ``refs`` (``~i`` backwards), without repeated points."""
    ring: list[Point] = []
    for ref in refs:
        arc = points[ref] if ref >= 0 else points[~ref][::-1]
        for point in arc:
            if not ring or point != ring[-1]:
                ring.append(point)
    return ring


def _albers(lonlat: np.ndarray) -> np.ndarray:
    """Albers equal-area conic fitted to the points' extent (unit sphere, y up)."""
    lam = np.radians(lonlat[:, 0])
    phi = np.radians(lonlat[:, 1])
    south, north = float(phi.min()), float(phi.max())
    phi1 = south + (north - south) / 6
    phi2 = north - (north - south) / 6
    lam0 = (float(lam.min()) + float(lam.max())) / 2
    n = (math.sin(phi1) + math.sin(phi2)) / 2
    if abs(n) < 1e-6:  # extent centred on the equator: plain equal-area cylinder
        return np.column_stack([lam - lam0, np.sin(phi)])
    c = math.cos(phi1) ** 2 + 2 * n * math.sin(phi1)
    rho = np.sqrt(np.maximum(c - 2 * n * np.sin(phi), 0)) / n
    theta = n * (lam - lam0)
    return np.column_stack([rho * np.sin(theta), -rho * np.cos(theta)])


def _area_centroid(ring: Sequence[Point]) -> tuple[float, tuple[float, float]]:
    """Area and centroid of a closed ring (shoelace formula)."""
    area2 = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        cross = x0 * y1 - x1 * y0
        area2 += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if area2 == 0:
        n = len(ring)
        return 0.0, (sum(p[0] for p in ring) / n, sum(p[1] for p in ring) / n)
    return abs(area2) / 2, (cx / (3 * area2), cy / (3 * area2))


def _steps(line: Sequence[Point]) -> str:
    """``M x y l dx dy ...`` in whole numbers, with the separators SVG lets us drop."""
    (x, y), rest = line[0], line[1:]
    deltas = []
    for nx, ny in rest:
        deltas.append(nx - x)
        deltas.append(ny - y)
        x, y = nx, ny
    return f"M{line[0][0]} {line[0][1]}l" + " ".join(map(str, deltas)).replace(" -", "-")


def _ring_path(ring: Sequence[Point]) -> str:
    """A closed ring as path data; the closing point is implied by ``z``."""
    return _steps(ring[:-1]) + "z"


def _outline(features: Sequence[Feature], points: Mapping[int, list[Point]]) -> str:
    """Path of the arcs used by exactly one drawn county: the edge of the drawn area."""
    uses: dict[int, int] = {}
    for feature in features:
        for arc in feature.arc_ids:
            uses[arc] = uses.get(arc, 0) + 1
    parts = []
    for arc, n in sorted(uses.items()):
        if n == 1:
            line = _ring(points, [arc])
            if len(line) >= 2:
                parts.append(_steps(line))
    return "".join(parts)


# --- text ------------------------------------------------------------------------------------


def _alt_text(
    *,
    title: str,
    area: str,
    nouns: tuple[str, str],
    drawn: Sequence[str],
    present: Mapping[str, float],
    weak: set[str],
    focus: str | None,
    name_of: Callable[[str], str],
    fmt: Callable[[float], str],
    missing: Sequence[str],
    scheme: _Scheme,
    categorical: bool,
) -> str:
    """Title, extremes (ties named), gaps, Weak count and the focus, in plain sentences.

    With caller-labelled classes (e.g. standings) the extremes are the top and bottom
    classes with their members, since "highest" of a category code means nothing.
    """
    one, many = nouns
    where = f" of {area}" if area else ""
    parts = [f"Map of the {len(drawn)} {many if len(drawn) != 1 else one}{where}: {title}."]
    if not present:
        parts.append(f"No {one} has data.")
    elif categorical:
        last = len(scheme.classes) - 1
        for i in range(last, -1, -1):
            ids = sorted((g for g, k in scheme.assignment.items() if k == i), key=name_of)
            if not ids:
                continue
            text = f"{scheme.classes[i].label}: {len(ids)} {one if len(ids) == 1 else many}"
            if i in (0, last):
                shown = [name_of(g) for g in ids[:3]]
                more = len(ids) - len(shown)
                text += f" ({_join(shown + ([f'{more} more'] if more else []))})"
            parts.append(text + _weak_mark(ids, weak) + ".")
    else:
        top, bottom = max(present.values()), min(present.values())
        if top == bottom:
            parts.append(
                f"All {len(present)} {many if len(present) != 1 else one} with data have "
                f"{fmt(top)}{_weak_mark([g for g in present], weak)}."
            )
        else:
            parts.append(f"Highest: {_extreme(present, top, many, name_of, fmt, weak)}.")
            parts.append(f"Lowest: {_extreme(present, bottom, many, name_of, fmt, weak)}.")
    lacking = len(drawn) - len(present)
    if present and lacking:
        parts.append(f"{lacking} of {len(drawn)} {many} have no data.")
    weak_count = sum(1 for g in present if g in weak)
    if weak_count:
        parts.append(
            f"{weak_count} {'value is' if weak_count == 1 else 'values are'} flagged Weak "
            "(hatched)."
        )
    if focus:
        if focus in missing:
            parts.append(f"{name_of(focus)} is not on the map.")
        elif focus in present:
            label = scheme.classes[scheme.assignment[focus]].label
            weak_note = ", Weak" if focus in weak else ""
            if categorical:
                parts.append(f"{name_of(focus)} (outlined): {label}{weak_note}.")
            else:
                parts.append(
                    f"{name_of(focus)} (outlined): {fmt(present[focus])}{weak_note}, in the "
                    f"class {label}."
                )
        else:
            parts.append(f"{name_of(focus)} (outlined) has no data.")
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        parts.append(f"Not on the 2017 county map, so not drawn: {shown}.")
    return " ".join(parts)


def _extreme(
    present: Mapping[str, float],
    value: float,
    many: str,
    name_of: Callable[[str], str],
    fmt: Callable[[float], str],
    weak: set[str],
) -> str:
    tied = sorted((g for g, v in present.items() if v == value), key=name_of)
    names = [name_of(g) for g in tied]
    if len(tied) == 1:
        return f"{names[0]} ({fmt(value)}{', Weak' if tied[0] in weak else ''})"
    if len(tied) <= 3:
        return f"{_join(names)}, tied at {fmt(value)}{_weak_mark(tied, weak)}"
    return (
        f"{len(tied)} {many} tied at {fmt(value)}{_weak_mark(tied, weak)}, including "
        f"{_join(names[:3])}"
    )


def _weak_mark(ids: Sequence[str], weak: set[str]) -> str:
    n = sum(1 for g in ids if g in weak)
    if not n:
        return ""
    return " (Weak)" if n == len(ids) else f" ({n} of them Weak)"


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _description(
    scheme: _Scheme,
    note: str,
    nouns: tuple[str, str],
    missing: Sequence[str],
    reasons: Mapping[str, str],
    name_of: Callable[[str], str],
) -> str:
    one, many = nouns
    rows = [f"{c.label}: {c.count} {one if c.count == 1 else many}" for c in scheme.classes]
    text = f"Colors: {scheme.method_note}; {note.lower()}. " + "; ".join(rows) + "."
    for reason in dict.fromkeys(reasons[g] for g in missing):
        text += f" {reason[0].upper()}{reason[1:]}."
    return text


def _footnote(missing: Sequence[str], nouns: tuple[str, str]) -> str:
    """A visible line for paper readers when some places could not be drawn."""
    if not missing:
        return ""
    n = len(missing)
    what = "place has" if n == 1 else "places have"
    return (
        f"{n} {what} no boundary on this 2017 county map and {'is' if n == 1 else 'are'} not shown."
    )


def _wrap(text: str, size: float, width: float, em: float = CHAR_EM) -> list[str]:
    limit = max(8, int(width / (size * em)))
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


# --- the SVG ---------------------------------------------------------------------------------


def _svg(
    *,
    prefix: str,
    title: str,
    subtitle: str,
    alt: str,
    desc: str,
    note: str,
    geometry: _Geometry,
    drawn: Sequence[str],
    values: Mapping[str, float | None],
    scheme: _Scheme,
    weak: set[str],
    focus: str | None,
    labels: Sequence[str],
    name_of: Callable[[str], str],
    fmt: Callable[[float], str],
    max_width: str,
    footnote: str,
    paths_id: str | None,
) -> str:
    esc = _escape
    out: list[str] = []
    y = PAD
    heading: list[str] = []
    for line in _wrap(title, TITLE_SIZE, WIDTH - 2 * PAD, BOLD_EM):
        y += TITLE_SIZE
        heading.append(
            f'<text x="{PAD}" y="{y}" font-size="{TITLE_SIZE}" font-weight="bold">'
            f"{esc(line)}</text>"
        )
        y += TITLE_SIZE * 0.25
    for line in _wrap(subtitle, TEXT_SIZE, WIDTH - 2 * PAD) if subtitle else []:
        y += TEXT_SIZE
        heading.append(
            f'<text x="{PAD}" y="{y}" font-size="{TEXT_SIZE}" fill="{MUTED_COLOUR}">'
            f"{esc(line)}</text>"
        )
        y += TEXT_SIZE * 0.25
    map_top = int(y + PAD)
    map_left = (WIDTH - geometry.width) // 2
    legend_top = map_top + geometry.height + PAD * 2
    legend, legend_height = _legend(
        prefix, scheme, note, values, weak, focus, name_of, drawn, footnote
    )
    height = int(legend_top + legend_height + PAD)

    p = prefix
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'style="max-width:{esc(max_width)};height:auto;display:block" role="img" '
        f'aria-labelledby="{p}-t" aria-describedby="{p}-d" font-family="{FONT}" '
        f'fill="{TEXT_COLOUR}" class="mnb-county-map">'
    )
    out.append(f'<title id="{p}-t">{esc(alt)}</title><desc id="{p}-d">{esc(desc)}</desc>')
    out.append("<defs>")
    out.append(
        f'<pattern id="{p}-nd" width="12" height="12" patternUnits="userSpaceOnUse">'
        f'<rect width="12" height="12" fill="{NO_DATA_BASE}"/>'
        f'<circle cx="3" cy="3" r="2" fill="{NO_DATA_DOT}"/>'
        f'<circle cx="9" cy="9" r="2" fill="{NO_DATA_DOT}"/></pattern>'
    )
    out.append(
        f'<pattern id="{p}-wk" width="14" height="14" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        '<rect x="0" width="3" height="14" fill="#000"/>'
        '<rect x="3" width="2.5" height="14" fill="#fff"/></pattern>'
    )
    shapes = paths_id or p  # the county shapes: this map's own, or shared on the page
    if paths_id is None:
        out.extend(_shape_defs(geometry, drawn, p))
    out.append("</defs>")
    out.extend(heading)

    out.append(f'<g transform="translate({map_left} {map_top})">')
    fills, hatches, dots, marks = [], [], [], []
    for geoid in drawn:
        value = values.get(geoid)
        if value is None:
            fill, cls, shown = f"url(#{p}-nd)", "nodata", "no data"
        else:
            k = scheme.assignment[geoid]
            fill, cls, shown = scheme.classes[k].colour, f"q{k}", fmt(value)
        is_weak = value is not None and geoid in weak
        tip = esc(f"{name_of(geoid)}: {shown}{' (Weak)' if is_weak else ''}")
        attrs = f'class="{cls}{" weak" if is_weak else ""}" data-geoid="{geoid}"'
        if geoid in geometry.paths:
            fills.append(
                f'<use href="#{shapes}-{geoid}" fill="{fill}" {attrs}><title>{tip}</title></use>'
            )
            if is_weak:
                hatches.append(f'<use href="#{shapes}-{geoid}"/>')
        if geoid in geometry.tiny:
            cx, cy = geometry.tiny[geoid]
            dot_fill = fill if value is not None else NO_DATA_DOT
            dots.append(
                f'<circle cx="{cx}" cy="{cy}" r="{DOT_RADIUS}" fill="{dot_fill}" '
                f'stroke="{OUTLINE_COLOUR}" stroke-width="2" {attrs}><title>{tip}</title></circle>'
            )
    out.append(
        f'<g class="counties" fill-rule="evenodd" stroke="{BORDER_COLOUR}" '
        f'stroke-width="{BORDER_WIDTH}" stroke-linejoin="round">'
    )
    out.extend(fills)
    out.append("</g>")
    if hatches:
        out.append(f'<g class="weak-marks" fill="url(#{p}-wk)" fill-rule="evenodd" opacity="0.75">')
        out.extend(hatches)
        out.append("</g>")
    out.append(
        f'<use href="#{shapes}-outline" fill="none" stroke="{OUTLINE_COLOUR}" '
        f'stroke-width="{OUTLINE_WIDTH}" stroke-linejoin="round" class="outline"/>'
    )
    out.extend(dots)
    if focus is not None:
        if focus in geometry.paths:
            marks.append(
                f'<use href="#{shapes}-{focus}" fill="none" stroke="#fff" '
                f'stroke-width="{FOCUS_WIDTH * 2}" stroke-linejoin="round"/>'
                f'<use href="#{shapes}-{focus}" fill="none" stroke="#000" '
                f'stroke-width="{FOCUS_WIDTH}" stroke-linejoin="round" class="focus"/>'
            )
        if focus in geometry.tiny:
            cx, cy = geometry.tiny[focus]
            marks.append(
                f'<circle cx="{cx}" cy="{cy}" r="{DOT_RADIUS + 6}" fill="none" stroke="#000" '
                'stroke-width="4" class="focus"/>'
            )
    out.extend(marks)
    for geoid, (x, baseline) in _place_labels(labels, geometry, name_of, map_left, focus).items():
        out.append(
            f'<text x="{x}" y="{baseline}" font-size="{LABEL_SIZE}" '
            'text-anchor="middle" stroke="#fff" stroke-width="6" stroke-linejoin="round" '
            f'paint-order="stroke" font-weight="bold">{esc(name_of(geoid))}</text>'
        )
    out.append("</g>")
    out.append(f'<g transform="translate({PAD} {legend_top})" class="legend">')
    out.extend(legend)
    out.append("</g></svg>")
    return "".join(out)


def _place_labels(
    labels: Sequence[str],
    geometry: _Geometry,
    name_of: Callable[[str], str],
    map_left: int,
    focus: str | None,
) -> dict[str, tuple[int, int]]:
    """Label positions: at the county's centre (above a tiny county's dot or a small focal
    county), kept on the drawing; when that would cover an earlier label, a labelled dot or
    the focal outline, the nearest free spot a line or half a label away is used."""
    placed: dict[str, tuple[int, int]] = {}
    reach = DOT_RADIUS + 4
    marks = [  # what a label must not hide: the dots of labelled tiny counties, the focus
        (x - reach, y - reach, x + reach, y + reach)
        for g, (x, y) in geometry.tiny.items()
        if g in labels or g == focus
    ]
    small_focus = None
    if focus in geometry.boxes:
        x0, y0, x1, y1 = geometry.boxes[focus]
        if (x1 - x0) * (y1 - y0) < 0.02 * geometry.width * geometry.height:
            small_focus = (x0 - FOCUS_WIDTH, y0 - FOCUS_WIDTH, x1 + FOCUS_WIDTH, y1 + FOCUS_WIDTH)
            marks.append(small_focus)
    texts: list[tuple[float, float, float, float]] = []
    line = LABEL_SIZE * 1.2
    low, high = PAD - map_left, WIDTH - PAD - map_left
    for geoid in sorted(labels, key=lambda g: g != focus):  # the focal label gets first pick
        x, y = geometry.anchors[geoid]
        if geoid in geometry.tiny:
            y -= DOT_RADIUS + LABEL_SIZE * 0.9
        if geoid == focus and small_focus is not None:
            y = small_focus[1] - LABEL_SIZE * 0.6
        half = len(name_of(geoid)) * LABEL_SIZE * BOLD_EM / 2
        best: tuple[float, tuple[float, float, float, float]] | None = None
        for dy, dx in _LABEL_MOVES:
            cx = min(max(x + dx * half, low + half), high - half)
            top = y + dy * line - LABEL_SIZE / 2
            box = (cx - half, top, cx + half, top + LABEL_SIZE)
            cost = 10 * sum(_overlap(box, t) for t in texts) + sum(_overlap(box, m) for m in marks)
            if best is None or cost < best[0]:
                best = (cost, box)
            if cost == 0:
                break
        assert best is not None
        box = best[1]
        texts.append(box)
        placed[geoid] = (int((box[0] + box[2]) / 2), int(box[1] + LABEL_SIZE * 0.85))
    return placed


# (lines down, half-label widths right), nearest first
_LABEL_MOVES = sorted(
    ((dy, dx) for dy in range(-3, 4) for dx in (0, -1, 1)), key=lambda m: (abs(m[0]) + abs(m[1]), m)
)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _legend(
    prefix: str,
    scheme: _Scheme,
    note: str,
    values: Mapping[str, float | None],
    weak: set[str],
    focus: str | None,
    name_of: Callable[[str], str],
    drawn: Sequence[str],
    footnote: str,
) -> tuple[list[str], int]:
    """Direction note, legend rows (classes, then the marks that occur) in one or two
    columns, and a footnote; returns the elements and their height."""
    esc = _escape
    p = prefix
    rows: list[tuple[str, str]] = [
        (f'<rect width="{SWATCH_W}" height="{SWATCH_H}" fill="{c.colour}" {SWATCH_EDGE}/>', c.label)
        for c in scheme.classes
        if any(v is not None for v in values.values())
    ]
    specials: list[tuple[str, str]] = []
    if any(values.get(g) is None for g in drawn):
        specials.append(
            (
                f'<rect width="{SWATCH_W}" height="{SWATCH_H}" fill="url(#{p}-nd)" {SWATCH_EDGE}/>',
                "No data",
            )
        )
    if any(values.get(g) is not None and g in weak for g in drawn):
        mid = scheme.classes[len(scheme.classes) // 2].colour if scheme.classes else "#ccc"
        specials.append(
            (
                f'<rect width="{SWATCH_W}" height="{SWATCH_H}" fill="{mid}"/>'
                f'<rect width="{SWATCH_W}" height="{SWATCH_H}" fill="url(#{p}-wk)" opacity="0.75" '
                f"{SWATCH_EDGE}/>",
                "Weak (low quality)",
            )
        )
    if focus is not None:
        specials.append(
            (
                f'<rect x="2" y="2" width="{SWATCH_W - 4}" height="{SWATCH_H - 4}" fill="#fff" '
                'stroke="#000" stroke-width="3.5"/>',
                name_of(focus),
            )
        )
    column_width = (WIDTH - 2 * PAD) / 2
    text_room = column_width - SWATCH_W - 20
    longest = max((len(label) for _, label in rows + specials), default=0)
    two_columns = bool(rows and specials) and longest * TEXT_SIZE * CHAR_EM <= text_room
    out: list[str] = []
    y = 0.0
    for line in _wrap(note, TEXT_SIZE, WIDTH - 2 * PAD) if rows else []:
        y += TEXT_SIZE
        out.append(
            f'<text x="0" y="{int(y)}" font-size="{TEXT_SIZE}" fill="{MUTED_COLOUR}">'
            f"{esc(line)}</text>"
        )
        y += TEXT_SIZE * 0.25
    top = int(y + TEXT_SIZE * 0.4) if rows else 0
    columns = [rows, specials] if two_columns else [rows + specials]
    for c, entries in enumerate(columns):
        for r, (swatch, label) in enumerate(entries):
            x = int(c * column_width)
            out.append(
                f'<g transform="translate({x} {top + r * ROW_H})">{swatch}<text '
                f'x="{SWATCH_W + 14}" y="{SWATCH_H - 6}" font-size="{TEXT_SIZE}">'
                f"{esc(label)}</text></g>"
            )
    y = top + max((len(e) for e in columns), default=0) * ROW_H
    for line in _wrap(footnote, TEXT_SIZE, WIDTH - 2 * PAD) if footnote else []:
        y += TEXT_SIZE
        out.append(
            f'<text x="0" y="{int(y)}" font-size="{TEXT_SIZE}" fill="{MUTED_COLOUR}">'
            f"{esc(line)}</text>"
        )
        y += TEXT_SIZE * 0.25
    return out, int(y)


# --- small helpers ---------------------------------------------------------------------------


def _topology(topology: Topology | None) -> Topology:
    if topology is not None:
        return topology
    from mobility_nb.geo.atlas import load_atlas

    return load_atlas()


def _number(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise MapError(
            f"The map value {value!r} is not a number; give numbers, or None for no data."
        ) from None
    return number if math.isfinite(number) else None


def _plain_number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _escape(text: str) -> str:
    return html.escape(str(text), quote=True)


def _nouns(fips: str) -> tuple[str, str]:
    if fips == "22":
        return ("parish", "parishes")
    if fips == "02":
        return ("borough or census area", "boroughs and census areas")
    return ("county", "counties")


def _namer(
    names: Mapping[str, str] | None, features: Mapping[str, Feature], multi_state: bool
) -> Callable[[str], str]:
    given = dict(names or {})

    def name_of(geoid: str) -> str:
        if geoid in given:
            return given[geoid]
        feature = features.get(geoid)
        base = feature.name if feature is not None and feature.name else geoid
        return f"{base}, {states.abbr(geoid[:2])}" if multi_state else base

    return name_of


def _prefix(
    title: str,
    drawn: Sequence[str],
    values: Mapping[str, float | None],
    weak: set[str],
    focus: str | None,
) -> str:
    """A stable id prefix, different for different maps, so many maps fit on one page."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(title.encode())
    for geoid in drawn:
        digest.update(f"{geoid}={values.get(geoid)!r};{geoid in weak}".encode())
    digest.update(str(focus).encode())
    return "m" + digest.hexdigest()[:6]
