"""Following Urban's releases: status, update and diff against a local server.

The server serves two made-up releases in Urban's layout (tests/fixtures/releases/<tag>/
data/...); the README there lists what v2026.01 changes and the hand-counted numbers the
diff tests expect. Every other file of the pinned list answers 404 ("not published").
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.paths import FIXTURES as FIXTURES_ROOT

from mobility_nb.cli import app as cli
from mobility_nb.data import download, layout, origin
from mobility_nb.data import metrics as metrics_data
from mobility_nb.data.release_diff import diff
from mobility_nb.data.releases import status, update
from mobility_nb.errors import DataDirectoryError, ReleaseError
from mobility_nb.render.recorder import PageRecorder

RELEASES = FIXTURES_ROOT / "releases"
MANIFEST_2026 = RELEASES / "manifests" / "v2026.01.json"
COUNTY = "11_mobility-metrics_county_longitudinal.csv"
GENDER = "16_mobility-metrics_county_gender_longitudinal.csv"
CITY = "61_mobility-metrics_place_longitudinal.csv"
OLD_DATA = RELEASES / "v2025.01" / "data"
NEW_DATA = RELEASES / "v2026.01" / "data"


@dataclass
class FakeReleases:
    """The local server: what it was asked for, and files it should cut off mid-way."""

    url_template: str
    requests: list[str] = field(default_factory=list)
    drop: set[str] = field(default_factory=set)  # "<ref>/<name>": send half, then hang up

    def count(self, ref: str, name: str) -> int:
        return self.requests.count(f"/{ref}/data/{name}")


class _Handler(BaseHTTPRequestHandler):
    fake: FakeReleases

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        self.fake.requests.append(path)
        ref, _, rest = path.lstrip("/").partition("/")
        file = RELEASES / ref / rest
        if ".." in path or not file.is_file():
            self.send_error(404)
            return
        body = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if f"{ref}/{file.name}" in self.fake.drop:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeReleases]:
    handler = type("Handler", (_Handler,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    port = httpd.server_address[1]
    fake = FakeReleases(url_template=f"http://127.0.0.1:{port}/{{ref}}/{{path}}")
    handler.fake = fake
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    monkeypatch.setenv(download.URL_ENV_VAR, fake.url_template)
    monkeypatch.setenv(download.QUIET_ENV_VAR, "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # the default cache
    monkeypatch.delenv("MOBILITY_NB_DATA", raising=False)
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()


def _cache() -> Path:
    from mobility_nb.config import default_cache_dir

    return default_cache_dir()


def _update(release: str | None = None, **kwargs: object):
    return update(release, backoff=0, timeout=5, **kwargs)  # type: ignore[arg-type]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _partials(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.part"))


# ---- status and update ---------------------------------------------------------------------


def test_fresh_cache_reads_the_pinned_release_and_lists_what_is_missing(server: FakeReleases):
    st = status()
    assert (st.current, st.pinned) == ("v2025.01", "v2025.01")
    assert st.folder == _cache() / "releases" / "v2025.01"
    assert st.files == []
    assert COUNTY in st.missing and CITY in st.missing and len(st.missing) == 18
    assert "Pages read release v2025.01 (not downloaded in full)" in st.text()
    assert server.requests == []  # status never goes online


def test_update_downloads_the_pinned_release_and_records_each_file(server: FakeReleases):
    result = _update()
    assert result.downloaded == [COUNTY, GENDER, CITY]
    assert len(result.not_published) == 15 and "12_" in result.not_published[0]
    assert (result.previous, result.release, result.switched) == ("v2025.01", "v2025.01", False)
    folder = _cache() / "releases" / "v2025.01"
    assert layout.current_release(_cache()) == "v2025.01"
    assert layout.completion(folder)["release"] == "v2025.01"

    st = status()
    assert [f.name for f in st.files] == [COUNTY, GENDER, CITY]
    county = st.files[0]
    assert (county.release, county.how, county.matches_pinned) == (
        "v2025.01",
        origin.BY_RECORD,
        True,
    )
    assert county.sha256 == _sha(OLD_DATA / COUNTY)
    assert county.size == (OLD_DATA / COUNTY).stat().st_size
    assert county.years == "2021, 2022"
    assert st.missing == []
    record = json.loads((folder / ".mobility-nb" / f"{COUNTY}.json").read_text())
    assert record["url"] == server.url_template.format(ref="v2025.01", path=f"data/{COUNTY}")
    assert _partials(_cache()) == []


def test_update_to_a_newer_release_switches_pages_to_it(server: FakeReleases):
    _update()
    result = _update("v2026.01", manifest=MANIFEST_2026)
    assert (result.previous, result.release, result.switched) == ("v2025.01", "v2026.01", True)
    assert result.downloaded == [COUNTY, GENDER, CITY] and result.not_published == []

    st = status()
    assert st.current == "v2026.01"
    assert [r.tag for r in st.releases] == ["v2025.01", "v2026.01"]
    county = next(f for f in st.files if f.name == COUNTY)
    assert (county.release, county.years, county.matches_pinned) == ("v2026.01", "2021–2023", False)
    assert "no (pinned: v2025.01)" in st.text()

    tidy = metrics_data.load_metrics("county")  # the loaders follow the switch
    assert sorted(tidy["year"].unique().tolist()) == [2021, 2022, 2023]
    source = Path(tidy.attrs["sources"][0])
    assert source == _cache() / "releases" / "v2026.01" / COUNTY
    assert origin.release_of(source) == "v2026.01"
    assert (_cache() / "releases" / "v2025.01" / COUNTY).read_bytes() == (
        OLD_DATA / COUNTY
    ).read_bytes()  # the older release is kept, to compare with or go back to


def test_interrupted_update_keeps_the_previous_release_and_resumes(server: FakeReleases):
    _update()
    server.drop.add(f"v2026.01/{CITY}")
    with pytest.raises(ReleaseError) as info:
        _update("v2026.01", manifest=MANIFEST_2026, retries=1)
    message = str(info.value)
    assert CITY in message
    assert server.url_template.format(ref="v2026.01", path=f"data/{CITY}") in message
    assert "pages keep reading v2025.01" in message and "run the same update again" in message
    assert server.count("v2026.01", CITY) == 2  # one retry

    assert layout.current_release(_cache()) == "v2025.01"
    assert status().current == "v2025.01"
    places = metrics_data.load_metrics("place")
    assert sorted(places["year"].unique().tolist()) == [2021, 2022]
    new_folder = _cache() / "releases" / "v2026.01"
    assert sorted(p.name for p in new_folder.glob("*.csv")) == [COUNTY, GENDER]  # no half file
    assert layout.completion(new_folder) is None
    assert _partials(_cache()) == []

    server.drop.clear()
    result = _update("v2026.01", manifest=MANIFEST_2026)
    assert (result.kept, result.downloaded) == ([COUNTY, GENDER], [CITY])
    assert server.count("v2026.01", COUNTY) == 1  # resumed, not fetched again
    assert layout.current_release(_cache()) == "v2026.01"


def test_update_refuses_a_file_whose_checksum_is_wrong(server: FakeReleases, tmp_path: Path):
    _update()
    manifest = json.loads(MANIFEST_2026.read_text())
    manifest["files"][1]["sha256"] = "0" * 64  # the gender file
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(manifest))
    with pytest.raises(ReleaseError) as info:
        _update("v2026.01", manifest=bad)
    assert GENDER in str(info.value) and "sha256" in str(info.value)
    assert layout.current_release(_cache()) == "v2025.01"
    assert not (_cache() / "releases" / "v2026.01" / GENDER).exists()
    assert _partials(_cache()) == []


def test_a_release_without_its_main_file_is_refused(server: FakeReleases):
    with pytest.raises(ReleaseError) as info:
        _update("v2099.01")
    assert COUNTY in str(info.value) and "404" in str(info.value)
    assert layout.current_release(_cache()) == "v2025.01"


def test_update_will_not_turn_a_folder_of_own_files_into_a_cache(
    server: FakeReleases, tmp_path: Path
):
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copy(OLD_DATA / COUNTY, mine / COUNTY)
    with pytest.raises(ReleaseError, match="holds files of its own"):
        _update(data_dir=mine)
    assert sorted(p.name for p in mine.iterdir()) == [COUNTY]


def test_a_cache_given_by_path_reads_its_current_release(server: FakeReleases, tmp_path: Path):
    cache = tmp_path / "team-cache"
    _update("v2026.01", data_dir=cache, manifest=MANIFEST_2026)
    st = status(cache)
    assert st.cache == cache.resolve() and st.current == "v2026.01"
    tidy = metrics_data.load_metrics("county", cache)
    assert 2023 in set(tidy["year"].tolist())


def test_secrets_in_the_url_never_reach_the_cache(
    server: FakeReleases, monkeypatch: pytest.MonkeyPatch
):
    secret_url = server.url_template.replace("http://", "http://ana:s3cret@") + "?token=t0ken"
    monkeypatch.setenv(download.URL_ENV_VAR, secret_url)
    _update()
    texts = [p.read_text(errors="replace") for p in _cache().rglob("*") if p.is_file()]
    assert not any("s3cret" in t or "t0ken" in t for t in texts)


# ---- where a file came from -------------------------------------------------------------------


def test_a_folder_filled_by_hand_has_unknown_release_unless_its_checksum_is_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    mine = tmp_path / "mine" / "sub"
    mine.mkdir(parents=True)
    for name in (COUNTY, GENDER):
        shutil.copy(OLD_DATA / name, mine / name)
    monkeypatch.setattr(origin, "known_checksums", lambda: {_sha(OLD_DATA / GENDER): "v2025.01"})
    st = status(tmp_path / "mine")
    assert st.cache is None and st.current is None
    by_name = {f.name: f for f in st.files}
    assert by_name[COUNTY].release_label == "unknown (not downloaded by mobility-nb)"
    assert by_name[COUNTY].matches_pinned is None  # no checksum pinned for 11_
    assert by_name[GENDER].release_label == "v2025.01 (checksum)"
    assert origin.release_of(mine / COUNTY) == "unknown"
    assert origin.release_of(mine / GENDER) == "v2025.01"


def test_a_file_edited_after_download_no_longer_claims_its_release(server: FakeReleases):
    _update()
    path = _cache() / "releases" / "v2025.01" / COUNTY
    path.write_text(path.read_text().replace("60000", "60001"))
    assert origin.release_of(path) == "unknown"
    assert origin.origin_of(path).how == origin.CHANGED
    assert "Changed since mobility-nb downloaded them" in status().text()


def test_commits_are_named_as_commits():
    assert origin.describe_ref("b4121351cd54b43042cffe6ca62581e78849f792") == "commit b412135"
    assert origin.describe_ref("v2025.01") == "v2025.01"


def test_pages_name_the_release_of_every_urban_file(server: FakeReleases, tmp_path: Path):
    _update("v2026.01", manifest=MANIFEST_2026)
    rec = PageRecorder("step2", {}, None)
    rec.add_source(_cache() / "releases" / "v2026.01" / COUNTY, years="2021–2023")
    plan = tmp_path / "plan.yaml"
    plan.write_text("jurisdiction: '48453'\n")
    rec.add_source(plan)
    files = rec.provenance()["data_files"]
    assert [f["release"] for f in files] == ["v2026.01", None]
    html = rec.provenance_html()
    assert ">Release</th>" in html and "<td>v2026.01</td>" in html


# ---- diff ---------------------------------------------------------------------------------


def _metric(result, file: str, metric: str):
    fd = next(f for f in result.files if f.name == file)
    return next(m for m in fd.metrics if m.metric == metric)


def test_diff_lists_added_renamed_dropped_metrics_and_years():
    result = diff(OLD_DATA, NEW_DATA)
    assert [f.name for f in result.files] == [COUNTY, GENDER, CITY]
    assert result.files_added == result.files_removed == []
    county = result.files[0]
    assert county.metrics_added == ["share_employed"]
    assert county.renamed == {"meps20_black": "share_meps20_black"}
    assert county.metrics_dropped == ["share_debt_coll"]
    assert (county.years_added, county.years_removed) == ([2023], [])
    assert (county.rows_compared, county.rows_added, county.rows_removed) == (6, 3, 0)
    assert result.files[1].years_added == [] and result.files[2].years_added == [2023]


def test_diff_summarises_revised_values_per_metric():
    result = diff(OLD_DATA, NEW_DATA)
    income = _metric(result, COUNTY, "pctl_income_50")
    assert (income.changed, income.filled, income.blanked, income.flags_changed) == (2, 0, 0, 0)
    assert income.largest_change == -800
    assert (income.largest_geoid, income.largest_year) == ("48453", 2021)
    assert income.largest_name == "Travis County, TX"
    assert (income.places_affected, income.places_compared) == (2, 3)
    assert income.share_places_affected == pytest.approx(2 / 3)

    meps = _metric(result, COUNTY, "share_meps20_black")
    assert meps.old_name == "meps20_black"
    assert (meps.changed, meps.filled, meps.flags_changed, meps.largest_change) == (0, 1, 2, None)
    assert (meps.places_affected, meps.places_compared) == (2, 3)

    employed = _metric(result, GENDER, "share_employed")
    assert (employed.rows_compared, employed.changed) == (9, 1)
    assert employed.largest_change == pytest.approx(0.01)
    assert (employed.places_affected, employed.places_compared) == (1, 2)

    debt = _metric(result, CITY, "share_debt_coll")
    assert (debt.changed, debt.largest_change) == (1, pytest.approx(-0.01))
    assert debt.largest_geoid == "4805000"
    city_income = _metric(result, CITY, "pctl_income_50")
    assert (city_income.blanked, city_income.flags_changed, city_income.places_affected) == (
        1,
        1,
        1,
    )

    summary = result.summary()
    assert len(summary) == 5  # unchanged metrics are left out
    assert set(summary["metric"]) == {
        "pctl_income_50",
        "share_meps20_black",
        "share_employed",
        "share_debt_coll",
    }
    text = result.text()
    assert "meps20_black -> share_meps20_black" in text
    assert "-800: Travis County, TX 2021" in text and "2 of 3 (66.7%)" in text


def test_diff_for_one_place_lists_each_changed_value():
    result = diff(OLD_DATA, NEW_DATA, "Travis County, TX")
    assert result.place == {"geoid": "48453", "level": "county", "name": "Travis County, Texas"}
    rows = result.place_changes[["file", "metric", "subgroup", "year", "old", "new", "kind"]]
    got = [tuple(r) for r in rows.itertuples(index=False)]
    assert got[0] == (COUNTY, "pctl_income_50", "All", 2021, 85000.0, 84200.0, "revised")
    assert got[1][:4] == (COUNTY, "share_meps20_black", "All", 2022)
    assert got[1][5:] == (0.31, "new value") and got[1][4] != got[1][4]  # NaN before
    assert got[2] == (GENDER, "share_employed", "Female", 2022, 0.63, 0.64, "revised")
    assert len(got) == 3
    assert result.place_years_added == [2023]

    city = diff(OLD_DATA, NEW_DATA, "Austin, TX", level="place")
    assert city.place["geoid"] == "4805000"
    assert city.place_changes[["metric", "year", "old", "new"]].values.tolist() == [
        ["share_debt_coll", 2022, 0.18, 0.17]
    ]


def test_diff_of_tags_in_the_cache(server: FakeReleases):
    _update()
    _update("v2026.01", manifest=MANIFEST_2026)
    result = diff("v2025.01", "v2026.01", "48453")
    assert (result.old, result.new) == ("v2025.01", "v2026.01")
    assert len(result.place_changes) == 3
    with pytest.raises(ReleaseError) as info:
        diff("v2024.01", "v2026.01")
    assert "v2025.01, v2026.01" in str(info.value)
    assert "mobility-nb data update --release v2024.01" in str(info.value)


# ---- command line ------------------------------------------------------------------------


def test_cli_data_commands(server: FakeReleases, capsys: pytest.CaptureFixture[str]):
    assert cli.main(["data", "update"]) == 0
    assert "Release v2025.01 is current and complete." in capsys.readouterr().out
    code = cli.main(["data", "update", "--release", "v2026.01", "--manifest", str(MANIFEST_2026)])
    out, err = capsys.readouterr()
    assert code == 0 and "now current (was v2025.01)" in out and "[3/3]" in err
    assert cli.main(["data", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["current"] == "v2026.01"
    assert cli.main(["data", "diff", "v2025.01", "v2026.01", "-j", "Travis County, TX"]) == 0
    row = r"share_employed\s+gender: Female\s+2022\s+0\.63\s+0\.64\s+revised"
    assert re.search(row, capsys.readouterr().out)
    assert cli.main(["data", "diff", "v2025.01", "nope"]) == 2
    err = capsys.readouterr().err
    assert "NEW 'nope' is neither a folder nor a release" in err and "Traceback" not in err


def test_a_damaged_pointer_is_explained(server: FakeReleases):
    _update()
    (_cache() / layout.POINTER_FILE).write_text("{oops")
    with pytest.raises(DataDirectoryError, match="is damaged"):
        status()


# ---- the real files (read in place) -------------------------------------------------------


@pytest.mark.shared
def test_status_of_the_shared_folder_identifies_urban_bytes(shared_mm_dir: Path):
    st = status(shared_mm_dir)
    by_name = {f.name: f for f in st.files}
    assert by_name["63_mobility-metrics_place_race-share_longitudinal.csv"].release_label == (
        "v2025.01 (checksum)"
    )
    assert by_name["02_mobility-metrics_race_longitudinal.csv"].release == "commit b412135"
    rebuilt = by_name[COUNTY]  # our rebuild, not Urban's bytes
    assert rebuilt.release == "unknown" and rebuilt.years == "2014–2023"
    assert by_name[CITY].path.parent.name == "assembled"  # the copy the loaders read


def test_files_pinned_to_a_commit_follow_the_switch_and_stale_partials_go(
    server: FakeReleases, monkeypatch: pytest.MonkeyPatch
):
    from dataclasses import replace

    from mobility_nb.data import releases

    race = "02_mobility-metrics_race_longitudinal.csv"  # pinned to commit b412135
    specs = [replace(s, sha256=None) if s.name == race else s for s in download.known_files()]
    monkeypatch.setattr(releases, "known_files", lambda: specs)
    _update()
    old = _cache() / "releases" / "v2025.01"
    (old / race).write_text("year,state,county,state_name,county_name,population\n")
    ref = next(s.ref for s in specs if s.name == race)
    origin.write_record(old / race, ref=ref, url="http://example/x", sha256=_sha(old / race))
    new = _cache() / "releases" / "v2026.01"
    new.mkdir(parents=True)
    stale = new / f".{COUNTY}.abc.part"
    stale.write_text("half")
    os.utime(stale, (1, 1))

    result = _update("v2026.01", manifest=MANIFEST_2026)
    assert result.carried == [race]
    assert origin.release_of(new / race) == "commit b412135"
    assert not stale.exists()


def test_years_are_written_compactly():
    from mobility_nb.data.releases import years_compact

    assert years_compact([2023, 2014, 2015, 2016, 2017, 2018, 2019, 2021]) == (
        "2014–2019, 2021, 2023"
    )
    assert years_compact([2014, 2015, 2018]) == "2014, 2015, 2018"
