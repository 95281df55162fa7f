"""What a plan may call a measure: a catalog key or the label the pages show.

Pages show "Employment rate of adults 25-54", the Step 2 CSV has ``share_employed``; an
analyst should be able to write either (in any case, with stray spaces) in a plan file or
pick the label from the workbook's drop-down. Unknown names come back with the closest
labels and keys. ACS indicators of the Step 5 layer work the same way.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from functools import lru_cache
from typing import Any

from mobility_nb.errors import (
    UnknownMeasureError,  # noqa: F401 (defined there)
)


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


@lru_cache(maxsize=1)
def _metric_names() -> dict[str, str]:
    """Lower-cased key or label -> catalog key."""
    from mobility_nb.data.catalog import _metrics

    out: dict[str, str] = {}
    for key, metric in _metrics().items():
        out[_key(key)] = key
        out.setdefault(_key(metric.label), key)
    return out


def metric_labels() -> list[tuple[str, str]]:
    """(label, key) of every catalog metric, in catalog order (the workbook's drop-down)."""
    from mobility_nb.data.catalog import _metrics

    return [(m.label, k) for k, m in _metrics().items()]


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", _key(text)) if len(w) > 2}


def _same_word(a: str, b: str) -> bool:
    """'employment' ~ 'employed', 'deaths' ~ 'death': equal, or sharing five letters."""
    return a == b or len(os.path.commonprefix([a, b])) >= 5


def _by_words(text: str) -> list[str]:
    """Labels (lower-cased) sharing the rarest words with ``text``: 'employment rate' finds
    the employment metric although its label reads 'Adults 25-54 who have a job'."""
    from mobility_nb.data.catalog import _metrics

    wanted = _words(text)
    if not wanted:
        return []
    docs = {
        k: (_words(f"{m.label} {m.predictor} {k.replace('_', ' ')}"), _key(m.label))
        for k, m in _metrics().items()
    }
    weight = {}
    for x in wanted:
        df = sum(any(_same_word(x, w) for w in words) for words, _ in docs.values())
        weight[x] = math.log((len(docs) + 1) / (df + 0.5)) if df else 0.0
    total = sum(weight.values()) or 1.0
    scored = []
    for key, (words, label) in docs.items():
        score = sum(weight[x] for x in wanted if any(_same_word(x, w) for w in words)) / total
        if score >= 0.5:
            scored.append((-score, key, label))
    scored.sort()
    return [label for _, _, label in scored[:3]]


def find_metric(name: str) -> Any:
    """The catalog Metric for a key, an older alias or a page label (case-insensitive)."""
    from mobility_nb.data.catalog import ALIASES, REDEFINED, UnknownMetricError, get_metric

    text = str(name).strip()
    if text in ALIASES or text in REDEFINED:
        return get_metric(text)  # older columns keep the catalog's own explanation
    key = _metric_names().get(_key(text))
    if key is not None:
        return get_metric(key)
    try:
        return get_metric(text)
    except UnknownMetricError as exc:
        keys = list(exc.suggestions)
    from mobility_nb.data.catalog import _metrics

    labels = {_key(m.label): (m.label, k) for k, m in _metrics().items()}
    close = difflib.get_close_matches(_key(text), list(labels), n=3, cutoff=0.6)
    close += [c for c in _by_words(text) if c not in close]
    suggestions = [f"{labels[c][0]!r} ({labels[c][1]})" for c in close[:3]]
    suggestions += [k for k in keys if k not in {labels[c][1] for c in close[:3]}]
    raise UnknownMeasureError(
        f"{text!r} is neither a Mobility Metrics column nor a metric label of the 2025 "
        "catalog (labels are the metric names the Step 2 page shows).",
        suggestions[:4],
    )


def _acs_registry() -> dict[str, Any]:
    try:
        from mobility_nb.acs.indicators import BY_KEY
    except ImportError:
        return {}
    return dict(BY_KEY)


def acs_labels() -> list[tuple[str, str]]:
    """(label, key) of every ACS indicator of the Step 5 layer (empty without the layer)."""
    return [(d.label, k) for k, d in _acs_registry().items()]


def find_acs_indicator(name: str) -> str:
    """The ACS indicator key for a key or label (case-insensitive); '' without the layer."""
    registry = _acs_registry()
    if not registry:
        return str(name).strip()
    names = {}
    for key, definition in registry.items():
        names[_key(key)] = key
        names.setdefault(_key(definition.label), key)
    found = names.get(_key(name))
    if found is not None:
        return found
    close = difflib.get_close_matches(_key(name), list(names), n=2, cutoff=0.6)
    hint = f" (did you mean {names[close[0]]!r}?)" if close else ""
    raise UnknownMeasureError(
        f"{str(name).strip()!r} is not an ACS indicator of the Step 5 layer{hint}; use one of "
        + ", ".join(registry),
        [],
    )
