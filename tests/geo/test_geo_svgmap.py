"""Offline SVG county maps: structure, classes, marks, alt text and accessibility."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from support.paths import FIXTURES as FIXTURES_ROOT

from mobility_nb.errors import MapError
from mobility_nb.geo import county_map, decode, load_topology, state_map, state_paths

TINY = FIXTURES_ROOT / "geo" / "tiny-counties.topojson"
NS = {"svg": "http://www.w3.org/2000/svg"}
SVG = "{http://www.w3.org/2000/svg}"  # ElementTree tag prefix
ALL = ["44001", "44003", "44005", "44007", "44009", "44011"]


@pytest.fixture
def tiny():
    return load_topology(TINY)


def pct(v: float) -> str:
    return f"{v:.0f}%"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises when the markup is not well-formed XML


def uses(root: ET.Element) -> dict[str, ET.Element]:
    """The filled county shapes by id (the <use> elements that carry data-geoid)."""
    return {u.get("data-geoid"): u for u in root.iter(f"{SVG}use") if u.get("data-geoid")}


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_one_path_per_county_and_accessible_root(tiny):
    values = {"44001": 10, "44003": 20, "44005": 30, "44007": 40, "44009": 50, "44011": None}
    m = state_map(values, state="RI", title="Share employed", value_format=pct, topology=tiny)
    root = parse(m.svg)
    assert root.get("role") == "img" and root.get("width") == "100%"
    assert "max-width" in root.get("style") and root.get("height") is None
    title = root.find("svg:title", NS)
    desc = root.find("svg:desc", NS)
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert title.text == m.alt
    paths = [p for p in root.iter(f"{SVG}path") if p.get("id")]
    assert sorted(p.get("id").rsplit("-", 1)[1] for p in paths) == [*ALL, "outline"]
    filled = uses(root)
    assert sorted(filled) == ALL
    assert filled["44011"].get("class") == "nodata"
    assert "url(#" in filled["44011"].get("fill")
    assert {filled[g].get("class") for g in ALL[:5]} <= {"q0", "q1", "q2", "q3", "q4"}


def test_quantile_classes_keep_ties_together_and_are_labelled_by_their_values(tiny):
    # n = 5 values, k = 3: classes start at the values ranked round(5/3) = 2 and round(10/3) = 3
    # (0-based): 30 and 40 -> {10, 20}, {30}, {40, 50}
    values = {"44001": 10, "44003": 20, "44005": 30, "44007": 40, "44009": 50}
    m = state_map(values, state="RI", title="t", value_format=pct, n_classes=3, topology=tiny)
    assert [(c.label, c.count) for c in m.classes] == [
        ("10% to 20%", 2),
        ("30%", 1),
        ("40% to 50%", 2),
    ]
    filled = uses(parse(m.svg))
    assert [filled[g].get("class") for g in ALL[:5]] == ["q0", "q0", "q1", "q2", "q2"]
    ties = {"44001": 5, "44003": 5, "44005": 5, "44007": 9, "44009": 9}
    m = state_map(ties, state="RI", title="t", value_format=pct, n_classes=3, topology=tiny)
    assert [(c.label, c.count) for c in m.classes] == [("5%", 3), ("9%", 2)]


def test_a_value_most_places_share_gets_its_own_class_and_the_rest_are_split(tiny):
    # 3 of 5 at 0: rank-based starts all fall on 0 (one class of everything); the classes are
    # then taken in turn: {0} (the tie), then the 2 others in 2 classes of 1
    values = {"44001": 0, "44003": 0, "44005": 0, "44007": 4, "44009": 9}
    m = state_map(values, state="RI", title="t", value_format=pct, n_classes=3, topology=tiny)
    assert [(c.label, c.count) for c in m.classes] == [("0%", 3), ("4%", 1), ("9%", 1)]


def test_nice_classes_have_round_limits(tiny):
    # range 3..47 in 5 classes: step nice(8.8) = 10 -> limits 10, 20, 30, 40
    values = {"44001": 3, "44003": 12, "44005": 25, "44007": 38, "44009": 47}
    m = state_map(values, state="RI", title="t", value_format=pct, method="nice", topology=tiny)
    assert [c.label for c in m.classes] == [
        "under 10%",
        "10% to under 20%",
        "20% to under 30%",
        "30% to under 40%",
        "40% or more",
    ]
    assert [c.count for c in m.classes] == [1, 1, 1, 1, 1]


def test_diverging_classes_are_symmetric_around_the_midpoint(tiny):
    # reach 8 from 0 in 5 classes: step nice(16 / 5) = 5 -> limits -7.5, -2.5, 2.5, 7.5
    values = {"44001": -8, "44003": -4, "44005": 0, "44007": 3, "44009": 6}
    m = state_map(
        values, state="RI", title="t", scale="diverging", value_format=lambda v: f"{v:+.1f}",
        midpoint_label="no change", topology=tiny,
    )  # fmt: skip
    assert [(c.low, c.high, c.count) for c in m.classes] == [
        (None, -7.5, 1), (-7.5, -2.5, 1), (-2.5, 2.5, 1), (2.5, 7.5, 2), (7.5, None, 0)
    ]  # fmt: skip
    assert "Purple = above no change, orange = below" in texts(parse(m.svg))


def test_direction_puts_the_dark_end_on_the_better_side(tiny):
    values = {"44001": 10, "44003": 20, "44005": 30, "44007": 40, "44009": 50}
    up = state_map(values, state="RI", title="t", higher_is_better=True, topology=tiny)
    down = state_map(values, state="RI", title="t", higher_is_better=False, topology=tiny)
    assert [c.colour for c in down.classes] == [c.colour for c in up.classes][::-1]
    assert up.classes[-1].colour == "#440154"  # viridis' darkest end for the highest values
    assert down.classes[0].colour == "#440154"
    assert "Darker = better (higher)" in texts(parse(up.svg))
    assert "Darker = better (lower)" in texts(parse(down.svg))
    neutral = state_map(values, state="RI", title="t", topology=tiny)
    assert "Darker = higher" in texts(parse(neutral.svg))


def test_no_data_weak_and_focus_are_marked_and_in_the_legend(tiny):
    values = {"44001": 10, "44003": 20, "44005": None, "44007": 40, "44009": 50, "44011": 60}
    m = state_map(
        values, state="RI", title="t", value_format=pct, weak={"44003", "44005"},
        focus="44009", names={"44009": "Echo County"}, topology=tiny,
    )  # fmt: skip
    root = parse(m.svg)
    filled = uses(root)
    assert filled["44003"].get("class").split() == ["q1", "weak"]  # 20: the second of 5
    assert filled["44005"].get("class") == "nodata"  # Weak without a value is just no data
    hatched = [u for u in root.iter(f"{SVG}use") if u.get("href", "").endswith("44003")]
    assert len(hatched) == 2  # the fill and the hatch overlay
    focus = [u for u in root.iter(f"{SVG}use") if u.get("class") == "focus"]
    assert len(focus) == 1 and focus[0].get("href").endswith("-44009")
    legend = texts(root.find(".//svg:g[@class='legend']", NS))
    assert {"No data", "Weak (low quality)", "Echo County"} <= set(legend)
    assert "Echo County (outlined): 50%" in m.alt


def test_marks_absent_from_the_map_are_absent_from_the_legend(tiny):
    values = dict.fromkeys(ALL, 1.0)
    legend = texts(parse(state_map(values, state="RI", title="t", topology=tiny).svg))
    assert "No data" not in legend and "Weak (low quality)" not in legend


def test_alt_text_names_highest_and_lowest_and_states_ties(tiny):
    values = {"44001": 10, "44003": 50, "44005": 50, "44007": 20, "44009": None}
    m = state_map(values, state="RI", title="Share employed", value_format=pct,
                  weak={"44007"}, topology=tiny)  # fmt: skip
    assert m.alt.startswith("Map of the 6 counties of Rhode Island: Share employed.")
    assert "Highest: Bravo and Charlie, tied at 50%." in m.alt
    assert "Lowest: Alpha (10%)." in m.alt
    assert "2 of 6 counties have no data." in m.alt
    assert "1 value is flagged Weak (hatched)." in m.alt
    many = state_map(dict.fromkeys(ALL[:4], 7) | {"44011": 1}, state="RI", title="t",
                     value_format=pct, topology=tiny)  # fmt: skip
    assert "Highest: 4 counties tied at 7%, including Alpha, Bravo and Charlie." in many.alt
    same = state_map(dict.fromkeys(ALL, 3), state="RI", title="t", value_format=pct,
                     topology=tiny)  # fmt: skip
    assert "All 6 counties with data have 3%." in same.alt


def test_categorical_standings_list_their_classes(tiny):
    standing = {"44001": -1, "44003": 0, "44005": 1, "44007": 1, "44009": 0, "44011": None}
    m = state_map(
        standing, state="RI", title="Standing", scale="diverging", breaks=[-0.5, 0.5],
        class_labels=["Worse", "Not different", "Better"], higher_is_better=True,
        midpoint_label="the state median", focus="44005", topology=tiny,
    )  # fmt: skip
    assert [(c.label, c.count) for c in m.classes] == [
        ("Worse", 1), ("Not different", 2), ("Better", 2)
    ]  # fmt: skip
    assert "Better: 2 counties (Charlie and Delta). Not different: 2 counties. " in m.alt
    assert "Worse: 1 county (Alpha)." in m.alt
    assert "Charlie (outlined): Better." in m.alt
    legend = " ".join(texts(parse(m.svg)))  # the note wraps onto two lines
    assert "Purple = better than the state median, orange = worse" in legend


def test_places_with_a_value_but_no_boundary_are_reported(tiny):
    values = {"44001": 1, "44099": 2, "17031": 3}  # 17031 is another state: ignored
    m = state_map(values, state="RI", title="t", focus="44099", topology=tiny)
    assert m.missing == ("44099",)
    assert "not on the county boundary map" in m.missing_reasons["44099"]
    assert "Not on the 2017 county map, so not drawn: 44099." in m.alt
    assert any("1 place has no boundary on this 2017 county map" in t for t in texts(parse(m.svg)))


def test_labels_are_drawn_inside_the_drawing_with_a_halo(tiny):
    m = state_map({"44001": 1}, state="RI", title="t", labels=["44009", "nope"],
                  names={"44009": "Echo"}, topology=tiny)  # fmt: skip
    root = parse(m.svg)
    label = [t for t in root.iter(f"{SVG}text") if t.text == "Echo"]
    assert len(label) == 1 and label[0].get("paint-order") == "stroke"
    width = int(root.get("viewBox").split()[2])
    assert 0 < int(label[0].get("x")) < width


def test_text_is_large_enough_for_a_phone_and_dark_enough(tiny):
    m = state_map({"44001": 1, "44003": 2}, state="RI", title="t", subtitle="s", topology=tiny)
    root = parse(m.svg)
    width = int(root.get("viewBox").split()[2])
    sizes = [int(t.get("font-size")) for t in root.iter(f"{SVG}text")]
    assert min(sizes) * 360 / width >= 12  # px when the map is 360 px wide
    fills = {t.get("fill") for t in root.iter(f"{SVG}text")} - {None}
    assert fills <= {"#555555"} and root.get("fill") == "#1a1a1a"  # 7.5:1 and 17:1 on white


def test_output_is_stable_and_ids_differ_between_maps(tiny):
    a = state_map({"44001": 1}, state="RI", title="A", topology=tiny)
    assert state_map({"44001": 1}, state="RI", title="A", topology=tiny).svg == a.svg
    b = state_map({"44001": 1}, state="RI", title="B", topology=tiny)
    ids = lambda m: {e.get("id") for e in parse(m.svg).iter() if e.get("id")}  # noqa: E731
    assert not ids(a) & ids(b)


def test_maps_can_share_one_copy_of_the_shapes(tiny):
    values = {"44001": 1, "44003": 2, "44005": 3}
    own = state_map(values, state="RI", title="t", topology=tiny)
    lean = state_map(values, state="RI", title="t", paths_id="ri", topology=tiny)
    shapes = state_paths("RI", paths_id="ri", topology=tiny)
    assert len(lean.svg) < len(own.svg)
    page = parse(f"<div>{shapes}{lean.svg}{lean.svg}</div>")
    defined = {e.get("id") for e in page.iter(f"{SVG}path")}
    assert defined == {f"ri-{g}" for g in ALL} | {"ri-outline"}
    used = {u.get("href")[1:] for u in page.iter(f"{SVG}use")}
    assert used <= defined | {None}
    own_d = {e.get("id").rsplit("-", 1)[1]: e.get("d") for e in parse(own.svg).iter() if e.get("d")}
    shared_d = {e.get("id")[3:]: e.get("d") for e in page.iter(f"{SVG}path")}
    assert own_d == shared_d  # the same drawing


def test_nan_is_no_data_and_bad_inputs_are_map_errors(tiny):
    m = state_map({"44001": float("nan"), "44003": 1}, state="RI", title="t", topology=tiny)
    assert uses(parse(m.svg))["44001"].get("class") == "nodata"
    with pytest.raises(MapError, match="not a US state"):
        state_map({}, state="Atlantis", title="t", topology=tiny)
    with pytest.raises(MapError, match="no counties for Pennsylvania"):
        state_map({}, state="PA", title="t", topology=tiny)
    with pytest.raises(MapError, match="n_classes=9"):
        state_map({"44001": 1}, state="RI", title="t", n_classes=9, topology=tiny)
    with pytest.raises(MapError, match="strictly increasing"):
        state_map({"44001": 1}, state="RI", title="t", breaks=[2, 1], topology=tiny)
    with pytest.raises(MapError, match="one label per class"):
        state_map({"44001": 1}, state="RI", title="t", breaks=[1], class_labels=["a"],
                  topology=tiny)  # fmt: skip
    with pytest.raises(MapError, match="not a number"):
        state_map({"44001": "high"}, state="RI", title="t", topology=tiny)
    with pytest.raises(MapError, match="None of the counties"):
        county_map({}, counties=["99999"], title="t", topology=tiny)


def test_county_map_across_states_names_the_state():
    topo = decode(
        {
            "type": "Topology",
            "objects": {"counties": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "id": "17097", "properties": {"name": "Lake"}, "arcs": [[0]]},
                {"type": "Polygon", "id": "18089", "properties": {"name": "Lake"}, "arcs": [[1]]},
            ]}},
            "arcs": [
                [[-88, 42], [-87.5, 42], [-87.5, 42.5], [-88, 42.5], [-88, 42]],
                [[-87.5, 41], [-87, 41], [-87, 41.5], [-87.5, 41.5], [-87.5, 41]],
            ],
        }
    )  # fmt: skip
    m = county_map({"17097": 1, "18089": 2}, counties=["17097", "18089"], title="t", topology=topo)
    assert "Highest: Lake, IN (2)." in m.alt and "Lowest: Lake, IL (1)." in m.alt


def test_counties_across_180_degrees_are_drawn_side_by_side():
    # one square just east of 180 degrees, one just west: 1.5 degrees apart, not 358.5
    topo = decode(
        {
            "type": "Topology",
            "objects": {"counties": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "id": "02016", "arcs": [[0]]},
                {"type": "Polygon", "id": "02013", "arcs": [[1]]},
            ]}},
            "arcs": [
                [[179, 52], [179.5, 52], [179.5, 52.5], [179, 52.5], [179, 52]],
                [[-179.5, 52], [-179, 52], [-179, 52.5], [-179.5, 52.5], [-179.5, 52]],
            ],
        }
    )  # fmt: skip
    root = parse(county_map({}, counties=["02016", "02013"], title="t", topology=topo).svg)
    paths = {p.get("id").rsplit("-", 1)[1]: p.get("d") for p in root.iter(f"{SVG}path")
             if p.get("id")}  # fmt: skip
    west_x = int(re.match(r"M(\d+)", paths["02016"]).group(1))
    east_x = int(re.match(r"M(\d+)", paths["02013"]).group(1))
    assert west_x < east_x  # 179E is drawn left of 179.5W
    # the drawing is 1.5 degrees wide and 0.5 high: about 3 x cos(52) = 1.8 times wider than high
    view = [int(v) for v in root.get("viewBox").split()]
    assert view[2] < 3000


# --- the real atlas ------------------------------------------------------------------------


def _fake_values(topo, fips: str) -> dict[str, float]:
    rng = np.random.default_rng(7)
    ids = [g for g in topo.features("counties") if g.startswith(fips)]
    return {g: float(round(rng.uniform(40, 90), 1)) for g in ids}


@pytest.mark.shared
def test_texas_map_has_254_counties_and_stays_small(shared_atlas):
    values = _fake_values(shared_atlas, "48")
    m = state_map(values, state="TX", title="Share employed", value_format=pct,
                  focus="48453", topology=shared_atlas)  # fmt: skip
    root = parse(m.svg)
    assert len(uses(root)) == 254
    assert len(m.svg) < 120_000


@pytest.mark.shared
def test_every_virginia_county_and_city_is_visible(shared_atlas):
    # Falls Church (51610) is a degenerate sliver at this scale: it still gets a dot
    m = state_map(_fake_values(shared_atlas, "51"), state="VA", title="t", topology=shared_atlas)
    root = parse(m.svg)
    shown = set(uses(root)) | {
        c.get("data-geoid") for c in root.iter(f"{SVG}circle") if c.get("data-geoid")
    }
    assert len(shown) == 133 and "51610" in shown


@pytest.mark.shared
def test_alaska_is_drawn_without_the_world_in_between(shared_atlas):
    m = state_map(_fake_values(shared_atlas, "02"), state="AK", title="t", topology=shared_atlas)
    view = [int(v) for v in parse(m.svg).get("viewBox").split()]
    assert view[3] > 0.5 * view[2]  # not a thin strip spanning 360 degrees
    assert m.alt.startswith("Map of the 29 boroughs and census areas of Alaska")


@pytest.mark.shared
def test_connecticut_planning_regions_are_reported_not_drawn(shared_atlas):
    values = {f"091{k}0": 50.0 + k for k in range(1, 10)}
    m = state_map(values, state="CT", title="t", topology=shared_atlas)
    assert len(m.missing) == 9
    assert "planning regions" in m.missing_reasons["09110"]
    assert "No county has data." in m.alt
