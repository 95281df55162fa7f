"""Fingerprints, the manifest and the index page (no kernels)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mobility_nb.render.notebook_html import external_references
from mobility_nb.run.batch.index_page import collect_entries, write_index
from mobility_nb.run.batch.manifest import Manifest
from mobility_nb.run.fingerprint import (
    data_digest,
    is_current,
    package_digest,
    package_files,
    page_fingerprint,
    write_sidecar,
)
from mobility_nb.run.jobs import Outcome


def _page(out: Path, stem: str, side: dict, years: list[str] | None = None) -> None:
    folder = out / "step2"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.html").write_text("<html></html>")
    (folder / f"{stem}.provenance.json").write_text(json.dumps({"data_years": years or []}))
    write_sidecar(
        out, f"step2/{stem}.html", {"step": "step2", "code_digest": package_digest(), **side}
    )


def test_fingerprint_changes_with_each_input(tmp_path):
    base = page_fingerprint("nb1", {"jurisdiction": "42001", "peers": ["42003"]}, "d1", "0.1")
    assert base == page_fingerprint(
        "nb1", {"peers": ["42003"], "jurisdiction": "42001"}, "d1", "0.1"
    )
    assert base != page_fingerprint(
        "nb2", {"jurisdiction": "42001", "peers": ["42003"]}, "d1", "0.1"
    )
    assert base != page_fingerprint("nb1", {"jurisdiction": "42001", "peers": []}, "d1", "0.1")
    assert base != page_fingerprint(
        "nb1", {"jurisdiction": "42001", "peers": ["42003"]}, "d2", "0.1"
    )
    assert base != page_fingerprint(
        "nb1", {"jurisdiction": "42001", "peers": ["42003"]}, "d1", "0.2"
    )
    # Where the data and artifacts live does not change what the page shows.
    assert base == page_fingerprint(
        "nb1",
        {"jurisdiction": "42001", "peers": ["42003"], "data_dir": "/x", "artifacts_dir": "/tmp/y"},
        "d1",
        "0.1",
    )


def test_data_digest_sees_content_changes_only(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.csv").write_text("x\n1\n")
    (tmp_path / ".a.csv.part").write_text("half")  # hidden temp files are ignored
    first = data_digest([tmp_path])
    assert first == data_digest([tmp_path])
    (tmp_path / "sub" / "a.csv").write_text("x\n2\n")
    assert data_digest([tmp_path]) != first


def test_is_current_needs_matching_fingerprint_page_and_code(tmp_path):
    _page(tmp_path, "p", {"fingerprint": "abc"})
    assert is_current(tmp_path, "step2/p.html", "abc")
    assert not is_current(tmp_path, "step2/p.html", "abd")
    assert not is_current(tmp_path, "step2/q.html", "abc")
    (tmp_path / "step2" / "p.html").unlink()  # record without its page
    assert not is_current(tmp_path, "step2/p.html", "abc")
    _page(tmp_path, "r", {"fingerprint": "abc", "code_digest": "stale"})
    assert not is_current(tmp_path, "step2/r.html", "abc")  # the code it ran has changed


def test_package_digest_covers_every_package_file_and_the_next_run_sees_edits(
    tmp_path, monkeypatch
):
    import mobility_nb
    from mobility_nb.run import fingerprint

    names = {p.relative_to(Path(mobility_nb.__file__).parent).as_posix() for p in package_files()}
    # code, notebooks and templates alike, with no hand-kept list
    assert {"run/publish.py", "steps/step2/step2_mobility_metrics.ipynb"} <= names
    assert any(n.startswith("resources/templates/") for n in names)
    fake = tmp_path / "pkg"
    (fake / "steps").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "steps" / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(fingerprint, "_package_root", lambda: fake)
    monkeypatch.setattr(fingerprint, "_DIGEST", {})
    before = package_digest()
    (fake / "steps" / "b.py").write_text("y = 2\n")  # a new module (e.g. after a rename)
    assert package_digest() == before  # this process still runs the code it started with
    monkeypatch.setattr(fingerprint, "_DIGEST", {})  # the next run
    renamed = package_digest()
    assert renamed != before
    (fake / "steps" / "a.py").write_text("x = 3\n")  # an edit of the same size
    monkeypatch.setattr(fingerprint, "_DIGEST", {})
    assert package_digest() not in (before, renamed)


def test_manifest_records_failures_without_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("CENSUS_API_KEY", "abcdef123456")
    m = Manifest(tmp_path, {"workers": 2})
    m.add(
        Outcome(
            "step2", "42001", "Adams County", "PA", "county", "ok", seconds=0.5, page="step2/a.html"
        )
    )
    m.add(
        Outcome(
            "step2",
            "42999",
            "Hollow County",
            "PA",
            "county",
            "failed",
            seconds=0.2,
            cell_index=4,
            ename="HTTPError",
            evalue="403 for https://api.census.gov/data?key=abcdef123456&get=x",
        )
    )
    m.finish()
    data = json.loads((tmp_path / "manifest.json").read_text())
    assert data["state"] == "finished" and data["workers"] == 2
    assert data["counts"] == {"ok": 1, "skipped": 0, "failed": 1}
    failure = data["pages"][1]
    assert failure["cell_index"] == 4 and failure["ename"] == "HTTPError"
    assert "abcdef123456" not in (tmp_path / "manifest.json").read_text()
    summary = m.summary()
    assert "1 page(s) written" in summary and "1 failed" in summary
    assert "Hollow County, PA (42999), cell 4: HTTPError" in summary
    assert "abcdef123456" not in summary


@pytest.fixture()
def site(tmp_path) -> Path:
    _page(
        tmp_path,
        "42001-adams",
        {
            "fingerprint": "1",
            "jurisdiction": "42001",
            "name": "Adams County",
            "state": "PA",
            "state_fips": "42",
            "level": "county",
            "generated_at": "2026-11-20T10:00:00Z",
        },
        years=["2014-2023"],
    )
    _page(
        tmp_path,
        "4260000-phila",
        {
            "fingerprint": "2",
            "jurisdiction": "4260000",
            "name": "Philadelphia <city>",
            "state": "PA",
            "state_fips": "42",
            "level": "place",
            "generated_at": "2026-11-21T10:00:00Z",
        },
    )
    _page(
        tmp_path,
        "17031-cook",
        {
            "fingerprint": "3",
            "jurisdiction": "17031",
            "name": "Cook County",
            "state": "IL",
            "state_fips": "17",
            "level": "county",
            "generated_at": "2026-11-21T11:00:00Z",
        },
        years=["2014-2023"],
    )
    (tmp_path / "step2" / "orphan.html").write_text("<html></html>")  # no record: not listed
    return tmp_path


def test_index_groups_by_state_and_level_with_relative_links(site):
    entries = collect_entries(site)
    assert [e.geoid for e in entries] == ["17031", "42001", "4260000"]
    page = write_index(site).read_text()
    assert page.index('<h2 id="s-IL">Illinois</h2>') < page.index("Pennsylvania</h2>")
    assert "Counties (1)" in page and "Cities (1)" in page
    assert 'href="step2/42001-adams.html"' in page and "orphan" not in page
    assert "Philadelphia &lt;city&gt;" in page and "<city>" not in page  # escaped
    assert external_references(page) == []
    assert "<script src" not in page and "<link" not in page
    assert 'id="q"' in page and '<select id="state">' in page and '<select id="level">' in page
    assert "Pages last generated 2026-11-21 11:00:00 UTC" in page
    assert "Data years: 2014–2023" in page
    assert "Clear filters" in page and 'id="nomatch"' in page  # says when nothing matches
    # works without JavaScript: every row is listed, the form appears only with the script
    assert '<form id="filters" role="search" aria-label="Filter the list" hidden>' in page


def test_index_of_an_empty_folder_says_so(tmp_path):
    assert "No pages have been published" in write_index(tmp_path).read_text()


def test_summary_prints_every_problem_of_our_errors_whole(tmp_path):
    from mobility_nb.errors import PlanError

    problems = [
        f"actions[0].indicators[{i}].source.metric: {'x' * 150} is not a known metric"
        for i in range(8)
    ]
    m = Manifest(tmp_path)
    m.add(
        Outcome(
            "step8",
            "42001",
            "Adams County",
            "PA",
            "county",
            "failed",
            ename="PlanError",
            evalue=str(PlanError("plan.xlsx", problems)),
        )
    )
    m.add(
        Outcome(
            "step2",
            "42003",
            "Allegheny County",
            "PA",
            "county",
            "failed",
            ename="KeyError",
            evalue="y" * 400,
        )
    )
    lines = m.summary().splitlines()
    head = next(i for i, ln in enumerate(lines) if "Adams County" in ln)
    assert lines[head].endswith("PlanError: The measurement plan plan.xlsx has 8 problems:")
    assert [ln.strip() for ln in lines[head + 1 : head + 9]] == [f"- {p}" for p in problems]
    bug = next(ln for ln in lines if "Allegheny" in ln)
    assert bug.endswith("\u2026") and len(bug) < 220  # a bug's message stays one short line
    assert "KeyError: yyyy" in bug  # one long word is cut, not dropped


def test_index_refreshing_navigation_keeps_pages_current(tmp_path):
    """A place's Step 2 page built before its Step 8 page gets a link to it from the index;
    the rewritten HTML is re-recorded, so the next batch still skips the page."""
    for step in ("step2", "step8"):
        folder = tmp_path / step
        folder.mkdir()
        (folder / "17031-cook.html").write_text(
            '<html><body><nav class="mnb-nav" aria-label="Related pages"></nav></body></html>'
        )
        write_sidecar(
            tmp_path,
            f"{step}/17031-cook.html",
            {
                "step": step,
                "code_digest": package_digest(),
                "fingerprint": step,
                "jurisdiction": "17031",
                "name": "Cook County",
                "state": "IL",
                "state_fips": "17",
                "level": "county",
            },
        )
    before = (tmp_path / "step2" / "17031-cook.html").read_text()
    write_index(tmp_path)
    after = (tmp_path / "step2" / "17031-cook.html").read_text()
    assert after != before and "../step8/17031-cook.html" in after  # the link was added
    assert is_current(tmp_path, "step2/17031-cook.html", "step2")
    assert is_current(tmp_path, "step8/17031-cook.html", "step8")
