"""Where files go: never outside --out, never over a user's file, --out checked first."""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
from pathlib import Path

import nbformat
import pytest
from support.faults import HOSTILE_NAMES, files_below, run_cli, snapshot

from mobility_nb.errors import MobilityNBError
from mobility_nb.run import paths as run_paths
from mobility_nb.run.paths import out_path

pytestmark = pytest.mark.faults


@pytest.mark.parametrize(
    "relative",
    [
        "../escape.html",
        "/etc/passwd",
        "step2/../../escape.html",
        "step2/_failed/../../../x.ipynb",
        "",
        ".",
        "step2//x.html",
        "x\x00.html",
        "01/../../../../../tmp/mnb-faults-evil-evil-al.html",
    ],
)
def test_the_safe_path_function_refuses_names_leaving_the_folder(relative, tmp_path, faults):
    case = faults.case(f"out_path refuses {relative!r}")
    before = files_below(tmp_path)
    with pytest.raises(MobilityNBError) as err:
        out_path(tmp_path / "out", relative)
    case.error(err.value, names=["outside the output folder"])
    case.nothing_outside(tmp_path, [], before)


def test_a_link_inside_the_folder_cannot_lead_elsewhere(tmp_path, faults):
    case = faults.case("step folder is a symlink to another place")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "step2").symlink_to(elsewhere)
    with pytest.raises(MobilityNBError) as err:
        out_path(tmp_path / "out", "step2/p.html")
    case.error(err.value)
    assert out_path(tmp_path / "out", "step3/p.html") == tmp_path.resolve() / "out/step3/p.html"


@pytest.mark.parametrize("stem", ["../../escape", "a/b", "/abs", ".hidden"])
def test_failed_notebooks_and_pages_get_the_same_name_check(stem, tmp_path, faults):
    from mobility_nb.run.publish import publish_page, save_failed_notebook

    nb = nbformat.v4.new_notebook()
    before = files_below(tmp_path)
    case = faults.case(f"failed notebook named {stem!r}")
    with pytest.raises(MobilityNBError) as err:
        save_failed_notebook(nb, tmp_path / "out", stem, "step2")
    case.error(err.value, names=[stem])
    case.nothing_outside(tmp_path, [], before)
    case = faults.case(f"page named {stem!r}")
    with pytest.raises(MobilityNBError) as err:
        publish_page(nb, tmp_path, tmp_path / "out", stem)
    case.error(err.value, names=[stem])
    case.nothing_outside(tmp_path, [], before)


def test_a_batch_over_hostile_rows(hostile_data, books, tmp_path_factory, faults):
    """One batch: hostile names (formulas, markup), a code climbing out of the folder, an
    unknown place, SQL and control characters, a 5,000-character name, and peers."""
    from support.batch import manifest

    base = tmp_path_factory.getbasetemp()
    root = tmp_path_factory.mktemp("hostile-batch")
    listing = root / "hostile.yaml"
    listing.write_text(
        '- jurisdiction: "01001"\n  peers: ["01003", "01009"]\n'
        '- "01005"\n- "01007"\n- "Evil, AL"\n- "01011"\n- "Nowhere County, ZZ"\n'
        '- "Robert\'); DROP TABLE jurisdictions;--"\n'
        f'- "{"A" * 5000}"\n- "\\u202eLIVE Adams\\x07"\n',
        encoding="utf-8",
    )
    before = files_below(base)
    out = root / "out"
    result = run_cli(
        books,
        "batch",
        "--list",
        str(listing),
        "--out",
        str(out),
        "--workers",
        "1",
        "--no-progress",
        data=hostile_data,
    )
    case = faults.case("batch over hostile names and codes", expect="carries on")
    case.no_traceback(result.stdout, result.stderr)
    assert result.returncode == 1, result.stderr
    case.nothing_outside(base, [out], before | {listing})
    assert not list(Path("/tmp").glob("mnb-faults-evil*"))  # where the hostile code points
    case.no_partial(out)
    pages = manifest(out)["pages"]
    failed = {p["jurisdiction"][:40]: p for p in pages if p["status"] == "failed"}
    assert len(failed) == 5 and sum(p["status"] == "ok" for p in pages) == 4
    for row, words in {
        "Evil, AL": ["not a plain file name"],
        "Nowhere County, ZZ": ["No county or city"],
        "Robert'); DROP TABLE jurisdictions;--": ["No county or city"],
        "A" * 40: ["No county or city"],
    }.items():
        rcase = faults.case(f"list row {row[:45]!r}")
        rcase.no_traceback(failed[row[:40]]["message"])
        assert all(w in failed[row[:40]]["message"] for w in words), failed[row[:40]]
        rcase.clean = True

    case = faults.case("hostile names in HTML pages and the index", expect="carries on")
    texts = [p.read_text(encoding="utf-8") for p in out.rglob("*.html")]
    assert len(texts) == 5  # four pages and the index
    for text in texts:
        assert "<script>alert('x')</script>" not in text
        assert "<img src=x onerror" not in text
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in index

    case = faults.case("formula names in a page's numbers CSV", expect="carries on")
    text = next((out / "step2").glob("01001-*.csv")).read_text(encoding="utf-8")
    shown = HOSTILE_NAMES["01003"].replace('"', '""')
    assert f"'{shown}" in text, text[:500]
    assert f"'{HOSTILE_NAMES['01009']}" in text


