"""Finding the county boundary file, and downloading it from a local stand-in for npm."""

from __future__ import annotations

import hashlib
import io
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support.paths import FIXTURES as FIXTURES_ROOT

from mobility_nb.errors import AtlasError, DownloadError
from mobility_nb.geo import atlas
from mobility_nb.geo.atlas import US_ATLAS, atlas_path, ensure_atlas, find_atlas, load_atlas

TINY = FIXTURES_ROOT / "geo" / "tiny-counties.topojson"


def tarball(members: dict[str, bytes]) -> bytes:
    """An npm-style .tgz holding ``members`` (built from our own fixture, never the real file)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as archive:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return buf.getvalue()


@dataclass
class FakeRegistry:
    """A local server answering each GET with the next planned reply (the last one repeats)."""

    base: str
    replies: list[tuple[int, bytes]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRegistry]:
    monkeypatch.setenv("MOBILITY_NB_QUIET", "1")
    fake = FakeRegistry(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            fake.requests.append(self.path)
            status, body = fake.replies.pop(0) if len(fake.replies) > 1 else fake.replies[0]
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


def release_for(fake: FakeRegistry, package: bytes, member: bytes):
    """A release pinned to the fixture bytes, served by the fake registry."""
    return replace(
        US_ATLAS,
        url=f"{fake.base}/us-atlas/-/us-atlas-3.0.1.tgz",
        tarball_sha256=hashlib.sha256(package).hexdigest(),
        sha256=hashlib.sha256(member).hexdigest(),
    )


def test_download_checks_both_checksums_and_keeps_only_the_file(registry, tmp_path):
    member = TINY.read_bytes()
    package = tarball({"package/counties-10m.json": member, "package/LICENSE": b"ISC"})
    registry.replies = [(200, package)]
    path = ensure_atlas(tmp_path, release=release_for(registry, package, member), backoff=0)
    assert path == tmp_path / "counties-10m.json"
    assert path.read_bytes() == member
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counties-10m.json"]  # no .tgz/.part
    assert registry.requests == ["/us-atlas/-/us-atlas-3.0.1.tgz"]
    ensure_atlas(tmp_path, release=release_for(registry, package, member))
    assert len(registry.requests) == 1  # cached: no second request


def test_server_errors_are_retried(registry, tmp_path):
    member = TINY.read_bytes()
    package = tarball({"package/counties-10m.json": member})
    registry.replies = [(503, b"busy"), (200, package)]
    ensure_atlas(tmp_path, release=release_for(registry, package, member), backoff=0)
    assert len(registry.requests) == 2


@pytest.mark.parametrize(
    ("served", "problem"),
    [
        ("other", "sha256 checksum is"),  # not the pinned tarball
        ("no-member", "holds no file package/counties-10m.json"),
        ("changed-member", "in the package has sha256"),
        ("not-gzip", "not a readable .tgz"),
        (404, "404 Not Found: us-atlas@3.0.1 is not published"),
    ],
)
def test_bad_downloads_save_nothing_and_say_what_to_do(registry, tmp_path, served, problem):
    member = TINY.read_bytes()
    good = tarball({"package/counties-10m.json": member})
    release = release_for(registry, good, member)
    if served == "other":
        registry.replies = [(200, tarball({"package/counties-10m.json": b"{}"}))]
    elif served == "no-member":
        body = tarball({"package/README.md": b"hello"})
        release = replace(release, tarball_sha256=hashlib.sha256(body).hexdigest())
        registry.replies = [(200, body)]
    elif served == "changed-member":
        body = tarball({"package/counties-10m.json": member + b" "})
        release = replace(release, tarball_sha256=hashlib.sha256(body).hexdigest())
        registry.replies = [(200, body)]
    elif served == "not-gzip":
        body = b"<html>an error page</html>"
        release = replace(release, tarball_sha256=hashlib.sha256(body).hexdigest())
        registry.replies = [(200, body)]
    else:
        registry.replies = [(404, b"")]
    with pytest.raises(DownloadError) as err:
        ensure_atlas(tmp_path, release=release, retries=0, backoff=0)
    message = str(err.value)
    assert problem in message
    assert "Nothing was saved" in message and str(tmp_path) in message
    assert "MOBILITY_NB_CENSUS_DATA" in message
    assert list(tmp_path.iterdir()) == []


def test_mirror_url_from_the_environment(registry, tmp_path, monkeypatch):
    member = TINY.read_bytes()
    package = tarball({"package/counties-10m.json": member})
    registry.replies = [(200, package)]
    release = replace(release_for(registry, package, member), url="https://registry.invalid/x.tgz")
    monkeypatch.setenv(atlas.URL_ENV_VAR, f"{registry.base}/mirror/us-atlas-3.0.1.tgz")
    ensure_atlas(tmp_path, release=release, backoff=0)
    assert registry.requests == ["/mirror/us-atlas-3.0.1.tgz"]


@pytest.fixture
def no_atlas_anywhere(tmp_path, monkeypatch):
    """No census data folder with the atlas, and an empty cache folder of our own."""
    monkeypatch.setenv("MOBILITY_NB_CENSUS_DATA", str(tmp_path / "census"))
    cache = tmp_path / "cache"
    monkeypatch.setattr(atlas, "default_cache_dir", lambda release=US_ATLAS: cache)
    return cache


def test_lookup_order_explicit_then_census_folder_then_cache(no_atlas_anywhere, tmp_path):
    cache = no_atlas_anywhere
    assert find_atlas() is None
    with pytest.raises(AtlasError, match="is not on this machine"):
        atlas_path(download=False)
    cache.mkdir()
    (cache / "counties-10m.json").write_bytes(TINY.read_bytes())
    assert find_atlas() == cache / "counties-10m.json"
    shared = tmp_path / "census" / "geo" / "us-atlas-3.0.1"
    shared.mkdir(parents=True)
    (shared / "counties-10m.json").write_bytes(TINY.read_bytes())
    assert find_atlas() == shared / "counties-10m.json"
    assert find_atlas(TINY) == TINY
    with pytest.raises(AtlasError, match="does not exist"):
        find_atlas(tmp_path / "elsewhere.json")
    assert list(load_atlas(download=False).features("counties"))[0] == "44001"
