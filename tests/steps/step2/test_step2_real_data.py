"""Numbers on real Step 2 pages equal the upstream files, read independently with ``csv``.

The expected values come straight from Urban's files with the standard library (no pandas,
no mobility_nb parsing), so a loader bug cannot hide behind the same code on both sides.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from mobility_nb.data import catalog
from mobility_nb.data.jurisdictions import resolve
from mobility_nb.data.metrics import load_metrics, load_subgroup_totals, load_subgroups
from mobility_nb.errors import JurisdictionError
from mobility_nb.steps.step2 import Step2Page
from mobility_nb.steps.step2.gaps import gap_table

pytestmark = pytest.mark.shared

PHILADELPHIA = "4260000"
COOK = "17031"
LOVING = "48301"  # Loving County, TX: about 60 residents, few metrics
MAIN = {
    "county": "assembled/11_mobility-metrics_county_longitudinal.csv",
    "place": "assembled/61_mobility-metrics_place_longitudinal.csv",
}
PLACE_SUBGROUP_FILES = [
    "06_mobility-metrics_place_race-ethnicity_longitudinal.csv",
    "63_mobility-metrics_place_race-share_longitudinal.csv",
    "64_mobility-metrics_place_income_longitudinal.csv",
    "65_mobility-metrics_place_age_longitudinal.csv",
    "66_mobility-metrics_place_gender_longitudinal.csv",
    "67_mobility-metrics_place_tenure_longitudinal.csv",
    "68_mobility-metrics_place_disability_longitudinal.csv",
]
FLAG_WORDS = {
    "1": "Strong",
    "2": "Marginal",
    "3": "Weak",
    "Strong": "Strong",
    "Marginal": "Marginal",
    "Weak": "Weak",
}
# The older 06 file names some flags differently (Urban's README for that file).
OLD_FLAGS = {
    "pctl_income_20": "pctl_20_quality",
    "pctl_income_50": "pctl_50_quality",
    "pctl_income_80": "pctl_80_quality",
    "count_homeless": "homeless_quality",
    "share_homeless": "homeless_quality",
}
ID_COLUMNS = {
    "year",
    "state",
    "county",
    "place",
    "state_name",
    "county_name",
    "place_name",
    "population",
    "subgroup_type",
    "subgroup",
}


# --- independent reading ---------------------------------------------------------------------


def number(text: str | None) -> float:
    """Urban's cell as a number: NA/empty -> NaN, "a:b" -> a/b."""
    if text is None or text.strip() in ("", "NA"):
        return math.nan
    if ":" in text:
        a, b = text.split(":")
        return float(a) / float(b)
    return float(text)


def flag(text: str | None) -> str | None:
    if text is None or text.strip() in ("", "NA"):
        return None
    return FLAG_WORDS[text.strip()]


