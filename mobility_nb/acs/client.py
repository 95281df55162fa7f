"""A Census API client that never leaks the key, caches every answer and survives hiccups.

Built on the ``census`` package (datamade) with our own session: a ``requests-cache``
SQLite cache whose keys ignore the API key (so a query is fetched once whoever runs it,
and the key is stored as ``REDACTED``), retries with exponential backoff on 429/5xx and
dropped connections, timeouts on every read and an overall deadline per request (a
server trickling bytes cannot hold a fetch for minutes; :mod:`.deadline`). When the API
fails and an older copy of the answer is cached, the cached copy is used
(``stale_if_error``) and counted, so the caller can say so.

Every answer is checked before anything trusts or caches it (:func:`reply_problem`): the
data endpoint must send a list of lists with a header row and rows of equal length, the
variable documents a JSON object. The API's HTML pages ("Missing Key" with HTTP 200, the
302 to ``missing_key.html``, "Invalid Key"), a JSON object or ragged rows become one
paragraph saying what happened - never "check the internet connection" for a page that
arrived - and are never stored, so a rerun against a healthy server fetches again. Every
error that reaches a person is a :class:`CensusKeyError` or :class:`CensusQueryError` with
the key removed.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import requests
from platformdirs import user_cache_dir
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from mobility_nb.acs.deadline import DeadlineExceeded, DeadlineMixin
from mobility_nb.acs.replyshape import table_problem
from mobility_nb.config import CENSUS_CACHE_ENV as ENV_CACHE
from mobility_nb.config import CENSUS_DEADLINE_ENV as ENV_DEADLINE
from mobility_nb.config import CENSUS_KEY_ENV as ENV_KEY
from mobility_nb.errors import CensusKeyError, CensusQueryError, MobilityNBError  # noqa: F401 (defined there)

API_ROOT = "https://api.census.gov/"
KEY_SIGNUP_URL = "https://api.census.gov/data/key_signup.html"
LEVELS = ("county", "place", "tract")
DATASETS = ("acs5",)
MAX_FIELDS_PER_CALL = 49  # the API's limit is 50 variables; the census package uses 49
DEFAULT_TIMEOUT = (10.0, 120.0)  # (connect, read) seconds; whole-state tract pulls are slow
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 1.0  # seconds; waits 0, 2, 4 ... between attempts (urllib3 backoff)
DEFAULT_DEADLINE = 300.0  # seconds for one request, retries and body included
DEFAULT_EXPIRE = timedelta(days=90)
RETRY_STATUSES = (429, 500, 502, 503, 504)


# --- secrets ------------------------------------------------------------------------------

_KEY_PARAM = re.compile(r"(?i)(key=|key%3D)[^&\s'\"<>)]+")


def redact(text: object, key: str | None = None) -> str:
    """``text`` with every ``key=...`` value and the literal ``key`` replaced by REDACTED."""
    out = str(text)
    for secret in {key or "", os.environ.get(ENV_KEY, "").strip()}:
        if len(secret) >= 4:
            out = out.replace(secret, "REDACTED")
    return _KEY_PARAM.sub(r"\1REDACTED", out)


class _RedactingFilter(logging.Filter):
    """Rewrites log records (message and traceback) with the key removed.

    urllib3 logs retried URLs and requests-cache logs failed URLs with the exception;
    both would otherwise carry ``key=...`` into a notebook's stderr and so into HTML.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            exc = record.exc_info[1]
            if exc is not None:
                message += f" ({type(exc).__name__}: {exc})"
            record.exc_info = None
            record.exc_text = None
        record.msg = redact(message)
        record.args = ()
        return True


_FILTER = _RedactingFilter()
_LOGGER_PREFIXES = ("urllib3", "requests_cache", "requests", "census")


