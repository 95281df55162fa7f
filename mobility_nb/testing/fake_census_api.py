"""A fake Census Data API on 127.0.0.1 that also answers the way the real one fails.

:class:`FakeCensusServer` serves Census API paths (the data endpoint and
``variables/{FIELD}.json``) from a :class:`mobility_nb.testing.census_replay.ReplayAPI` over a real
``http.server`` in a thread, so the whole client stack runs - the ``census`` package,
requests-cache, urllib3 retries, read timeouts and the overall deadline - without the
internet. :class:`Faults` makes it misbehave the way ``api-error-shapes.md`` (in the
shared census data) records for the real service, plus the failures a red team found:

=====================  ===================================================================
``mode``               answer
=====================  ===================================================================
``status``             HTTP ``status`` (e.g. 500, 503, 429) with an HTML body that echoes
                       the request URL, key included (nothing may repeat it)
``unknown_variable``   HTTP 400 ``error: error: unknown variable 'B250301_001E'`` (the
                       first field asked for)
``no_geography``       HTTP 400 ``error: unknown/unsupported geography hierarchy``
``not_available``      HTTP 404 HTML "The requested resource is not available."
``missing_key_page``   HTTP 200 HTML "Missing Key" page (the keyless answer observed live)
``missing_key_redirect`` HTTP 302 to ``https://api.census.gov/data/missing_key.html``
``invalid_key``        HTTP 200 HTML page "... You included a key with this request,
                       however, it is not valid ..."
``json_object``        HTTP 200 ``application/json`` holding an object, not a list of lists
``ragged``             HTTP 200 list of lists whose second row is short
``trickle``            HTTP 200 with the real answer sent one byte every
                       ``trickle_interval`` seconds (2 s, as the red team's server did)
=====================  ===================================================================

``delay`` sleeps before any answer; ``count`` limits how many requests misbehave (-1:
all). ``LocalServerAdapter`` is the production adapter with only the host rewritten, so
redirects to ``api.census.gov`` come back here too.
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
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mobility_nb.acs import client as acs_client
from mobility_nb.testing.census_replay import ReplayAPI, load_extracts, load_variable_metadata

API_HOST = "https://api.census.gov"
MISSING_KEY_PAGE = (
    "\n<html>\n<head><title>Missing Key</title></head>\n<body><p>A valid <em>key</em> must be "
    'included with each data API request. You may sign up for one <a href="key_signup.html">'
    "here</a>.</p></body>\n</html>\n"
)
INVALID_KEY_PAGE = (
    "<html><head><title>Invalid Key</title></head><body><p>A valid key must be included with "
    "each data API request. You included a key with this request, however, it is not valid. "
    "Please check your key and try again.If you do not have a key you my sign up for one here. "
    "</p></body></html>"
)
NOT_AVAILABLE_PAGE = (
    "<html><head><title>Error report</title></head><body><h1>HTTP Status 404</h1><p>The "
    "requested resource is not available.</p></body></html>"
)
MODES = (
    "",
    "status",
    "unknown_variable",
    "no_geography",
    "not_available",
    "missing_key_page",
    "missing_key_redirect",
    "invalid_key",
    "json_object",
    "ragged",
    "trickle",
)


@dataclass
class Faults:
    """Misbehaviour to inject. ``count=-1`` means every matching request."""

    status: int = 0
    count: int = 0
    delay: float = 0.0
    only_data: bool = True
    echo_url: bool = True
    mode: str = ""
    trickle_interval: float = 2.0
    hits: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown fault mode {self.mode!r}; use one of {MODES}")
        if self.status and not self.mode:
            self.mode = "status"

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
                if self.path.startswith("/data/missing_key.html"):
                    self._send(200, MISSING_KEY_PAGE.encode(), "text/html")
                    return
                if server.faults.applies(self.path):
                    if server.faults.delay:
                        time.sleep(server.faults.delay)
                    if server._misbehave(self):
                        return
                reply = server.api.handle("GET", f"{API_HOST}{self.path}")
                self._send(reply.status, reply.body, reply.content_type)

            def _send(
                self,
                status: int,
                body: bytes,
                ctype: str,
                headers: dict[str, str] | None = None,
                trickle: float = 0.0,
            ) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    if trickle:
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(trickle)
                    elif body:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass  # the client gave up (timeout and deadline tests)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def _misbehave(self, handler: Any) -> bool:
        """Answer ``handler`` as the fault mode says; False to answer normally."""
        mode, path = self.faults.mode, handler.path
        send = handler._send
        if mode == "status":
            body = "Internal error while serving "
            body += f"{API_HOST}{path}" if self.faults.echo_url else "your request"
            send(self.faults.status, body.encode(), "text/html")
        elif mode == "unknown_variable":
            fields = parse_qs(urlsplit(path).query).get("get", ["B250301_001E"])[0].split(",")
            name = next((f for f in fields if f not in ("NAME", "GEO_ID")), fields[0])
            send(400, f"error: error: unknown variable '{name}'".encode(), "text/plain")
        elif mode == "no_geography":
            send(400, b"error: unknown/unsupported geography hierarchy", "text/plain")
        elif mode == "not_available":
            send(404, NOT_AVAILABLE_PAGE.encode(), "text/html;charset=utf-8")
        elif mode == "missing_key_page":
            send(200, MISSING_KEY_PAGE.encode(), "text/html")
        elif mode == "missing_key_redirect":
            send(302, b"", "text/html", {"Location": f"{API_HOST}/data/missing_key.html"})
        elif mode == "invalid_key":
            send(200, INVALID_KEY_PAGE.encode(), "text/html;charset=utf-8")
        elif mode == "json_object":
            body = {"message": "Service limited; see data", "data": [["NAME"], ["x"]]}
            send(200, json.dumps(body).encode(), "application/json;charset=utf-8")
        elif mode == "ragged":
            send(
                200,
                b'[["NAME","B19013_001E","state","county"],["Kent County","1","44"]]',
                "application/json;charset=utf-8",
            )
        elif mode == "trickle":
            reply = self.api.handle("GET", f"{API_HOST}{path}")
            send(reply.status, reply.body, reply.content_type, trickle=self.faults.trickle_interval)
        else:
            return False
        return True

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

    @classmethod
    def from_extracts(
        cls, census_data_dir: str | Path | None = None, faults: Faults | None = None
    ) -> FakeCensusServer:
        """A server answering from the shared ACS extracts (the demo's offline API)."""
        return cls(
            ReplayAPI(load_extracts(census_data_dir), load_variable_metadata(census_data_dir)),
            faults or Faults(),
        )


class LocalServerAdapter(acs_client.CensusHTTPAdapter):
    """The production adapter (retries, backoff, timeout, deadline) pointed at the local
    server: every ``https://api.census.gov/`` URL, redirects included, goes there."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
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
    deadline: float | None = 60.0,
    **kwargs: Any,
):
    """A real client session (cache, retries, timeout, deadline) talking to ``server``."""
    adapter = LocalServerAdapter(
        server.base_url, retries=retries, backoff=0.0, timeout=timeout, deadline=deadline
    )
    return acs_client.build_session(
        cache_path, adapter=adapter, use_cache=cache_path is not None, **kwargs
    )
