"""The demo's ACS store: replay, then the national and Albemarle imports, each once, in order."""

from __future__ import annotations

import pytest

from mobility_nb.cli import demo


@pytest.fixture
def steps(monkeypatch):
    """Filling steps that record their runs; ``stamps`` says what their inputs look like."""
    ran: list[str] = []
    stamps = {"replay": "r1", "national.yaml": "n1", "albemarle.yaml": "a1"}

    def replay(census_dir, store):
        return stamps["replay"], lambda: ran.append("replay")

    def imports(census_dir, store, name):
        return stamps[name], lambda: ran.append(name)

    monkeypatch.setattr(demo, "_replay_step", replay)
    monkeypatch.setattr(demo, "_import_step", imports)
    return ran, stamps


def test_first_run_fills_in_order_then_everything_is_skipped(tmp_path, steps):
    ran, _ = steps
    lines = demo.fill_demo_store(tmp_path, tmp_path / "store")
    assert ran == ["replay", "national.yaml", "albemarle.yaml"]
    assert all(" s" in line for line in lines)
    ran.clear()
    lines = demo.fill_demo_store(tmp_path, tmp_path / "store")
    assert ran == [] and all("already in the store" in line for line in lines)


def test_a_changed_step_reruns_with_every_step_after_it(tmp_path, steps):
    ran, stamps = steps
    demo.fill_demo_store(tmp_path, tmp_path / "store")
    ran.clear()
    stamps["national.yaml"] = "n2"  # the national files changed
    demo.fill_demo_store(tmp_path, tmp_path / "store")
    assert ran == ["national.yaml", "albemarle.yaml"]  # the county's files win again
    ran.clear()
    stamps["albemarle.yaml"] = "a2"
    demo.fill_demo_store(tmp_path, tmp_path / "store")
    assert ran == ["albemarle.yaml"]


def test_a_failed_step_is_not_recorded_as_done(tmp_path, steps, monkeypatch):
    ran, _ = steps

    def broken(census_dir, store, name):
        def run():
            raise RuntimeError("disk full")

        return "n1", run if name == "national.yaml" else (lambda: ran.append(name))

    monkeypatch.setattr(demo, "_import_step", broken)
    with pytest.raises(RuntimeError):
        demo.fill_demo_store(tmp_path, tmp_path / "store")
    monkeypatch.setattr(demo, "_import_step", lambda c, s, n: ("n1", lambda: ran.append(n)))
    ran.clear()
    demo.fill_demo_store(tmp_path, tmp_path / "store")
    assert ran == ["national.yaml", "albemarle.yaml"]


def test_the_demo_list_builds_albemarle_for_every_step():
    from mobility_nb.run.batch.selection import read_list

    rows = read_list(demo.DEMO_LIST)
    steps = sorted(s for r in rows if r.jurisdiction == "51003" for s in r.steps)
    assert steps == ["step2", "step5", "step8"]
    step5 = next(r for r in rows if r.jurisdiction == "51003" and r.steps == ["step5"])
    assert step5.params["acs_year"] == 2022
    assert all(f["base"] == "census-data" for f in step5.params["local_files"])  # read in place