def install_log_redaction() -> None:
    """Attach the redacting filter to every logger the HTTP stack writes to (idempotent)."""
    names = [n for n in logging.root.manager.loggerDict if n.startswith(_LOGGER_PREFIXES)]
    names += ["urllib3.connectionpool", "urllib3.util.retry", "requests_cache.session"]
    for name in set(names):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def get_api_key(environ: dict[str, str] | None = None) -> str:
    """The key from ``CENSUS_API_KEY``; a clear :class:`CensusKeyError` when it is not set."""
    env = os.environ if environ is None else environ
    key = (env.get(ENV_KEY) or "").strip()
    if not key:
        raise CensusKeyError(
            f"No Census API key: the environment variable {ENV_KEY} is not set. Since May "
            f"2026 every Census API request needs a key. Get a free key at {KEY_SIGNUP_URL} "
            f"(it arrives by e-mail), then set it before running the command, e.g. "
            f"'export {ENV_KEY}=your-key' (macOS/Linux) or 'set {ENV_KEY}=your-key' "
            "(Windows). Never put the key in a notebook or a parameters file. Notebooks do not "
            "need it: they read the local ACS store that 'mobility-nb census fetch' fills."
        )
    return key


# --- session --------------------------------------------------------------------------------


def default_deadline() -> float:
    """Seconds one request may take: $MOBILITY_NB_CENSUS_DEADLINE or 300."""
    text = os.environ.get(ENV_DEADLINE, "").strip()
    try:
        value = float(text) if text else DEFAULT_DEADLINE
    except ValueError:
        raise CensusQueryError(f"${ENV_DEADLINE}={text!r} is not a number of seconds.") from None
    if value <= 0:
        raise CensusQueryError(f"${ENV_DEADLINE} must be a positive number of seconds.")
    return value


class CensusHTTPAdapter(DeadlineMixin, HTTPAdapter):
    """HTTP adapter with retries (exponential backoff), read timeouts and an overall
    deadline per request."""

    def __init__(
        self,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        deadline: float | None = None,
    ) -> None:
        self.timeout = timeout
        self.deadline = deadline if deadline is not None else default_deadline()
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=backoff,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
            respect_retry_after_header=True,
        )
        super().__init__(max_retries=retry)

    def send(self, request, **kwargs):  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def default_cache_path() -> Path:
    """Where API answers are cached: $MOBILITY_NB_CENSUS_CACHE or the user cache dir."""
    env = os.environ.get(ENV_CACHE, "").strip()
    base = Path(env).expanduser() if env else Path(user_cache_dir("mobility-nb")) / "census"
    return base / "http-cache.sqlite"


_TITLE = re.compile(r"<title>\s*([^<]{1,80}?)\s*</title>", re.I)


@dataclass(frozen=True)
class ReplyProblem:
    """Why an answer is not data: ``kind`` is missing_key, invalid_key, html or not_table."""

    kind: str
    detail: str
    status: int | None = None


def _is_variables_url(url: str) -> bool:
    return "/variables/" in url


def reply_problem(response: Any) -> ReplyProblem | None:
    """None for an answer that is data (or an HTTP error for the caller), else what it is.

    Looks at every 200 answer before anyone parses or caches it: HTML pages (the API's
    key pages arrive with status 200), a redirect to ``missing_key.html``, and JSON that
    is not the API's table (data endpoint) or not a JSON object (variable documents).
    """
    status = getattr(response, "status_code", 0)
    url = str(getattr(response, "url", ""))
    headers = getattr(response, "headers", {}) or {}
    location = str(headers.get("Location", ""))
    if 300 <= status < 400:
        if "missing_key" in location:
            return ReplyProblem("missing_key", "a redirect to missing_key.html", status)
        return None
    if "missing_key" in url:
        return ReplyProblem("missing_key", "the missing_key.html page", status)
    if status != 200:
        return None
    body = response.content or b""
    head = body[:2048].decode("utf-8", "replace")
    ctype = str(headers.get("Content-Type", "")).lower()
    if "html" in ctype or head.lstrip().lower().startswith(("<html", "<!doctype", "<")):
        title = _TITLE.search(head)
        name = title.group(1) if title else "a web page"
        if "you included a key with this request" in head.lower() or "invalid key" in name.lower():
            return ReplyProblem("invalid_key", name, status)
        if "missing key" in name.lower() or "must be included with each" in head.lower():
            return ReplyProblem("missing_key", f'the "{name}" page', status)
        return ReplyProblem("html", name, status)
    try:
        payload = json.loads(body)
    except ValueError:
        return ReplyProblem("not_table", "text that is not JSON", status)
    if _is_variables_url(url):
        if not isinstance(payload, dict):
            return ReplyProblem(
                "not_table",
                f"a JSON {type(payload).__name__} where a "
                "variable document (a JSON object) belongs",
                status,
            )
        return None
    problem = table_problem(payload)
    return ReplyProblem("not_table", problem, status) if problem else None


