"""Install and run the tool the way real users do: from a wheel, and from a fresh clone.

Two users the repository's own checkout hides: one who ``pip install``s the package (no
checkout, notebooks only as package data) and one who clones the repository with no
``../shared`` beside it, so every Urban file must come through the download path. The
second is served by a local HTTP server standing in for GitHub (``MOBILITY_NB_UPSTREAM_URL``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.paths import REPO, shared_mm_path

pytestmark = [pytest.mark.install, pytest.mark.shared]


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user who has set nothing of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOBILITY_NB_")}
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


def _need_shared() -> Path:
    root = shared_mm_path()
    if not (root / "assembled").is_dir():
        pytest.skip(f"real Mobility Metrics not found at {root}")
    return root


def test_a_wheel_install_runs_a_page_from_any_folder_and_makes_a_workbook(tmp_path):
    data = _need_shared()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, str(REPO)], check=True, cwd=tmp_path)  # not editable
    elsewhere = tmp_path / "somewhere"
    elsewhere.mkdir()
    env = _clean_env(MOBILITY_NB_DATA=str(data), XDG_CACHE_HOME=str(tmp_path / "cache"))
    cli = str(venv / "bin" / "mobility-nb")
    done = subprocess.run(
        [cli, "run", "step2", "--jurisdiction", "17031", "--out", "pages"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    page = elsewhere / "pages" / "17031-cook-county-il.html"
    assert page.is_file() and page.stat().st_size > 50_000
    site = Path(
        subprocess.check_output(
            [str(venv / "bin" / "python"), "-c", "import mobility_nb; print(mobility_nb.__file__)"],
            cwd=elsewhere,
            text=True,
        ).strip()
    )
    assert REPO not in site.parents  # the installed copy ran, not the checkout
    done = subprocess.run(
        [cli, "init", "wb"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (elsewhere / "wb" / "notebooks" / "step8_measurement_plan.ipynb").is_file()
    assert (elsewhere / "wb" / "params" / "step8_philadelphia.yaml").is_file()


class _Upstream(SimpleHTTPRequestHandler):
    """Serves /<ref>/data/<name> from a flat folder of Urban's files, as GitHub would."""

    root: Path

    def translate_path(self, path: str) -> str:
        name = path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        hits = sorted(self.root.rglob(name))
        return str(hits[0]) if hits else str(self.root / "missing" / name)

    def log_message(self, *args: object) -> None:
        pass


def test_a_fresh_clone_without_shared_builds_the_demo_through_the_download_path(tmp_path):
    data = _need_shared()
    clone = tmp_path / "clone" / "mobility-nb"  # no ../shared beside it
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    handler = type("Upstream", (_Upstream,), {"root": data})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/{{ref}}/{{path}}"
        env = _clean_env(
            MOBILITY_NB_UPSTREAM_URL=url,
            MOBILITY_NB_US_ATLAS_URL=f"http://127.0.0.1:{server.server_port}/none.tgz",
            MOBILITY_NB_QUIET="1",
            XDG_CACHE_HOME=str(tmp_path / "cache"),
        )
        done = subprocess.run(
            ["make", "demo"], cwd=clone, env=env, capture_output=True, text=True, timeout=1800
        )
    finally:
        server.shutdown()
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    manifest = json.loads((clone / "outputs" / "manifest.json").read_text())
    ok = [p for p in manifest["pages"] if p["status"] in ("ok", "skipped")]
    assert {p["step"] for p in ok} >= {"step2", "step8"}, manifest["counts"]
    assert not [p for p in manifest["pages"] if p["step"] == "step2" and p["status"] == "failed"]
    assert (clone / "outputs" / "index.html").is_file()
    cached = list((tmp_path / "cache" / "mobility-nb").rglob("11_mobility-metrics_*.csv"))
    assert cached, "the county file should have been downloaded into the user cache"
    prov = json.loads(next((clone / "outputs" / "step2").glob("*.provenance.json")).read_text())
    releases = {f["name"]: f.get("release") for f in prov["data_files"]}
    # downloaded by mobility-nb, so the page names the release each file came from
    main = {r for n, r in releases.items() if n.startswith(("11_", "61_"))}
    assert main == {"v2025.01"}, releases
