"""The comparison reports' numbers equal the Step 2 pages' numbers (real data, real notebook).

One batch builds the Step 2 pages of Philadelphia County and Fulton County PA and of
Philadelphia city (automatic peers) as a user would; then the demo's reports are built into
the same folder: Pennsylvania's counties and Philadelphia city with its five peers. For
every metric the published CSVs must agree exactly: the comparison's value, bounds, flag,
year and national and in-state standing are the Step 2 page's, and the peer report's table
is the Step 2 page's peer table. The national table is checked against the same pages and
against Step 2's standing of 30 random counties.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mobility_nb.claims import ranking
from mobility_nb.cli.compare import run_compare
from mobility_nb.compare import selection
from mobility_nb.compare.table import build_table
from mobility_nb.data.metrics import load_metrics
from mobility_nb.steps.step2.standing import standing

pytestmark = [pytest.mark.shared, pytest.mark.notebook]

REPO = Path(__file__).resolve().parents[2]
COUNTIES = ("42101", "42057")  # Philadelphia County; Fulton County (rural, many missing)
CITY = "4260000"  # Philadelphia city, automatic peers
SAME = ["year", "value", "lower", "upper", "quality", "national_better", "national_n"]
SAME += ["state_better", "state_n"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, shared_mm_dir) -> Path:
    out = tmp_path_factory.mktemp("compare-site")
    listing = out.parent / "compare-list.yaml"
    listing.write_text("".join(f'- "{g}"\n' for g in (*COUNTIES, CITY)))
    env = dict(os.environ)
    env.pop("MOBILITY_NB_NOTEBOOKS", None)  # the real Step 2 notebook
    env.pop("CENSUS_API_KEY", None)
    env["MOBILITY_NB_DATA"] = str(shared_mm_dir)
    command = [sys.executable, "-m", "mobility_nb", "batch", "--list", str(listing)]
    command += ["--steps", "step2", "--out", str(out), "--workers", "1", "--no-progress"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    chosen = [
        selection.state_selection("PA", "county", shared_mm_dir),
        selection.peer_selection(CITY, (), shared_mm_dir),
    ]
    run_compare(chosen, out, str(shared_mm_dir), draw_maps=False)
    return out


def _step2(site: Path, geoid: str, table: str) -> pd.DataFrame:
    (page,) = site.glob(f"step2/{geoid}-*.csv")
    numbers = pd.read_csv(page, dtype={"quality": str}, keep_default_na=False, na_values=[""])
    return numbers[numbers["table"] == table].dropna(axis=1, how="all").reset_index(drop=True)


def _comparison(site: Path, stem: str, table: str) -> pd.DataFrame:
    numbers = pd.read_csv(
        site / "compare" / f"{stem}.csv",
        dtype={"geoid": str, "quality": str},
        keep_default_na=False,
        na_values=[""],
    )
    return numbers[numbers["table"] == table].dropna(axis=1, how="all").reset_index(drop=True)


def _assert_same(step2: pd.DataFrame, mine: pd.DataFrame, geoid: str) -> None:
    assert list(mine["metric"]) == list(step2["metric"]), geoid
    for column in SAME:
        left = step2[column] if column in step2 else pd.Series([float("nan")] * len(step2))
        right = mine[column] if column in mine else pd.Series([float("nan")] * len(mine))
        pd.testing.assert_series_equal(
            left.reset_index(drop=True),
            right.reset_index(drop=True),
            check_names=False,
            check_dtype=False,
            obj=f"{geoid} {column}",
        )


def test_state_report_numbers_equal_the_step2_pages(site):
    comparison = _comparison(site, "pa-counties", "comparison")
    assert comparison["geoid"].nunique() == 67
    for geoid in COUNTIES:
        step2 = _step2(site, geoid, "standing")
        mine = comparison[comparison["geoid"] == geoid]
        _assert_same(step2, mine, geoid)
        ranked = step2[step2["national_better"].notna()]
        shown = mine.set_index("metric").loc[ranked["metric"], "standing_text"]
        assert list(shown) == [ranking.short_percent_text(b) for b in ranked["national_better"]]
        page = next(site.glob(f"step2/{geoid}-*.html")).read_text()
        for better, n in zip(ranked["national_better"], ranked["national_n"], strict=True):
            assert f"{ranking.short_percent_text(better)} of {int(n):,}" in page


def test_peer_report_is_the_step2_peer_table(site):
    step2 = _step2(site, CITY, "peers")
    mine = _comparison(site, f"peers-{CITY}-philadelphia-city-pa", "peers")
    assert len(step2) > 20 and set(mine.columns) == set(step2.columns)
    pd.testing.assert_frame_equal(mine[list(step2.columns)], step2, check_dtype=False)
    focal = _comparison(site, f"peers-{CITY}-philadelphia-city-pa", "comparison")
    _assert_same(_step2(site, CITY, "standing"), focal[focal["geoid"] == CITY], CITY)
    assert focal["geoid"].nunique() == 6


def test_national_table_equals_step2_pages_and_standings(site, shared_mm_dir):
    nation = selection.nation_selection("county", shared_mm_dir)
    assert len(nation.places) > 3100
    table = build_table(nation, shared_mm_dir)
    for geoid in COUNTIES:
        mine = table.rows[table.rows["geoid"] == geoid]
        _assert_same(_step2(site, geoid, "standing"), mine, geoid)
    tidy = load_metrics("county", shared_mm_dir)
    for place in random.Random(15).sample(nation.places, 30):
        own = standing(tidy, place.geoid, "county", place.population, table.names)
        mine = table.rows[table.rows["geoid"] == place.geoid].reset_index(drop=True)
        assert list(mine["metric"]) == list(own["metric"])
        for column in own.columns:
            pairs = zip(own[column].tolist(), mine[column].tolist(), strict=True)
            assert all(a == b or (_missing(a) and _missing(b)) for a, b in pairs), (
                place.geoid,
                column,
            )


def _missing(value) -> bool:
    """None and NaN alike: pandas may store a text column's missing values either way."""
    return value is None or (isinstance(value, float) and value != value)