class _BadReply(Exception):
    """Raised inside the session (before caching) for an answer that is not data."""

    def __init__(self, problem: ReplyProblem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def _check_reply(response: Any, *args: Any, **kwargs: Any) -> Any:
    """Response hook: refuse non-data answers before the cache or the census package see
    them (hooks run inside ``Session.send``, before requests-cache saves the answer)."""
    problem = reply_problem(response)
    if problem is not None:
        raise _BadReply(problem)
    return response


def _is_json_answer(response: Any) -> bool:
    """Only cache real API answers: never an HTML page, a JSON object or an error body.

    A 404 is kept only for ``variables/{FIELD}.json`` (the API has no document for
    geography columns such as ``state``), so warm runs make no metadata requests at all.
    """
    status = getattr(response, "status_code", 0)
    if status == 404:
        return _is_variables_url(str(getattr(response, "url", "")))
    if status not in (200, 204):
        return False
    if status == 204:
        return True
    return reply_problem(response) is None


def build_session(
    cache_path: str | os.PathLike[str] | None = None,
    *,
    expire_after: timedelta | int = DEFAULT_EXPIRE,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    adapter: HTTPAdapter | None = None,
    use_cache: bool = True,
    deadline: float | None = None,
) -> requests.Session:
    """A session for the census package: cached (key ignored), retried, with timeouts,
    an overall ``deadline`` per request (default $MOBILITY_NB_CENSUS_DEADLINE or 300 s),
    and every answer's shape checked before it is cached.

    ``adapter`` replaces the network adapter for ``https://api.census.gov/`` (tests and the
    offline replay mount a fake API there); it should derive from :class:`CensusHTTPAdapter`
    to keep the retry, timeout and deadline behaviour.
    """
    install_log_redaction()
    if use_cache:
        import requests_cache

        path = Path(cache_path) if cache_path else default_cache_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        session: requests.Session = requests_cache.CachedSession(
            str(path),
            backend="sqlite",
            expire_after=expire_after,
            ignored_parameters=["key"],
            stale_if_error=True,
            allowable_codes=(200, 204, 404),
            filter_fn=_is_json_answer,
        )
    else:
        session = requests.Session()
    net = adapter or CensusHTTPAdapter(
        retries=retries, backoff=backoff, timeout=timeout, deadline=deadline
    )
    session.mount(API_ROOT, net)
    session.hooks.setdefault("response", []).append(_check_reply)
    return session


# --- client ---------------------------------------------------------------------------------


@dataclass
class CallLog:
    """What happened on the wire during one client's life (for messages and reports)."""

    requests: int = 0
    from_cache: int = 0
    stale: int = 0
    last_status: int | None = None
    last_url: str = ""
    last_body: str = ""
    stale_urls: list[str] = field(default_factory=list)


def _is_timeout(exc: BaseException) -> bool:
    """True for read/connect timeouts, also when urllib3 wrapped them after retries."""
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    if isinstance(exc, requests.exceptions.Timeout):
        return True
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Urllib3Timeout):
            return True
        stack += [
            getattr(item, "reason", None),
            getattr(item, "__cause__", None),
            getattr(item, "__context__", None),
        ]
        stack += [a for a in getattr(item, "args", ()) if isinstance(a, BaseException)]
    return False


def _geo_columns(level: str) -> tuple[str, ...]:
    return {
        "county": ("state", "county"),
        "place": ("state", "place"),
        "tract": ("state", "county", "tract"),
    }[level]


