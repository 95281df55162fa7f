"""The Step 2 page sections rendered without a kernel, on the fixture folder."""

from __future__ import annotations

import html
import re
import shutil
from html.parser import HTMLParser

import pandas as pd
import pytest

import mobility_nb.render.tables as tables_module
import mobility_nb.steps.step2.page as page_module
from mobility_nb.data import catalog
from mobility_nb.errors import JurisdictionError
from mobility_nb.steps.step2 import Step2Page, headline

SECTIONS = (
    "show_header",
    "show_insights",
    "show_standing_chart",
    "show_standing_tables",
    "show_peers",
    "show_trends",
    "show_gaps",
    "show_missing",
    "show_methods",
    "finish",
)
SCRIPT = '<script>alert("x")</script>'
PLACEHOLDER = "No description has been provided for this image"
COUNTY = "11_mobility-metrics_county_longitudinal.csv"


class Images(HTMLParser):
    """Collects every <img> tag's attributes and every <script> tag."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        if tag == "script":
            self.scripts += 1


@pytest.fixture
def shown(monkeypatch):
    """Collect what the page would display, section by section."""
    out: list[str] = []
    monkeypatch.setattr(page_module, "show_html", out.append)
    monkeypatch.setattr(tables_module, "show_html", out.append)  # provenance block
    return out


def render(page: Step2Page, shown: list[str]) -> dict[str, str]:
    sections = {}
    for name in SECTIONS:
        start = len(shown)
        getattr(page, name)()
        sections[name] = "".join(shown[start:])
    return sections


def parse(text: str) -> Images:
    parser = Images()
    parser.feed(text)
    return parser


def test_every_section_renders_for_cook_county(mm_fixture_dir, shown, tmp_path):
    page = Step2Page(
        "Cook County, IL",
        data_dir=mm_fixture_dir,
        artifacts_dir=str(tmp_path),
        params={"jurisdiction": "Cook County, IL"},
    )
    s = render(page, shown)
    assert all(s[name] for name in SECTIONS)
    assert "<h1>Mobility Metrics: Cook County, Illinois</h1>" in s["show_header"]
    assert "5,100,000 residents" in s["show_header"] and "FIPS 17031" in s["show_header"]
    assert "9 of the" in s["show_insights"] and "have a value" in s["show_insights"]
    assert "data-mnb-summary" in s["show_insights"]  # the one-screen summary comes first
    assert "Deaths from injury" in s["show_insights"]
    assert "Set aside: the data do not support a claim" in s["show_insights"]
    assert "What these data cannot tell you about this place" in s["show_insights"]
    # Standing tables: the formatted value with its bounds, flag and rank.
    dollar = "<span>$</span>"  # every $ in its own element: JupyterLab never reads maths
    assert f'<td class="num">{dollar}75,000</td>' in s["show_standing_tables"]
    assert f"{dollar}74,000 to {dollar}76,000" in s["show_standing_tables"]
    assert '<td class="num">58% of 6</td>' in s["show_standing_tables"]  # 58.3%, n = 6
    assert "only 3 with data" in s["show_standing_tables"]  # no in-state rank among three
    assert "15.0% : 25.0% (ratio 0.60)" in s["show_standing_tables"]  # parity as published
    for pillar in ("Rewarding Work", "Responsive and Just Governance"):
        assert f"<summary>{pillar} <span" in s["show_standing_tables"]  # one <details> each
    # Automatic peers, with the rule and the hand-checked nearest county.
    assert "in 2023" in s["show_peers"] and "Philadelphia County, Pennsylvania" in s["show_peers"]
    assert "yes, worsened (z = " in s["show_trends"] or "yes, decreased" in s["show_trends"]
    assert "2023 dollars" in s["show_trends"] and "CPI-U" in s["show_trends"]
    assert "improved" in s["show_trends"] and "worsened" in s["show_trends"]
    assert "Juvenile arrests" in s["show_gaps"]
    assert "Metrics with no value" in s["show_missing"]
    assert "About this page" in s["finish"]
    assert COUNTY in s["finish"]


def test_every_chart_has_real_alt_text(mm_fixture_dir, shown):
    s = render(Step2Page("4260000", data_dir=mm_fixture_dir), shown)
    images = parse("".join(shown)).images
    # one standing chart per pillar with a rank, one per trend metric, one for the gaps
    assert len(images) >= 3
    for img in images:
        alt = (img.get("alt") or "").strip()
        assert len(alt) > 40 and alt != PLACEHOLDER
        assert img["src"].startswith("data:image/")  # embedded, works offline
    assert "Philadelphia city" in parse(s["show_gaps"]).images[0]["alt"]


def test_numbers_csv_has_the_standing_table(mm_fixture_dir, shown, tmp_path):
    page = Step2Page("17031", data_dir=mm_fixture_dir, artifacts_dir=str(tmp_path))
    render(page, shown)
    numbers = pd.read_csv(tmp_path / "numbers.csv", dtype={"geoid": str})
    standing = numbers[numbers["table"] == "standing"].set_index("metric")
    row = standing.loc["pctl_income_50"]
    assert (row["value"], row["lower"], row["upper"], row["quality"], row["year"]) == (
        75000,
        74000,
        76000,
        "Strong",
        2023,
    )
    assert {"standing", "peers", "trends", "gaps", "missing", "insights"} <= set(numbers["table"])
    assert (tmp_path / "provenance.json").is_file()


def test_user_text_is_escaped(tmp_path, shown, mm_fixture_dir):
    data = tmp_path / "data"
    shutil.copytree(mm_fixture_dir, data)
    path = data / COUNTY
    path.write_text(path.read_text().replace("Will County", f"{SCRIPT} County"))
    # As a peer (by code), in the parameters, and as the page's own jurisdiction.
    cook = Step2Page(
        "17031",
        peers=["17197"],
        data_dir=data,
        params={"jurisdiction": "17031", "peers": [SCRIPT], "note": SCRIPT},
    )
    text = "".join(render(cook, shown).values())
    assert "Will County" not in text
    assert html.escape(SCRIPT) in text or html.escape(SCRIPT, quote=False) in text
    shown.clear()
    own = Step2Page("17197", data_dir=data)
    text += "".join(render(own, shown).values())
    assert "&lt;script&gt;" in text
    assert "<script" not in text.lower()  # not in text, tables, captions or alt attributes
    assert parse(text).scripts == 0
    alts = [img.get("alt") or "" for img in parse(text).images]
    assert any(SCRIPT in alt for alt in alts)  # the name is in the alt text, escaped


def test_sparse_jurisdiction_renders_and_says_what_is_missing(mm_fixture_dir, shown):
    s = render(Step2Page("48301", data_dir=mm_fixture_dir), shown)
    n = len(catalog.metrics_for("county"))
    assert "1 of the" in s["show_insights"] and "have a value" in s["show_insights"]
    assert (
        "Most metrics are missing" in s["show_insights"]
        and f"({n - 1} of {n})" in s["show_insights"]
    )
    assert f"{n - 1} metric(s) have no value for Loving County, Texas" in s["show_missing"]
    assert html.escape(catalog.get_metric("pctl_income_50").label) in s["show_missing"]
    # The flag published without a value is shown, not hidden.
    row = re.search(
        r"<tr[^>]*><th scope=\"row\">People with debt in collections</th>"
        r"<td>[^<]*</td><td>([^<]*)</td>",
        s["show_missing"],
    )
    assert row and row.group(1) == "Weak"
    assert "No automatic peers" in s["show_peers"]
    assert "No subgroup data" in s["show_gaps"]
    assert "About this page" in s["finish"]


def test_given_peers_are_used(mm_fixture_dir, shown):
    s = render(
        Step2Page("17031", peers=["17043", "Will County, IL"], data_dir=mm_fixture_dir), shown
    )
    assert "Peers chosen by the analyst." in s["show_peers"]
    assert (
        "DuPage County, Illinois" in s["show_peers"] and "Will County, Illinois" in s["show_peers"]
    )
    assert "Philadelphia County" not in s["show_peers"]
    assert "3 of 3" in s["show_peers"]  # Cook's income rank among itself and two peers


def test_wrong_level_and_bad_peer_fail_with_our_error(mm_fixture_dir):
    with pytest.raises(JurisdictionError, match="a city is expected"):
        Step2Page("17031", data_dir=mm_fixture_dir, level="place")
    page = Step2Page("17031", peers=["Nowhere County, IL"], data_dir=mm_fixture_dir)
    with pytest.raises(JurisdictionError, match="In the peers list"):
        _ = page.peer_set


def test_headline_for_step5(mm_fixture_dir):
    h = headline("17031", data_dir=mm_fixture_dir).set_index("metric")
    assert len(h) == 9 and (h["geoid"] == "17031").all()
    assert h.loc["pctl_income_50", "value_text"] == "$75,000"
    assert h.loc["share_debt_coll", "national_better"] == pytest.approx(100 * (1 - 2.5 / 6))


def test_neighbours_come_from_the_given_function(mm_fixture_dir, shown):
    calls = []

    def fake(geoid: str) -> list[str]:
        calls.append(geoid)
        return ["17043", "17197", "99999"]  # the last is not in the data: skipped

    s = render(Step2Page("17031", data_dir=mm_fixture_dir, neighbours=fake), shown)
    assert calls == ["17031"]
    assert "Neighboring counties" in s["show_peers"]
    assert "The 2 counties that share a boundary with Cook County, Illinois" in s["show_peers"]
    assert "Cook County and its neighbors" in s["show_peers"]