def test_every_file_in_the_output_folder_is_named_by_the_safe_path_function(
    tmp_path, books, monkeypatch, faults
):
    """Pages, fingerprints, failed notebooks, manifest, index and lock all pass out_path;
    a user's own files beside them are left alone, and a user's file with a page's name is
    not overwritten."""
    from support.batch import DATA

    from mobility_nb.cli.app import main

    case = faults.case("batch into a folder holding the user's own files", expect="carries on")
    out = tmp_path / "out"
    (out / "step2").mkdir(parents=True)
    mine = [out / ".notes.part", out / "notes.txt", out / "step2" / "mine.html"]
    for path in mine:
        path.write_text("the user's own words\n")
    theirs = out / "step2" / "42001-adams-county-pa.html"  # a page's name, not our page
    theirs.write_text("<html>mine</html>")
    kept = snapshot(*mine, theirs)
    named: list[Path] = []
    real = run_paths.out_path

    def recording(out_dir, relative):
        path = real(out_dir, relative)
        named.append(path)
        return path

    import mobility_nb.run.batch.manifest as manifest_mod
    import mobility_nb.run.batch.orchestrate as orchestrate_mod
    import mobility_nb.run.pageset as pageset_mod
    import mobility_nb.run.publish as publish_mod

    for module in (run_paths, manifest_mod, orchestrate_mod, pageset_mod, publish_mod):
        monkeypatch.setattr(module, "out_path", recording)
    monkeypatch.setenv("MOBILITY_NB_NOTEBOOKS", str(books))
    listing = tmp_path / "l.yaml"
    listing.write_text('- "42001"\n- "42003"\n- "42999"\n')
    rc = main(
        [
            "batch",
            "--list",
            str(listing),
            "--out",
            str(out),
            "--workers",
            "1",
            "--backend",
            "threads",
            "--no-progress",
            "--data-dir",
            str(DATA),
        ]
    )
    assert rc == 1  # 42001 refused (the user's file), 42999 has no values
    case.intact(kept)
    ours = files_below(out) - set(kept)
    assert {p.name for p in ours} >= {"manifest.json", "index.html", ".mobility-nb-batch.lock"}
    unnamed = {p for p in ours if p.resolve() not in {n.resolve() for n in named}}
    assert unnamed == set(), unnamed
    from support.batch import manifest

    message = next(p["message"] for p in manifest(out)["pages"] if p["jurisdiction"] == "42001")
    assert "was not written by mobility-nb, so it was left alone" in message


