"""Peer places: the analyst's list, or the nearest by a stated rule (fixture counties).

Automatic peers for Cook County, worked by hand. 2023 median income and latest population:
  Autauga 65,000 / 59,000; Baldwin 70,000 / 240,000; Cook 75,000 / 5,100,000;
  DuPage 100,000 / 930,000; Will 95,000 / 700,000; Philadelphia 55,000 / 1,600,000
(Loving County has no income, so it cannot be placed). Standardising log10(population)
(mean 5.813, sd 0.613) and income (mean 76,667, sd 15,986) gives these distances from Cook:
  Philadelphia 1.50, Will 1.88, DuPage 1.98, Baldwin 2.19, Autauga 3.22.
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest

from mobility_nb.data.jurisdictions import resolve
from mobility_nb.data.metrics import load_metrics
from mobility_nb.errors import JurisdictionError
from mobility_nb.steps.step2.peers import (
    given_peers,
    neighbour_peers,
    peer_table,
    similar_peers,
)
from mobility_nb.steps.step2.standing import standing


@pytest.fixture
def tidy(mm_fixture_dir):
    return load_metrics("county", mm_fixture_dir)


@pytest.fixture
def cook(mm_fixture_dir):
    return resolve("17031", data_dir=mm_fixture_dir)


def test_given_list_resolves_codes_and_names_and_skips_the_focal_place(mm_fixture_dir, cook):
    ps = given_peers(
        ["17043", "Will County, IL", "17031", "cook county illinois", "17043"], cook, mm_fixture_dir
    )
    assert [p.geoid for p in ps.peers] == ["17043", "17197"]
    assert not ps.automatic
    assert ps.rule == "Peers chosen by the analyst."
    assert ps.reasons == ("chosen by the analyst",) * 2


def test_given_peer_of_the_wrong_level_or_unknown_is_an_error(mm_fixture_dir, cook):
    with pytest.raises(JurisdictionError) as info:
        given_peers(["1714000"], cook, mm_fixture_dir)  # a city among county peers
    assert str(info.value).startswith("In the peers list:")
    assert "is a city" in str(info.value)
    with pytest.raises(JurisdictionError) as info:
        given_peers(["DuPag County, IL"], cook, mm_fixture_dir)
    assert "DuPage County, Illinois (county 17043)" in str(info.value)


def test_automatic_peers_by_hand(tidy, cook, mm_fixture_dir):
    ps = similar_peers(tidy, cook, data_dir=mm_fixture_dir)
    assert ps.automatic
    assert [p.geoid for p in ps.peers] == ["42101", "17197", "17043", "01003", "01001"]
    assert similar_peers(tidy, cook, n=2, data_dir=mm_fixture_dir).peers == ps.peers[:2]
    assert ps.reasons[0] == (
        "population 1,600,000; median household income $55,000 in 2023; distance 1.50"
    )
    assert ps.peers[0].display_name == "Philadelphia County, Pennsylvania"


def test_automatic_peers_match_an_independent_distance(tidy, cook, mm_fixture_dir):
    pops = {
        "01001": 59000,
        "01003": 240000,
        "17031": 5100000,
        "17043": 930000,
        "17197": 700000,
        "42101": 1600000,
    }
    incomes = {
        "01001": 65000,
        "01003": 70000,
        "17031": 75000,
        "17043": 100000,
        "17197": 95000,
        "42101": 55000,
    }
    keys = sorted(pops)
    logp = np.log10([pops[k] for k in keys])
    inc = np.array([incomes[k] for k in keys], dtype=float)
    zp = (logp - logp.mean()) / logp.std()
    zi = (inc - inc.mean()) / inc.std()
    me = keys.index("17031")
    dist = {k: math.hypot(zp[i] - zp[me], zi[i] - zi[me]) for i, k in enumerate(keys)}
    assert dist["42101"] == pytest.approx(1.497, abs=1e-3)  # the hand calculation above
    expected = sorted((k for k in keys if k != "17031"), key=dist.get)
    ps = similar_peers(tidy, cook, data_dir=mm_fixture_dir)
    assert [p.geoid for p in ps.peers] == expected


def test_rule_text_names_the_year_and_the_method(tidy, cook, mm_fixture_dir):
    rule = similar_peers(tidy, cook, data_dir=mm_fixture_dir).rule
    assert "5 counties" in rule and "Cook County, Illinois" in rule
    assert "in 2023" in rule
    assert "population (log scale)" in rule and "median household income" in rule
    assert "peers" in rule and "parameter" in rule  # how to give your own list
    # The fixture has no transit column: the rule says that characteristic was not used.
    assert "Not used for Cook County: the share commuting by transit (no value)" in rule


def test_no_income_means_no_automatic_peers(tidy, mm_fixture_dir):
    loving = resolve("48301", data_dir=mm_fixture_dir)
    ps = similar_peers(tidy, loving, data_dir=mm_fixture_dir)
    assert ps.peers == () and ps.automatic
    assert "median household income is not available" in ps.rule


def test_city_peers_are_cities(mm_fixture_dir):
    tidy = load_metrics("place", mm_fixture_dir)
    phl = resolve("4260000", data_dir=mm_fixture_dir)
    ps = similar_peers(tidy, phl, n=3, data_dir=mm_fixture_dir)
    assert all(p.level == "place" and len(p.geoid) == 7 for p in ps.peers)
    assert "3 cities" in ps.rule
    assert phl.geoid not in [p.geoid for p in ps.peers]


def test_peer_table_values_median_and_rank(tidy, cook, mm_fixture_dir):
    ps = given_peers(["17043", "17197", "48301"], cook, mm_fixture_dir)
    table = peer_table(tidy, standing(tidy, "17031", "county"), cook, ps).set_index("metric")
    inc = table.loc["pctl_income_50"]
    assert (inc["year"], inc["17031"], inc["17043"], inc["17197"]) == (2023, 75000, 100000, 95000)
    assert math.isnan(inc["48301"])  # Loving has no income: shown as missing, not dropped
    assert inc["peer_median"] == 97500
    assert (inc["rank"], inc["compared"]) == (3, 3)  # higher is better; both peers are higher
    assert table.loc["rate_injury_death", "rank"] == 1  # lower is better; Cook is lowest
    assert table.loc["share_debt_coll", "rank"] == 3  # lower is better; Cook is highest
    assert math.isnan(table.loc["ratio_black_nh_house_value_households", "rank"])
    assert math.isnan(table.loc["count_homeless", "rank"])  # counts scale with size
    assert table.loc["count_homeless", "17043"] == 500
    # Low birth weight is compared in Cook's latest year for it (2022).
    assert table.loc["share_low_birth_weight", "year"] == 2022
    assert table.loc["share_low_birth_weight", "17043"] == 0.08
    turnout = table.loc["share_election_turnout"]
    assert (turnout["48301"], turnout["compared"]) == (0.80, 4)


def with_transit(tmp_path, fixture, transit: dict[str, float], weak_income: str | None = None):
    """The county fixture plus a 2023 transit share per county (and one Weak income)."""
    data = tmp_path / "data"
    shutil.copytree(fixture, data)
    path = data / "11_mobility-metrics_county_longitudinal.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    out = [lines[0] + ",share_transit_commuter,share_transit_commuter_quality"]
    for line in lines[1:]:
        cells = line.split(",")
        row = dict(zip(header, cells, strict=False))
        geoid = row["state"] + row["county"]
        value = transit.get(geoid) if row["year"] == "2023" else None
        if weak_income == geoid and row["year"] == "2023":
            cells[header.index("pctl_income_50_quality")] = "Weak"
        out.append(",".join(cells) + (f",{value},Strong" if value is not None else ",NA,NA"))
    path.write_text("\n".join(out) + "\n")
    return data


def test_transit_use_is_a_characteristic_and_weak_incomes_are_left_out(tmp_path, mm_fixture_dir):
    transit = {
        "01001": 0.0,
        "01003": 0.01,
        "17031": 0.16,
        "17043": 0.04,
        "17197": 0.02,
        "42101": 0.16,
    }
    data = with_transit(tmp_path, mm_fixture_dir, transit, weak_income="42101")
    tidy = load_metrics("county", data)
    cook = resolve("17031", data_dir=data)
    ps = similar_peers(tidy, cook, data_dir=data)
    # Philadelphia (same transit share) would be nearest, but its income is Weak now.
    assert "42101" not in [p.geoid for p in ps.peers]
    assert len(ps.peers) == 4
    assert "commuting by public transit (square-root scale)" in ps.rule
    assert all("% commute by transit; distance " in r for r in ps.reasons)
    distances = [float(r.rsplit("distance ", 1)[1]) for r in ps.reasons]
    assert distances == sorted(distances)


def test_focal_weak_income_drops_that_characteristic(tmp_path, mm_fixture_dir):
    transit = {
        "01001": 0.0,
        "01003": 0.01,
        "17031": 0.16,
        "17043": 0.04,
        "17197": 0.02,
        "42101": 0.15,
    }
    data = with_transit(tmp_path, mm_fixture_dir, transit, weak_income="17031")
    ps = similar_peers(load_metrics("county", data), resolve("17031", data_dir=data), data_dir=data)
    assert "Not used for Cook County: median household income (flagged Weak)" in ps.rule
    assert ps.peers[0].geoid == "42101"  # nearest in population and transit use
    assert "median household income" not in ps.reasons[0]


def test_neighbour_peers_use_the_given_adjacency(mm_fixture_dir, cook):
    ps = neighbour_peers(cook, lambda g: ["17043", "17031", "17197", "99999"], mm_fixture_dir)
    assert [p.geoid for p in ps.peers] == ["17043", "17197"]  # itself and unknowns skipped
    assert ps.reasons == ("shares a boundary with Cook County",) * 2
    assert "share a boundary" in ps.rule
    assert neighbour_peers(cook, None, mm_fixture_dir).peers == ()
    city = resolve("4260000", data_dir=mm_fixture_dir)
    assert neighbour_peers(city, lambda g: ["x"], mm_fixture_dir).peers == ()


def test_peer_table_shows_flags_and_ranks_only_rankable(tidy, cook, mm_fixture_dir):
    ps = given_peers(["17043", "17197"], cook, mm_fixture_dir)
    table = peer_table(tidy, standing(tidy, "17031", "county"), cook, ps).set_index("metric")
    assert table.loc["pctl_income_50", "17197_quality"] == "Marginal"
    assert table.loc["pctl_income_50", "17031_quality"] == "Strong"
    # Cook's low birth weight is Weak: shown, never ranked.
    assert math.isnan(table.loc["share_low_birth_weight", "rank"])
    assert math.isnan(table.loc["share_desc_rep_black_nonhispanic", "rank"])