class CensusClient:
    """Fetch ACS tables for every county, place or tract of a state.

    ``key`` defaults to ``$CENSUS_API_KEY``; ``session`` to :func:`build_session`.
    """

    def __init__(
        self,
        key: str | None = None,
        session: requests.Session | None = None,
        *,
        cache_path: str | os.PathLike[str] | None = None,
    ) -> None:
        from census import Census

        self._key = key if key is not None else get_api_key()
        if not self._key:
            raise CensusKeyError(f"An empty Census API key was given; set {ENV_KEY}.")
        self.session = session or build_session(cache_path)
        self.log = CallLog()
        hooks = self.session.hooks.setdefault("response", [])
        hooks.insert(0, self._observe)  # see every answer, also those the check refuses
        if _check_reply not in hooks:
            hooks.append(_check_reply)
        self._census = Census(self._key, session=self.session)

    # The hook sees every answer, cached or not, including stale copies used after errors.
    def _observe(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self.log.requests += 1
        self.log.last_status = getattr(response, "status_code", None)
        self.log.last_url = redact(getattr(response, "url", ""), self._key)
        ctype = str(getattr(response, "headers", {}).get("Content-Type", ""))
        if (self.log.last_status or 0) >= 400 or "html" in ctype.lower():
            self.log.last_body = redact(response.text[:300], self._key)
        if getattr(response, "from_cache", False):
            self.log.from_cache += 1
            if getattr(response, "is_expired", False):
                self.log.stale += 1
                self.log.stale_urls.append(self.log.last_url)
        return response

    def _dataset_client(self, dataset: str) -> Any:
        if dataset not in DATASETS:
            raise CensusQueryError(
                f"Unknown ACS dataset {dataset!r}; this package fetches {', '.join(DATASETS)} "
                "(ACS 5-year detailed tables)."
            )
        return self._census.acs5

    def query(
        self, dataset: str, year: int, level: str, state: str, fields: Sequence[str]
    ) -> pd.DataFrame:
        """Raw values for ``fields`` in every ``level`` geography of ``state``.

        Returns a frame with ``geoid`` plus one column per field, values exactly as the
        API sent them (sentinel codes included; see :mod:`mobility_nb.acs.sentinels`).
        """
        if level not in LEVELS:
            raise CensusQueryError(f"Unknown geography level {level!r}; use one of {LEVELS}.")
        client = self._dataset_client(dataset)
        what = f"ACS {dataset} {year} {', '.join(fields[:3])}{'...' if len(fields) > 3 else ''}"
        where = f"every {level} in state {state}"
        calls: dict[str, Callable[[], list[dict[str, Any]]]] = {
            "county": lambda: client.state_county(list(fields), state, "*", year=year),
            "place": lambda: client.state_place(list(fields), state, "*", year=year),
            "tract": lambda: client.state_county_tract(list(fields), state, "*", "*", year=year),
        }
        rows = self._call(calls[level], what, where)
        frame = pd.DataFrame(rows)
        geo = _geo_columns(level)
        if frame.empty:
            return pd.DataFrame(columns=["geoid", *fields])
        missing = [c for c in geo if c not in frame.columns]
        if missing:
            raise CensusQueryError(
                f"The Census API answer for {what} ({where}) lacks the geography columns "
                f"{missing}; the reply was not a normal API table."
            )
        frame.insert(0, "geoid", frame[list(geo)].astype(str).agg("".join, axis=1))
        frame = frame.drop(columns=list(geo)).sort_values("geoid", kind="stable")
        return frame.reset_index(drop=True)

    def _call(self, fn: Callable[[], Any], what: str, where: str) -> Any:
        from census.core import APIKeyError, CensusException, UnsupportedYearException

        key = self._key
        try:
            return fn()
        except _BadReply as exc:
            raise self._reply_error(exc.problem, what, where) from None
        except MobilityNBError:
            raise
        except DeadlineExceeded as exc:
            raise CensusQueryError(
                f"The Census API did not finish answering {what} ({where}) within the "
                f"{exc.seconds:g}-second limit for one request: it kept the connection open "
                "but sent the answer too slowly. Nothing was stored; try again later, or allow "
                f"more time with --deadline (or ${ENV_DEADLINE}). Data already in the local "
                "ACS store are unchanged."
            ) from None
        except APIKeyError:
            raise CensusKeyError(
                f'The Census API rejected the key in {ENV_KEY} ("Invalid Key"). Check that '
                f"you copied the whole key from the e-mail, and that it was activated with the "
                f"link in that e-mail; request a new one at {KEY_SIGNUP_URL} if needed."
            ) from None
        except UnsupportedYearException as exc:
            raise CensusQueryError(
                f"Cannot fetch {what}: {redact(exc, key)}. Pick a year the ACS 5-year API "
                "offers, or upgrade the 'census' package if the year is newer than it knows."
            ) from None
        except CensusException as exc:
            status = self.log.last_status
            body = redact(str(exc), key).strip()[:300]
            raise CensusQueryError(
                self._http_message(what, where, status, body), status=status
            ) from None
        except requests.exceptions.RequestException as exc:
            if not _is_timeout(exc):
                raise CensusQueryError(
                    f"Could not reach the Census API for {what} ({where}): "
                    f"{redact(exc, key)[:300]}. Check the internet connection (or proxy "
                    "settings) and try again; data already in the local ACS store are "
                    "unchanged.",
                    status=self.log.last_status,
                ) from None
            raise CensusQueryError(
                f"The Census API did not answer in time for {what} ({where}), even after "
                "several retries. The service may be slow or down; try again later. "
                "Data already in the local ACS store are unchanged and still used by the "
                "notebooks."
            ) from None
        except ValueError as exc:  # reply was not JSON (HTML error page, redirect to signup)
            text = self.log.last_body or ""
            if "key" in text.lower() or "key" in str(exc).lower():
                raise CensusKeyError(
                    f"The Census API answered with a web page instead of data, which is what "
                    f"it does when the key in {ENV_KEY} is missing or invalid. Check the key "
                    f"or request one at {KEY_SIGNUP_URL}."
                ) from None
            raise CensusQueryError(
                f"The Census API sent something that is not data for {what} ({where}): "
                f"{redact(exc, key)[:200]}. Try again later."
            ) from None

    def _reply_error(self, problem: ReplyProblem, what: str, where: str) -> MobilityNBError:
        """One paragraph for an answer that arrived but is not data (never cached)."""
        code = f"HTTP {problem.status}" if problem.status else "an answer"
        detail = redact(problem.detail, self._key)
        if problem.kind == "invalid_key":
            return CensusKeyError(
                f'The Census API rejected the key in {ENV_KEY} ("Invalid Key" page, {code}). '
                "Check that you copied the whole key from the e-mail, and that it was "
                f"activated with the link in that e-mail; request a new one at {KEY_SIGNUP_URL} "
                "if needed. Nothing was stored or cached."
            )
        if problem.kind == "missing_key":
            return CensusKeyError(
                f"The Census API answered {what} with {detail} ({code}) instead of data: it saw "
                f"no key in the request. Check that {ENV_KEY} holds your key (it is read from "
                "the environment only) and that no proxy rewrites requests to "
                f"api.census.gov; get a key at {KEY_SIGNUP_URL}. Nothing was stored or cached."
            )
        if problem.kind == "html":
            return CensusQueryError(
                f'The Census API answered {what} ({where}) with a web page ("{detail}", '
                f"{code}) instead of data. The connection worked, so this is not a network "
                "problem: the API, or a proxy or login page in between, sent HTML. Nothing was "
                "stored or cached; try again later, and if it persists open the query in a "
                "browser (without your key) to read the page.",
                status=problem.status,
            )
        return CensusQueryError(
            f"The Census API answered {what} ({where}) with something that is not its data "
            f"table: {detail}. Nothing was stored or cached, so the next run asks again; try "
            "again later.",
            status=problem.status,
        )

    @staticmethod
    def _http_message(what: str, where: str, status: int | None, body: str) -> str:
        code = f"HTTP {status}" if status else "an error"
        unknown = re.search(r"unknown variable '([^']+)'", body)
        lowered = body.lower()
        if unknown:
            return (
                f"The Census API does not know the variable {unknown.group(1)} in {what} "
                f'({code}: "{body[:160]}"). Check its spelling and that the table is '
                "published for that year; --tables limits a fetch to some tables. Data "
                "already in the local ACS store are unchanged."
            )
        if "unsupported geography" in lowered or "resource is not available" in lowered:
            return (
                f"The Census API has no data at this geography ({where}) for {what} ({code}: "
                f'"{body[:160]}"). The table is probably not published for this '
                "geography level or year (subject tables and race iterations are missing "
                "for some levels); choose another --level or --year. Data already in the "
                "local ACS store are unchanged."
            )
        if status and status >= 500:
            advice = (
                f"The Census API is failing on its side ({code}) even after "
                "several retries with backoff; try again later. Data already "
                "in the local ACS store are unchanged and still used by the notebooks."
            )
        elif status == 429:
            advice = "The Census API says too many requests (HTTP 429); wait and try again."
        else:
            advice = (
                f"The Census API refused the query ({code}); check the year, tables and geography."
            )
        return f"Could not fetch {what} for {where}. {advice} Server said: {body or '(nothing)'}"
