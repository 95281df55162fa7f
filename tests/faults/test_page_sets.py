"""A page's files appear together or not at all (full disk included); resume checks them."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support.batch import manifest
from support.faults import run_cli

from mobility_nb.errors import MobilityNBError
from mobility_nb.run import pageset
from mobility_nb.run.fingerprint import is_current, package_digest
from mobility_nb.run.pageset import commit_files

pytestmark = pytest.mark.faults

NAMES = ["p.provenance.json", "p.csv", "p.plan.xlsx", "p.html", "p.fingerprint"]


def _version(tag: str) -> dict[str, bytes]:
    """A page set as the pipeline writes one (its HTML and provenance carry our marks)."""
    files = {f"step2/{n}": f"{tag} {n} ".encode() * 50 for n in NAMES}
    files["step2/p.html"] = f'<meta name="generator" content="mobility-nb x">{tag}'.encode()
    files["step2/p.provenance.json"] = json.dumps({"package": "mobility-nb", "t": tag}).encode()
    return files


def _state(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def _fail_at(monkeypatch, target: str, at: int) -> None:
    """Make the ``at``-th call of ``target`` (write_temp, link or replace) hit a full disk."""
    calls = {"n": 0}
    if target == "write":
        real = pageset.write_temp

        def write(path, data):
            calls["n"] += 1
            if calls["n"] == at + 1:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(path, data)

        monkeypatch.setattr(pageset, "write_temp", write)
        return
    real_os = getattr(os, target)

    def fail(*args, **kw):
        calls["n"] += 1
        if calls["n"] == at + 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_os(*args, **kw)

    monkeypatch.setattr(os, target, fail)


@pytest.mark.parametrize(
    ("before", "stage"),
    [  # with no page yet there is no older file to keep (no link)
        ("no page yet", "write"),
        ("no page yet", "replace"),
        ("an older page", "write"),
        ("an older page", "link"),
        ("an older page", "replace"),
    ],
)
@pytest.mark.parametrize("at", range(len(NAMES)))
def test_a_full_disk_at_any_file_leaves_the_old_page_or_none(
    before, stage, at, tmp_path, monkeypatch, faults
):
    out = tmp_path / "out"
    if before == "an older page":
        commit_files(out, _version("old"), stem="p", what="P")
    old = _state(out) if out.exists() else {}
    case = faults.case(f"ENOSPC at {stage} #{at + 1} over {before}")
    with monkeypatch.context() as mp:
        _fail_at(mp, stage, at)
        with pytest.raises(MobilityNBError) as err:
            commit_files(out, _version("new"), stem="p", what="Adams County, PA")
    case.error(err.value, names=["Adams County, PA", "the disk is full"])
    after = _state(out) if out.exists() else {}
    if after != old:
        case._found("partial", f"the page set changed: {sorted(set(after) ^ set(old))}")
    case.no_partial(out, pages=False)


def test_a_successful_commit_replaces_every_file(tmp_path):
    out = tmp_path / "out"
    commit_files(out, _version("old"), stem="p", what="P")
    commit_files(out, _version("new"), stem="p", what="P")
    assert _state(out) == _version("new")


@pytest.fixture(scope="session")
def small_disk(tmp_path_factory):
    """A 160 KB tmpfs (room for about two fixture pages); skipped where mounting is not allowed."""
    folder = tmp_path_factory.mktemp("small-disk")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(folder)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(
            "cannot mount a small tmpfs here (needs root); the injected ENOSPC cases cover it"
        )
    yield folder
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_a_batch_filling_a_small_disk_leaves_only_whole_pages(small_disk, books, faults):
    out = small_disk / "site"
    listing = small_disk.parent / "six.yaml"
    listing.write_text("".join(f'- "420{n:02d}"\n' for n in (1, 3, 5, 7, 9, 11)))
    result = run_cli(
        books, "batch", "--list", str(listing), "--out", str(out), "--workers", "1", "--no-progress"
    )
    case = faults.case("batch onto a disk that fills up", expect="carries on")
    case.no_traceback(result.stdout, result.stderr)
    assert result.returncode in (1, 2), result.stdout + result.stderr
    assert "the disk is full" in result.stdout + result.stderr
    case.no_partial(out)
    written = list((out / "step2").glob("*.html"))
    assert 0 < len(written) < 6


def test_run_onto_a_full_disk_is_a_clean_error_and_leaves_nothing(small_disk, books, faults):
    out = small_disk / "one"
    out.mkdir(exist_ok=True)
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as fh:  # fill the disk up, but for a few KB
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - 12 * 1024))
    try:
        result = run_cli(books, "run", "step2", "-j", "42013", "--out", str(out))
    finally:
        filler.unlink()
    case = faults.case("run onto a full disk")
    case.cli_error(result.returncode, result.stdout, result.stderr, names=["the disk is full"])
    case.no_partial(out)
    assert not [p for p in out.iterdir() if not p.name.startswith("_failed")]


@pytest.fixture(scope="module")
def site(books, tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "out"
    listing = out.parent / "four.yaml"
    listing.write_text('- "42001"\n- "42003"\n- "42005"\n- "42007"\n')
    result = run_cli(books, "batch", "--list", str(listing), "--out", str(out), "--no-progress")
    assert result.returncode == 0, result.stderr
    return out, listing


def test_resume_rebuilds_damaged_pages_instead_of_trusting_them(site, books, tmp_path, faults):
    """An emptied HTML, a corrupted provenance (same size), a deleted CSV and a deleted
    provenance are each rebuilt; the untouched page stays "already up to date"."""
    source, listing = site
    out = tmp_path / "out"
    shutil.copytree(source, out)
    step = out / "step2"
    fingerprints = {
        json.loads(p.read_text())["jurisdiction"]: json.loads(p.read_text())["fingerprint"]
        for p in step.glob("*.fingerprint")
    }
    pages = {g: next(step.glob(f"{g}-*.html")) for g in fingerprints}

    def damage_html(p: Path) -> None:
        p.write_bytes(b"")

    def damage_prov(p: Path) -> None:
        prov = p.with_name(p.name.replace(".html", ".provenance.json"))
        data = bytearray(prov.read_bytes())
        data[10] ^= 0x20  # one flipped bit, same size
        prov.write_bytes(bytes(data))

    damages = {
        "42001": ("emptied HTML", damage_html),
        "42003": ("corrupted provenance", damage_prov),
        "42005": ("deleted CSV", lambda p: p.with_suffix(".csv").unlink()),
        "42007": (
            "deleted provenance",
            lambda p: p.with_name(p.name.replace(".html", ".provenance.json")).unlink(),
        ),
    }
    for geoid, (what, damage) in damages.items():
        case = faults.case(f"resume after a {what}", expect="carries on")
        page = f"step2/{pages[geoid].name}"
        assert is_current(out, page, fingerprints[geoid])
        damage(pages[geoid])
        assert not is_current(out, page, fingerprints[geoid]), what
    assert package_digest()
    result = run_cli(books, "batch", "--list", str(listing), "--out", str(out), "--no-progress")
    case = faults.case("rerun over four damaged pages", expect="carries on")
    case.no_traceback(result.stdout, result.stderr)
    assert result.returncode == 0, result.stderr
    assert manifest(out)["counts"] == {"ok": 4, "skipped": 0, "failed": 0}
    case.no_partial(out)
    for geoid, page in pages.items():
        assert page.read_bytes() and is_current(out, f"step2/{page.name}", fingerprints[geoid])
