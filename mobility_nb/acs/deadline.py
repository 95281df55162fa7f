"""An overall deadline for one HTTP request, not only a timeout per socket read.

A per-read timeout never fires against a server that trickles one byte every few
seconds: each read succeeds. :class:`DeadlineMixin` gives an ``HTTPAdapter`` a wall-clock
budget per request (connection, headers, retries and body together). Every socket the
request uses is registered while it runs; a timer shuts those sockets down when the
budget is spent, which wakes the blocked read, and the adapter then raises
:class:`DeadlineExceeded` (a ``requests`` timeout) instead of whatever the broken read
said. The body is read inside the adapter so the whole answer is within the budget.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_CURRENT = threading.local()


class DeadlineExceeded(requests.exceptions.Timeout):
    """The request did not finish within its overall deadline."""

    def __init__(self, seconds: float, *args: Any, **kwargs: Any) -> None:
        super().__init__(
            f"no complete answer within the {seconds:g}-second deadline", *args, **kwargs
        )
        self.seconds = seconds


class _Watch:
    """Sockets of one request, shut down when its deadline passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def add(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired:
            _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Registering:
    """Connection mixin: hand the socket to the running request's watch before reading."""

    sock: socket.socket | None

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        watch = getattr(_CURRENT, "watch", None)
        if watch is not None:
            watch.add(self.sock)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class WatchedHTTPConnection(_Registering, HTTPConnection):
    pass


class WatchedHTTPSConnection(_Registering, HTTPSConnection):
    pass


class WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


POOL_CLASSES = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}


class DeadlineMixin:
    """Mix into an ``HTTPAdapter`` (before it) to give every request ``deadline`` seconds."""

    deadline: float | None = None

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[misc]
        self.poolmanager.pool_classes_by_scheme = dict(POOL_CLASSES)  # type: ignore[attr-defined]

    def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(*args, **kwargs)  # type: ignore[misc]
        manager.pool_classes_by_scheme = dict(POOL_CLASSES)
        return manager

    def send(self, request: Any, stream: bool = False, timeout: Any = None, **kwargs: Any) -> Any:
        seconds = self.deadline
        if not seconds:
            return super().send(
                request,
                stream=stream,
                timeout=timeout,  # type: ignore[misc]
                **kwargs,
            )
        watch = _Watch(seconds)
        started = time.monotonic()
        _CURRENT.watch = watch
        watch.start()
        try:
            response = super().send(
                request,
                stream=True,
                timeout=timeout,  # type: ignore[misc]
                **kwargs,
            )
            if not stream:
                _ = response.content  # the body, too, within the budget
        except BaseException as exc:
            if watch.fired or isinstance(exc, DeadlineExceeded):
                raise DeadlineExceeded(seconds, request=request) from None
            raise
        finally:
            watch.cancel()
            _CURRENT.watch = None
        if watch.fired or time.monotonic() - started > seconds:
            raise DeadlineExceeded(seconds, request=request)
        return response