def test_a_users_index_and_manifest_are_never_overwritten(
    tmp_path, books, faults, capsys, monkeypatch
):
    from support.batch import DATA

    from mobility_nb.cli.app import main

    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("<html><body>Our coalition's home page</body></html>")
    (out / "manifest.json").write_text('{"name": "our web app"}')
    kept = snapshot(out / "index.html", out / "manifest.json")
    case = faults.case("batch into a folder with the user's index.html and manifest.json")
    rc = main(
        ["batch", "--list", str(tmp_path / "none.yaml"), "--out", str(out), "--data-dir", str(DATA)]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "does not exist" in err  # the list is checked first: nothing written
    (tmp_path / "l.yaml").write_text('- "42001"\n')
    monkeypatch.setenv("MOBILITY_NB_NOTEBOOKS", str(books))
    rc = main(
        [
            "batch",
            "--list",
            str(tmp_path / "l.yaml"),
            "--out",
            str(out),
            "--data-dir",
            str(DATA),
            "--no-progress",
        ]
    )
    captured = capsys.readouterr()
    case.cli_error(rc, captured.out, captured.err, names=["index.html", "manifest.json", "did not"])
    case.intact(kept)
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "manifest.json"]


def _read_only_folder(tmp_path: Path) -> contextlib.AbstractContextManager[Path]:
    @contextlib.contextmanager
    def mounted():
        folder = tmp_path / "ro"
        folder.mkdir()
        if os.geteuid() != 0:
            folder.chmod(0o555)
            yield folder
            folder.chmod(0o755)
            return
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
            capture_output=True,
        )
        if done.returncode != 0:
            pytest.skip("cannot mount a read-only tmpfs here")
        try:
            yield folder
        finally:
            subprocess.run(["umount", str(folder)], capture_output=True)

    return mounted()


@pytest.mark.parametrize("command", ["run", "batch"])
@pytest.mark.parametrize("where", ["a file", "under a file", "read-only"])
def test_an_unusable_out_is_refused_before_any_notebook_runs(
    command, where, tmp_path, books, faults, capsys, monkeypatch
):
    from support.batch import DATA

    from mobility_nb.cli.app import main

    started = []
    monkeypatch.setattr(
        "mobility_nb.run.papermill_engine.PapermillEngine.execute",
        lambda *a, **k: started.append(1),
    )
    monkeypatch.setattr(
        "mobility_nb.run.batch.orchestrate.run_threads", lambda *a: started.append(1)
    )
    monkeypatch.setenv("MOBILITY_NB_NOTEBOOKS", str(books))
    afile = tmp_path / "afile"
    afile.write_text("x")
    with contextlib.ExitStack() as stack:
        if where == "a file":
            out = afile
        elif where == "under a file":
            out = afile / "pages"
        else:
            out = stack.enter_context(_read_only_folder(tmp_path)) / "pages"
        case = faults.case(f"{command} --out {where}")
        (tmp_path / "l.yaml").write_text('- "42001"\n')
        what = (
            ["step2", "-j", "42001"] if command == "run" else ["--list", str(tmp_path / "l.yaml")]
        )
        rc = main([command, *what, "--out", str(out), "--data-dir", str(DATA)])
        captured = capsys.readouterr()
    case.cli_error(rc, captured.out, captured.err, names=[str(out)])
    assert started == [] and "Building" not in captured.out


def test_a_second_batch_into_the_same_folder_is_refused(tmp_path, books, faults, capsys):
    from support.batch import DATA

    from mobility_nb.cli.app import main

    out = tmp_path / "out"
    out.mkdir()
    case = faults.case("concurrent batch into a locked folder")
    (tmp_path / "l.yaml").write_text('- "42001"\n')
    with open(out / ".mobility-nb-batch.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        rc = main(
            [
                "batch",
                "--list",
                str(tmp_path / "l.yaml"),
                "--out",
                str(out),
                "--data-dir",
                str(DATA),
            ]
        )
    captured = capsys.readouterr()
    case.cli_error(rc, captured.out, captured.err, names=["Another mobility-nb batch", str(out)])
    assert not (out / "step2").exists()
