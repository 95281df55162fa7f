"""The Step 2 notebook end to end through ``mobility-nb run``, and bad input at the CLI.

One real run (Philadelphia city on the shared data, a kernel start and ~5 s) is shared by
the page assertions. Bad inputs fail before any kernel starts, so they run on the fixture
folder through the CLI's ``main`` (and one through a real subprocess).
"""

from __future__ import annotations

import csv
import math
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from mobility_nb.cli import app as cli
from mobility_nb.data import catalog
from mobility_nb.render.formats import html_text
from mobility_nb.render.notebook_html import external_references

PHILADELPHIA = "4260000"
SCRIPT = "<script>alert(1)</script>"
LEAF = "script><img src=x onerror=alert(1)>"  # the data folder's own name, shown on the page
PLACEHOLDER = "No description has been provided for this image"
COUNTY = "11_mobility-metrics_county_longitudinal.csv"


def clean_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MOBILITY_NB_NOTEBOOKS", None)  # the real notebooks/, not a test fixture
    return env


def cli_run(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mobility_nb", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(),
    )


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


def latest_income(shared_mm_dir: Path) -> tuple[int, float]:
    """Philadelphia's latest median household income, read with csv only."""
    path = shared_mm_dir / "assembled" / "61_mobility-metrics_place_longitudinal.csv"
    best: tuple[int, float] | None = None
    with open(path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["state"] + r["place"] != PHILADELPHIA or r["pctl_income_50"] in ("", "NA"):
                continue
            if best is None or int(r["year"]) > best[0]:
                best = (int(r["year"]), float(r["pctl_income_50"]))
    assert best is not None
    return best


# --- one real page ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(shared_mm_dir, tmp_path_factory):
    """Philadelphia's page, with the data folder reached through a path holding <script>."""
    root = tmp_path_factory.mktemp("nb")
    odd = root / "<script>alert(1)<"
    odd.mkdir()
    data_dir = odd / LEAF  # the path text reads .../<script>alert(1)</script><img ...>
    data_dir.symlink_to(shared_mm_dir, target_is_directory=True)
    assert SCRIPT in str(data_dir)
    out = root / "out"
    proc = cli_run(
        "run",
        "step2",
        "--jurisdiction",
        PHILADELPHIA,
        "--data-dir",
        str(data_dir),
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    pages = sorted(out.glob("*.html"))
    assert len(pages) == 1, list(out.iterdir())
    page = pages[0]
    return {
        "html": page.read_text(encoding="utf-8"),
        "csv": page.with_suffix(".csv"),
        "provenance": page.with_name(page.stem + ".provenance.json"),
        "stdout": proc.stdout,
        "out": out,
    }


@pytest.mark.notebook
@pytest.mark.shared
def test_page_files_exist(published):
    assert published["csv"].is_file() and published["provenance"].is_file()
    assert "Page:" in published["stdout"]
    assert not (published["out"] / "_failed").exists()
    assert "<h1>Mobility Metrics: Philadelphia city, Pennsylvania</h1>" in published["html"]


@pytest.mark.notebook
@pytest.mark.shared
def test_page_loads_nothing_from_other_hosts(published):
    page = published["html"]
    assert external_references(page) == []
    # the only remote addresses are plain links to the sources, which nothing fetches
    for tag in re.findall(r"<(\w+)[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", page, re.I):
        assert tag.lower() == "a"
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert "require.js" not in page and "MathJax" not in page


@pytest.mark.notebook
@pytest.mark.shared
def test_page_shows_the_upstream_median_income(published, shared_mm_dir):
    year, value = latest_income(shared_mm_dir)
    shown = catalog.get_metric("pctl_income_50").format(value)
    assert shown.startswith("$") and html_text(shown) in published["html"]
    numbers = pd.read_csv(published["csv"], dtype=str, keep_default_na=False)
    standing = numbers[(numbers["table"] == "standing") & (numbers["metric"] == "pctl_income_50")]
    assert len(standing) == 1
    assert int(float(standing["year"].iloc[0])) == year
    assert math.isclose(float(standing["value"].iloc[0]), value, rel_tol=1e-12)


@pytest.mark.notebook
@pytest.mark.shared
def test_every_image_has_real_alt_text(published):
    parser = Tags()
    parser.feed(published["html"])
    assert len(parser.images) >= 3
    for img in parser.images:
        alt = (img.get("alt") or "").strip()
        assert alt and alt != PLACEHOLDER and len(alt) > 40
        assert (img.get("src") or "").startswith("data:image/")


@pytest.mark.notebook
@pytest.mark.shared
def test_script_in_a_parameter_is_escaped(published):
    page = published["html"]
    assert SCRIPT not in page and "<img src=x" not in page
    # the data folder is a local path: a published page never shows it, escaped or not
    assert "alert(1)" not in page


@pytest.mark.notebook
@pytest.mark.shared
def test_code_is_hidden(published):
    assert "Step2Page(" not in published["html"]
    assert "page.show_header()" not in published["html"]


# --- bad input: one paragraph, exit 2, nothing written ------------------------------------


def run_main(capsys, out: Path, *args: str) -> str:
    rc = cli.main(["run", "step2", "--out", str(out), *args])
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert rc == 2, (rc, err)
    assert err.startswith("mobility-nb: ")
    assert "\n" not in err  # one paragraph
    assert "Traceback" not in err
    assert not out.exists() or not any(out.rglob("*")), list(out.rglob("*"))
    return err


@pytest.fixture
def out(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv("MOBILITY_NB_NOTEBOOKS", raising=False)
    return tmp_path / "out"


def test_unknown_fips(capsys, out, mm_fixture_dir):
    err = run_main(capsys, out, "-j", "17033", "--data-dir", str(mm_fixture_dir))
    assert "No county with code 17033" in err and "Cook County, Illinois (county 17031)" in err


def test_misspelt_name(capsys, out, mm_fixture_dir):
    err = run_main(capsys, out, "-j", "Cok County, IL", "--data-dir", str(mm_fixture_dir))
    assert "'Cok County, IL'" in err and "Cook County, Illinois (county 17031)" in err


def test_county_fips_where_a_city_is_expected(capsys, out, mm_fixture_dir):
    err = run_main(
        capsys, out, "-j", "17031", "--level", "place", "--data-dir", str(mm_fixture_dir)
    )
    assert "a city is expected" in err and "Chicago city, Illinois (city 1714000)" in err


def test_malformed_yaml(capsys, out, tmp_path, mm_fixture_dir):
    params = tmp_path / "bad.yaml"
    params.write_text('jurisdiction: ["17031"\npeers: []\n')
    err = run_main(capsys, out, "--params", str(params), "--data-dir", str(mm_fixture_dir))
    assert str(params) in err and "not valid YAML" in err and "line" in err


def test_unknown_params_key(capsys, out, tmp_path, mm_fixture_dir):
    params = tmp_path / "typo.yaml"
    params.write_text('jurisdicton: "17031"\n')
    err = run_main(capsys, out, "--params", str(params), "--data-dir", str(mm_fixture_dir))
    assert "Unknown parameter 'jurisdicton'" in err and "'jurisdiction'" in err


def test_missing_data_directory(capsys, out):
    err = run_main(capsys, out, "-j", "17031", "--data-dir", "/nonexistent")
    assert "'/nonexistent'" in err and "does not exist" in err


def corrupt_copy(tmp_path: Path, mm_fixture_dir: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    shutil.copytree(mm_fixture_dir, data)
    path = data / COUNTY
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:12]) + lines[12][:25])  # cut inside line 13
    return data, path


def test_corrupt_csv_names_file_and_line(capsys, out, tmp_path, mm_fixture_dir):
    data, path = corrupt_copy(tmp_path, mm_fixture_dir)
    err = run_main(capsys, out, "-j", "17031", "--data-dir", str(data))
    assert f"{path}, line 13" in err


def test_corrupt_csv_through_the_console_script(tmp_path, mm_fixture_dir):
    data, path = corrupt_copy(tmp_path, mm_fixture_dir)
    out = tmp_path / "out"
    proc = cli_run(
        "run",
        "step2",
        "-j",
        "Cook County, IL",
        "--data-dir",
        str(data),
        "--out",
        str(out),
        timeout=300,
    )
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert err.startswith("mobility-nb: Cannot read ") and f"{path}, line 13" in err
    assert "\n" not in err and "Traceback" not in proc.stderr
    assert not out.exists()
