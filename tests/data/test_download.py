"""Downloads of missing upstream files, against a local HTTP server (no internet)."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.paths import FIXTURES as FIXTURES_ROOT
from support.paths import shared_mm_path

from mobility_nb.config import find_file
from mobility_nb.data import download
from mobility_nb.data.download import (
    DEFAULT_URL_TEMPLATE,
    ensure_file,
    known_files,
    upstream_url,
)
from mobility_nb.data.origin import release_of
from mobility_nb.errors import DownloadError

FIXTURES = FIXTURES_ROOT / "download"
CITY = "61_mobility-metrics_place_longitudinal.csv"
GENDER = "66_mobility-metrics_place_gender_longitudinal.csv"
SHARED = shared_mm_path()


@dataclass
class FakeUpstream:
    """What the local server was asked for, and how it should answer each file.

    ``plans[name]`` is a list of steps used one per request (the last one repeats):
    "file" serves the fixture of that name; "file:<fixture>" another fixture; an int is an
    error status; "truncate" promises the whole fixture but sends half; "chop" sends the
    fixture minus its last bytes as if complete; "empty" sends an empty 200 response.
    """

    url_template: str
    requests: list[str] = field(default_factory=list)
    plans: dict[str, list[str | int]] = field(default_factory=dict)

    def count(self, name: str) -> int:
        return sum(path.endswith("/" + name) for path in self.requests)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeUpstream

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.fake.requests.append(self.path)
        name = self.path.rsplit("/", 1)[-1]
        plan = self.fake.plans.get(name, ["file"])
        step = plan.pop(0) if len(plan) > 1 else plan[0]
        if isinstance(step, int):
            self.send_error(step)
            return
        if step == "empty":
            self._send(b"")
            return
        fixture = step.split(":", 1)[1] if step.startswith("file:") else name
        path = FIXTURES / fixture
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        if step == "truncate":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(body[:-7] if step == "chop" else body)

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeUpstream]:
    handler = type("Handler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    port = server.server_address[1]
    fake = FakeUpstream(url_template=f"http://127.0.0.1:{port}/{{ref}}/{{path}}")
    handler.fake = fake
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    monkeypatch.setenv(download.URL_ENV_VAR, fake.url_template)
    monkeypatch.setenv(download.QUIET_ENV_VAR, "1")
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def _leftovers(root: Path) -> list[str]:
    """Data files below ``root`` (download records in .mobility-nb/ are not data)."""
    return sorted(p.name for p in root.rglob("*") if p.is_file() and ".mobility-nb" not in p.parts)


def _fetch(name: str, root: Path, **kwargs: object) -> Path:
    return ensure_file(name, root, backoff=0, timeout=5, **kwargs)  # type: ignore[arg-type]


def test_downloads_missing_file_from_pinned_release(upstream: FakeUpstream, tmp_path: Path):
    got = _fetch(CITY, tmp_path / "cache")
    assert got == tmp_path / "cache" / CITY
    assert got.read_bytes() == (FIXTURES / CITY).read_bytes()
    assert upstream.requests == [f"/v2025.01/data/{CITY}"]
    assert _leftovers(tmp_path) == [CITY]
    record = json.loads((tmp_path / "cache" / ".mobility-nb" / f"{CITY}.json").read_text())
    assert record["ref"] == "v2025.01"
    assert record["url"] == upstream.url_template.format(ref="v2025.01", path=f"data/{CITY}")
    assert record["sha256"] == hashlib.sha256(got.read_bytes()).hexdigest()
    assert release_of(got) == "v2025.01"


def test_second_call_uses_the_cached_file_without_a_request(upstream: FakeUpstream, tmp_path: Path):
    first = _fetch(CITY, tmp_path)
    second = _fetch(CITY, tmp_path)
    assert first == second
    assert upstream.count(CITY) == 1


def test_file_already_in_a_subfolder_is_used_as_is(upstream: FakeUpstream, tmp_path: Path):
    local = tmp_path / "assembled" / CITY
    local.parent.mkdir()
    local.write_text("year,state,place\nlocal copy\n")
    assert _fetch(CITY, tmp_path) == local
    assert upstream.requests == []


def test_404_says_the_file_is_not_published_at_that_ref(upstream: FakeUpstream, tmp_path):
    upstream.plans[CITY] = [404]
    with pytest.raises(DownloadError) as err:
        _fetch(CITY, tmp_path)
    text = str(err.value)
    assert "not published at 'v2025.01'" in text
    assert CITY in text and upstream.url_template.split("{")[0] in text
    assert str(tmp_path) in text and "MOBILITY_NB_DATA" in text
    assert upstream.count(CITY) == 1  # a 404 is not retried
    assert _leftovers(tmp_path) == []


def test_server_errors_are_retried_until_success(upstream: FakeUpstream, tmp_path: Path):
    upstream.plans[CITY] = [500, 503, "file"]
    got = _fetch(CITY, tmp_path)
    assert got.read_bytes() == (FIXTURES / CITY).read_bytes()
    assert upstream.count(CITY) == 3


def test_persistent_server_error_gives_up_after_the_retries(upstream: FakeUpstream, tmp_path):
    upstream.plans[CITY] = [502]
    with pytest.raises(DownloadError, match=r"502 .*gave up after 3 attempts"):
        _fetch(CITY, tmp_path, retries=2)
    assert upstream.count(CITY) == 3
    assert _leftovers(tmp_path) == []


def test_truncated_body_is_retried_then_reported(upstream: FakeUpstream, tmp_path: Path):
    upstream.plans[CITY] = ["truncate"]
    with pytest.raises(DownloadError, match="broke off before the whole file arrived"):
        _fetch(CITY, tmp_path, retries=1)
    assert upstream.count(CITY) == 2
    assert _leftovers(tmp_path) == []


def test_body_cut_mid_line_without_length_mismatch_is_caught(upstream: FakeUpstream, tmp_path):
    upstream.plans[CITY] = ["chop"]
    with pytest.raises(DownloadError, match="ends mid-line.*cut off"):
        _fetch(CITY, tmp_path, retries=0)
    assert _leftovers(tmp_path) == []


def test_truncated_body_then_good_body_succeeds(upstream: FakeUpstream, tmp_path: Path):
    upstream.plans[CITY] = ["truncate", "file"]
    assert _fetch(CITY, tmp_path).read_bytes() == (FIXTURES / CITY).read_bytes()


def test_empty_body_is_an_error(upstream: FakeUpstream, tmp_path: Path):
    upstream.plans[CITY] = ["empty"]
    with pytest.raises(DownloadError, match="empty file"):
        _fetch(CITY, tmp_path, retries=0)
    assert _leftovers(tmp_path) == []


def test_checksum_mismatch_is_an_error_and_keeps_nothing(upstream: FakeUpstream, tmp_path):
    # The manifest pins the real release checksum; our fixture has other bytes.
    with pytest.raises(DownloadError, match="sha256 checksum") as err:
        _fetch(GENDER, tmp_path)
    assert download.upstream_file(GENDER).sha256 in str(err.value)
    assert upstream.count(GENDER) == 1  # not retried: the same bytes would come again
    assert _leftovers(tmp_path) == []


def test_matching_checksum_is_accepted(
    upstream: FakeUpstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    body = (FIXTURES / GENDER).read_bytes()
    spec = replace(download.upstream_file(GENDER), sha256=hashlib.sha256(body).hexdigest())
    monkeypatch.setitem(download._manifest(), GENDER, spec)
    assert _fetch(GENDER, tmp_path).read_bytes() == body


def test_wrong_header_is_an_error(upstream: FakeUpstream, tmp_path: Path):
    upstream.plans[CITY] = ["file:error_page.html"]
    with pytest.raises(DownloadError, match="expected columns year,state,place") as err:
        _fetch(CITY, tmp_path)
    assert "<!DOCTYPE html>" in str(err.value)
    assert _leftovers(tmp_path) == []


def test_header_of_another_file_is_an_error(upstream: FakeUpstream, tmp_path: Path):
    county = "11_mobility-metrics_county_longitudinal.csv"
    upstream.plans[county] = [f"file:{CITY}"]
    with pytest.raises(DownloadError, match="year,state,county"):
        _fetch(county, tmp_path)
    assert _leftovers(tmp_path) == []


def test_unreachable_server_is_retried_then_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv(download.URL_ENV_VAR, f"http://127.0.0.1:{port}/{{ref}}/{{path}}")
    with pytest.raises(DownloadError, match="could not connect.*gave up after 2 attempts"):
        _fetch(CITY, tmp_path, retries=1)
    assert _leftovers(tmp_path) == []


def test_data_dir_that_cannot_be_created_is_explained(upstream: FakeUpstream, tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(DownloadError, match="data directory cannot be created"):
        _fetch(CITY, blocker / "cache")
    assert upstream.requests == []


def test_unknown_file_name_lists_known_files(tmp_path: Path):
    with pytest.raises(DownloadError, match="not a file mobility-nb knows") as err:
        _fetch("99_made-up.csv", tmp_path)
    assert CITY in str(err.value)


def test_url_template_without_path_placeholder_is_rejected(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(download.URL_ENV_VAR, "https://example.org/files")
    with pytest.raises(DownloadError, match=r"no \{path\} placeholder"):
        upstream_url(CITY)


def test_default_url_is_the_raw_github_file_at_the_pinned_ref(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(download.URL_ENV_VAR, raising=False)
    assert upstream_url(GENDER) == (
        "https://raw.githubusercontent.com/UI-Research/mobility-from-poverty/v2025.01/"
        f"data/{GENDER}"
    )
    assert upstream_url(GENDER) == DEFAULT_URL_TEMPLATE.format(
        ref="v2025.01", path=f"data/{GENDER}"
    )


def test_credentials_in_the_url_are_not_printed(monkeypatch: pytest.MonkeyPatch, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv(
        download.URL_ENV_VAR, f"http://user:s3cret@127.0.0.1:{port}/{{ref}}/{{path}}?token=t0k"
    )
    with pytest.raises(DownloadError) as err:
        _fetch(CITY, tmp_path, retries=0)
    assert "s3cret" not in str(err.value) and "t0k" not in str(err.value)
    assert f"127.0.0.1:{port}/v2025.01/data/{CITY}" in str(err.value)


def test_manifest_covers_the_2025_release_files():
    names = {f.name for f in known_files()}
    for prefix in [*range(11, 21), *range(61, 69)]:
        assert any(n.startswith(f"{prefix}_") for n in names), prefix
    for spec in known_files():
        assert spec.path == f"data/{spec.name}"
        assert spec.header[:2] == ("year", "state") or spec.name.startswith("00_")
        if spec.name[:2] in {"11", "61"}:
            assert spec.sha256 is None  # the shared copies are rebuilds, not Urban's bytes


@pytest.mark.shared
def test_manifest_matches_the_real_upstream_files():
    """Checksums and headers in the manifest agree with the verbatim copies in ../shared."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    checked = 0
    for spec in known_files():
        path = find_file(SHARED, spec.name)
        if path is None:
            continue
        with path.open(encoding="utf-8") as fh:
            header = tuple(fh.readline().rstrip("\n").split(","))
        assert header[: len(spec.header)] == spec.header, spec.name
        if spec.sha256:
            assert hashlib.sha256(path.read_bytes()).hexdigest() == spec.sha256, spec.name
            checked += 1
    assert checked >= 8  # 63-68, 02, 06 (and 00) are byte-identical upstream copies


class _FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("quiet", "shows_bar"), [("", True), ("1", False)])
def test_progress_bar_only_on_a_terminal_and_not_when_quiet(
    upstream: FakeUpstream,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    quiet: str,
    shows_bar: bool,
):
    terminal = _FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv(download.QUIET_ENV_VAR, quiet)
    _fetch(CITY, tmp_path)
    assert (f"Downloading {CITY}" in terminal.getvalue()) is shows_bar
