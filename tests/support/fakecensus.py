"""A fake Census API for tests: the package's replay served over a real local HTTP server.

``FakeCensusServer`` answers Census API URLs (data endpoint and ``variables/{FIELD}.json``)
from :class:`mobility_nb.testing.census_replay.ReplayAPI` on ``127.0.0.1`` so the full stack runs -
census package, requests-cache, urllib3 retries and timeouts - with no internet.
``LocalServerAdapter`` is our production adapter with only the host rewritten. ``Faults``
injects HTTP errors, slow answers and error pages that echo the request URL (key included),
to prove nothing leaks. Tables come either from the small fixtures in
``tests/fixtures/acs`` (invented numbers, API layout) or from the real extracts in
``../shared/data/census``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from mobility_nb.acs import client as acs_client
from mobility_nb.testing.census_replay import (
    ReplayAPI,
    ReplayTable,
    load_extracts,
    load_variable_metadata,
)
from support.paths import FIXTURES as FIXTURES_ROOT
from support.paths import shared_census_path

FIXTURES = FIXTURES_ROOT / "acs"
FIXTURE_YEAR = 2022
FIXTURE_STATE = "44"
TEST_KEY = "sekrit123"


def census_data_dir() -> Path:
    """The shared ACS extracts, or skip the test with a reason when they are absent."""
    root = shared_census_path()
    if not (root / "acs").is_dir():
        pytest.skip(f"shared Census extracts not found at {root} (set MOBILITY_NB_CENSUS_DATA)")
    return root


def table_from_api_json(year: int, level: str, state: str, payload: list[list]) -> ReplayTable:
    """A replay table from an answer in API layout (header row + rows)."""
    header, *rows = payload
    geo_cols = {
        "county": ["state", "county"],
        "place": ["state", "place"],
        "tract": ["state", "county", "tract"],
    }[level]
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame.index = pd.Index(frame[geo_cols].astype(str).agg("".join, axis=1), name="geoid")
    frame = frame.drop(columns=geo_cols)
    return ReplayTable(year, level, state, frame, region="fixture")


def fixture_tables(extra_variables: int = 0) -> dict[tuple[int, str, str], ReplayTable]:
    """The invented-number fixtures; ``extra_variables`` adds B27001_0NN columns (own
    numbers: row index x variable number) to exercise the package's >49-field chunking."""
    tables = {}
    for level in ("tract", "county"):
        payload = json.loads(
            (FIXTURES / f"acs5_{FIXTURE_YEAR}_{level}_{FIXTURE_STATE}.json").read_text()
        )
        t = table_from_api_json(FIXTURE_YEAR, level, FIXTURE_STATE, payload)
        for n in range(1, extra_variables + 1):
            var = f"B27001_{n:03d}"
            t.frame[f"{var}E"] = [str(10 * n + i) for i in range(len(t.frame))]
            t.frame[f"{var}M"] = [str(n) for _ in range(len(t.frame))]
        tables[(FIXTURE_YEAR, level, FIXTURE_STATE)] = t
    return tables


def fixture_variables(extra_variables: int = 0) -> dict:
    docs = json.loads((FIXTURES / "variables.json").read_text())["variables"]
    for n in range(1, extra_variables + 1):
        docs[f"B27001_{n:03d}E"] = {
            "label": f"Estimate!!Line {n}",
            "predicateType": "int",
            "group": "B27001",
            "limit": 0,
        }
    return docs


def fixture_api(valid_keys: set[str] | None = None, extra_variables: int = 0) -> ReplayAPI:
    return ReplayAPI(
        fixture_tables(extra_variables), fixture_variables(extra_variables), valid_keys=valid_keys
    )


def shared_api(valid_keys: set[str] | None = None) -> ReplayAPI:
    root = census_data_dir()
    return ReplayAPI(load_extracts(root), load_variable_metadata(root), valid_keys=valid_keys)


@dataclass
class Faults:
    """Misbehaviour to inject. ``count=-1`` means every matching request."""

    status: int = 0
    count: int = 0
    delay: float = 0.0
    only_data: bool = True
    echo_url: bool = True
    hits: int = 0

    def applies(self, path: str) -> bool:
        if self.only_data and "/variables/" in path:
            return False
        if self.count == 0:
            return False
        if self.count > 0:
            self.count -= 1
        self.hits += 1
        return True


@dataclass
class FakeCensusServer:
    """A threaded HTTP server answering Census API paths from a :class:`ReplayAPI`."""

    api: ReplayAPI
    faults: Faults = field(default_factory=Faults)
    requests: list[str] = field(default_factory=list)  # raw paths, key included

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                server.requests.append(self.path)
                if server.faults.applies(self.path):
                    if server.faults.delay:
                        time.sleep(server.faults.delay)
                    if server.faults.status:
                        body = "Internal error while serving "
                        body += (
                            f"https://api.census.gov{self.path}"
                            if server.faults.echo_url
                            else "your request"
                        )
                        self._send(server.faults.status, body.encode(), "text/html")
                        return
                reply = server.api.handle("GET", f"https://api.census.gov{self.path}")
                self._send(reply.status, reply.body, reply.content_type)

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if body:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def data_requests(self) -> list[str]:
        return [p for p in self.requests if "/variables/" not in p]

    @contextmanager
    def running(self) -> Iterator[FakeCensusServer]:
        thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()


class LocalServerAdapter(acs_client.CensusHTTPAdapter):
    """The production adapter (retries, backoff, timeout) pointed at the local server."""

    def __init__(self, base_url: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.base_url = base_url

    def send(self, request, **kwargs):  # type: ignore[override]
        request.url = request.url.replace(acs_client.API_ROOT, self.base_url, 1)
        return super().send(request, **kwargs)


def server_session(
    server: FakeCensusServer,
    cache_path: Path | None = None,
    *,
    retries: int = 2,
    timeout: float = 5.0,
    **kwargs: object,
):
    """A real client session (cache, retries, timeout) talking to ``server``."""
    adapter = LocalServerAdapter(server.base_url, retries=retries, backoff=0.0, timeout=timeout)
    return acs_client.build_session(
        cache_path, adapter=adapter, use_cache=cache_path is not None, **kwargs
    )