def rows(path: Path, keep: Callable[[dict[str, str]], bool]) -> Iterator[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if keep(row):
                yield row


def geoid(row: dict[str, str], level: str) -> str:
    return row["state"] + (row["county"] if level == "county" else row["place"])


def expected_standing(level_rows: list[dict[str, str]], metric: str) -> dict | None:
    """Latest year with a value: value, bounds, flag and year, as published."""
    with_value = [r for r in level_rows if not math.isnan(number(r.get(metric)))]
    if not with_value:
        return None
    r = max(with_value, key=lambda x: int(x["year"]))
    return {
        "year": int(r["year"]),
        "value": number(r[metric]),
        "lower": number(r.get(f"{metric}_lb")),
        "upper": number(r.get(f"{metric}_ub")),
        "quality": flag(r.get(f"{metric}_quality")),
    }


def same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def upstream(shared_mm_dir) -> dict[str, list[dict[str, str]]]:
    """Every row of the three jurisdictions, plus all county rows for median income."""
    out: dict[str, list[dict[str, str]]] = {COOK: [], LOVING: [], PHILADELPHIA: [], "all": []}
    for row in rows(shared_mm_dir / MAIN["county"], lambda r: True):
        g = geoid(row, "county")
        if g in out:
            out[g].append(row)
        out["all"].append({k: row[k] for k in ("year", "state", "pctl_income_50")})
    out["places"] = list(rows(shared_mm_dir / MAIN["place"], lambda r: True))
    out[PHILADELPHIA] = [r for r in out["places"] if geoid(r, "place") == PHILADELPHIA]
    return out


@pytest.fixture(scope="module")
def pages(shared_mm_dir) -> dict[str, Step2Page]:
    made = {}
    for code in (PHILADELPHIA, COOK, LOVING):
        page = Step2Page(code, data_dir=shared_mm_dir)
        _ = page.standing, page.subgroups  # computed while the data are loaded
        made[code] = page
    return made


# --- tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [PHILADELPHIA, COOK, LOVING])
def test_standing_equals_upstream(pages, upstream, code):
    page = pages[code]
    table = page.standing.set_index("metric")
    assert list(table.index) == [m.metric for m in catalog.metrics_for(page.level)]
    compared = 0
    for metric, row in table.iterrows():
        want = expected_standing(upstream[code], metric)
        if want is None:
            assert math.isnan(row["value"]), f"{code} {metric}: value where upstream has none"
            continue
        compared += 1
        assert int(row["year"]) == want["year"], f"{code} {metric} year"
        for key in ("value", "lower", "upper"):
            assert same(float(row[key]), want[key]), f"{code} {metric} {key}: {row[key]} != {want}"
        got_flag = None if pd.isna(row["quality"]) else row["quality"]
        assert got_flag == want["quality"], f"{code} {metric} quality"
    assert compared == int(table["value"].notna().sum())
    assert page.tidy.attrs["sources"][0].endswith(MAIN[page.level])  # not upstream/61_…
    if code == LOVING:
        assert page.place.population < 20_000
        assert compared < len(table) / 2  # most metrics missing: the page must say so
    else:
        assert compared > len(table) / 2


def test_national_and_state_percentile_by_hand(pages, upstream):
    row = pages[COOK].standing.set_index("metric").loc["pctl_income_50"]
    year = str(int(row["year"]))
    values = [number(r["pctl_income_50"]) for r in upstream["all"] if r["year"] == year]
    values = [v for v in values if not math.isnan(v)]
    in_state = [
        number(r["pctl_income_50"])
        for r in upstream["all"]
        if r["year"] == year and r["state"] == "17"
    ]
    in_state = [v for v in in_state if not math.isnan(v)]
    mine = row["value"]

    def pct(pool: list[float]) -> float:
        below = sum(v < mine for v in pool)
        ties = sum(v == mine for v in pool)
        return (below + 0.5 * ties) / len(pool) * 100

    assert len(values) > 2500 and row["national_n"] == len(values)
    assert row["national_pct"] == pytest.approx(pct(values), abs=1e-9)
    assert row["state_pct"] == pytest.approx(pct(in_state), abs=1e-9)
    assert row["national_median"] == pytest.approx(statistics.median(values), rel=1e-12)
    assert row["state_median"] == pytest.approx(statistics.median(in_state), rel=1e-12)
    assert row["national_better"] == row["national_pct"]  # higher income is better


def test_lower_is_better_percentile_by_hand(pages, upstream):
    row = pages[PHILADELPHIA].standing.set_index("metric").loc["share_debt_coll"]
    year = str(int(row["year"]))
    pool = [number(r["share_debt_coll"]) for r in upstream["places"] if r["year"] == year]
    pool = [v for v in pool if not math.isnan(v)]
    below = sum(v < row["value"] for v in pool)
    ties = sum(v == row["value"] for v in pool)
    pct = (below + 0.5 * ties) / len(pool) * 100
    assert row["national_pct"] == pytest.approx(pct, abs=1e-9)
    assert row["national_better"] == pytest.approx(100 - pct, abs=1e-9)


def test_philadelphia_subgroups_equal_upstream(pages, shared_mm_dir):
    want: dict[tuple, tuple] = {}
    for name in PLACE_SUBGROUP_FILES:
        path = next((shared_mm_dir / "upstream").glob(name), None)
        assert path is not None, f"{name} missing from {shared_mm_dir / 'upstream'}"
        sub_type_override = "race-share" if name.startswith("63_") else None
        for r in rows(path, lambda x: x["state"] == "42" and x["place"] == "60000"):
            if r["subgroup_type"] == "all":
                continue
            for col in r:
                if col in ID_COLUMNS or col.endswith(("_lb", "_ub", "_quality")):
                    continue
                value = number(r[col])
                if math.isnan(value):
                    continue
                quality_col = col + "_quality" if col + "_quality" in r else OLD_FLAGS.get(col)
                key = (col, sub_type_override or r["subgroup_type"], r["subgroup"], int(r["year"]))
                assert key not in want, f"duplicate upstream row {key}"
                want[key] = (
                    value,
                    number(r.get(col + "_lb")),
                    number(r.get(col + "_ub")),
                    flag(r.get(quality_col)) if quality_col else None,
                )
    subs = pages[PHILADELPHIA].subgroups
    mine = subs[(subs["geoid"] == PHILADELPHIA) & subs["value"].notna()]
    got = {
        (str(r.metric), str(r.subgroup_type), str(r.subgroup), int(r.year)): (
            r.value,
            r.lower,
            r.upper,
            None if pd.isna(r.quality) else str(r.quality),
        )
        for r in mine.itertuples()
    }
    assert len(want) > 300
    assert set(got) == set(want)
    for key, (value, lower, upper, quality) in want.items():
        g = got[key]
        assert same(g[0], value) and same(g[1], lower) and same(g[2], upper), key
        assert g[3] == quality, key


def test_gap_groups_come_from_the_subgroup_files(pages):
    page = pages[PHILADELPHIA]
    gaps = page.gaps
    assert not gaps.empty
    subs = page.subgroups
    for _, g in gaps.iterrows():
        pick = subs[
            (subs["geoid"] == PHILADELPHIA)
            & (subs["metric"] == g["metric"])
            & (subs["subgroup_type"] == g["subgroup_type"])
            & (subs["year"] == g["year"])
        ]
        by_group = dict(zip(pick["subgroup"].astype(str), pick["value"], strict=True))
        assert same(by_group[g["best_group"]], g["best_value"])
        assert same(by_group[g["worst_group"]], g["worst_value"])


def test_real_names_resolve(shared_mm_dir):
    assert resolve("Cook County, IL", data_dir=shared_mm_dir).geoid == COOK
    assert resolve("Philadelphia city, Pennsylvania", data_dir=shared_mm_dir).geoid == PHILADELPHIA
    assert resolve("loving county texas", data_dir=shared_mm_dir).geoid == LOVING
    with pytest.raises(JurisdictionError) as info:
        resolve("Philadelphia", data_dir=shared_mm_dir)
    assert "Philadelphia County, Pennsylvania (county 42101)" in info.value.suggestions
    assert "Philadelphia city, Pennsylvania (city 4260000)" in info.value.suggestions
    with pytest.raises(JurisdictionError, match="a city is expected") as info:
        resolve(COOK, level="place", data_dir=shared_mm_dir)
    assert info.value.suggestions[0] == "Chicago city, Illinois (city 1714000)"


def test_gap_overall_is_the_published_all_row(shared_mm_dir):
    greene = "01063"
    gaps = gap_table(
        load_subgroups("county", shared_mm_dir),
        load_metrics("county", shared_mm_dir),
        greene,
        "county",
        load_subgroup_totals("county", shared_mm_dir),
    )
    row = gaps[(gaps["metric"] == "share_employed") & (gaps["subgroup_type"] == "gender")]
    assert len(row) == 1 and int(row["year"].iloc[0]) == 2021
    # upstream/16_…: "2021,01,063,…,All,all,…,0.6264715012297333,…"
    assert row["overall"].iloc[0] == pytest.approx(0.6264715012297333, rel=1e-12)


def test_gap_lists_a_group_without_data(pages):
    gaps = pages[PHILADELPHIA].gaps
    row = gaps[(gaps["metric"] == "share_debt_coll") & (gaps["subgroup_type"] == "race-share")]
    assert len(row) == 1 and int(row["year"].iloc[0]) == 2021
    assert row["missing_groups"].iloc[0] == "Mixed neighborhoods"
