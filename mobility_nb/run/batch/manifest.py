"""``manifest.json``: what a batch did to every page, rewritten atomically as it goes.

The manifest is the batch's answer to "which pages failed, where and why": one entry per
page with its status (``ok``, ``skipped`` because up to date, ``failed``), seconds, and
for failures the failed cell index, exception name and message. It never holds
parameters or tracebacks, and every message has passed :func:`redact_secrets`.
While a batch runs the file says ``"state": "running"``; a batch killed with ``kill -9``
leaves that behind, and the rerun writes a complete one.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mobility_nb.atomic import write_atomic
from mobility_nb.params import redact_secrets
from mobility_nb.run.jobs import Outcome

MANIFEST_NAME = "manifest.json"
SAVE_EVERY = 5.0  # seconds between intermediate saves


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Manifest:
    """Collects outcomes and keeps ``<out>/manifest.json`` up to date."""

    def __init__(self, out_dir: Path, info: dict[str, Any] | None = None) -> None:
        self.path = Path(out_dir) / MANIFEST_NAME
        self.info = dict(info or {})
        self.started_at = _now()
        self.started = time.perf_counter()
        self.outcomes: list[Outcome] = []
        self.state = "running"
        self._saved = 0.0

    def add(self, outcome: Outcome) -> None:
        outcome.evalue = redact_secrets(outcome.evalue)
        outcome.message = redact_secrets(outcome.message)
        self.outcomes.append(outcome)
        if time.perf_counter() - self._saved > SAVE_EVERY:
            self.save()

    def extend(self, outcomes: Iterable[Outcome]) -> None:
        for outcome in outcomes:
            self.add(outcome)

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(o.status for o in self.outcomes)
        return {"ok": c["ok"], "skipped": c["skipped"], "failed": c["failed"]}

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": "mobility-nb batch",
            "state": self.state,
            "started_at": self.started_at,
            "finished_at": _now() if self.state != "running" else None,
            "wall_seconds": round(self.elapsed, 2),
            **self.info,
            "counts": self.counts,
            "pages": [o.to_dict() for o in self.outcomes],
        }

    def save(self) -> Path:
        self._saved = time.perf_counter()
        text = json.dumps(self.to_dict(), indent=1, ensure_ascii=False, default=str) + "\n"
        return write_atomic(self.path, text)

    def finish(self, state: str = "finished") -> Path:
        self.state = state
        return self.save()

    def summary(self, limit: int = 20) -> str:
        """A short report for the terminal: counts, speed, then each failure in one line."""
        c = self.counts
        ran = [o for o in self.outcomes if o.status != "skipped" and o.seconds]
        rate = ""
        if ran:
            rate = f"; {self.elapsed / max(len(ran), 1):.2f} s wall per page run"
        lines = [
            f"Batch {self.state}: {c['ok']} page(s) written, {c['skipped']} already up to "
            f"date, {c['failed']} failed in {self.elapsed:.1f} s{rate}."
        ]
        failures = self.failures
        if failures:
            lines.append(f"Failures (details in {self.path}):")
            for o in failures[:limit]:
                where = f", cell {o.cell_index}" if o.cell_index is not None else ""
                row = f"row {o.row}: " if o.row is not None else ""
                who = f"{o.name}, {o.state} ({o.jurisdiction})" if o.name else o.jurisdiction
                lines.extend(_failure_lines(o, f"  - {row}{o.step} {who}{where}: "))
            if len(failures) > limit:
                lines.append(f"  ... and {len(failures) - limit} more.")
        return "\n".join(lines)


def _failure_lines(o: Outcome, lead: str) -> list[str]:
    """A failure for the terminal: our own errors whole, every problem of a list on its own
    line; anything else (a bug's message) on one line, shortened."""
    from mobility_nb.run.publish import is_package_error

    text = o.evalue or ""
    if is_package_error(o.ename) and text.strip():
        first, *rest = [ln for ln in text.strip().splitlines() if ln.strip()]
        return [f"{lead}{o.ename}: {first.strip()}"] + [f"      {ln.strip()}" for ln in rest]
    reason = f"{o.ename}: {text}" if text else o.ename
    reason = " ".join(reason.split())
    if len(reason) > 160:
        reason = reason[:157] + "..."
    return [f"{lead}{reason}"]


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of the last batch into ``out_dir``, if readable."""
    try:
        return json.loads((Path(out_dir) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
