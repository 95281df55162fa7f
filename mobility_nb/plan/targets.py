"""Target values computed from rules, each with a plain-English account of the arithmetic.

Rule definitions (the page prints the explanation of each computed target):

* ``value`` - the plan's number, as written.
* ``reach_state_median`` - the median of every jurisdiction of the same level in the
  same state that has a value in the baseline year, the jurisdiction itself included
  (a state has few large cities: Pennsylvania has 7 in the city file). Needs 3 values.
* ``reach_peer_top_quartile`` - the peers' top-quartile boundary in the baseline year:
  the 75th percentile of their values when higher is better, the 25th when lower is
  better, by linear interpolation (numpy's default, Excel's QUARTILE.INC). Peers are the
  target's ``peers``, else the plan's ``peers``, else every other jurisdiction of the same
  level in the state. The jurisdiction itself is never its own peer. Needs 4 peer values.
* ``close_gap_to_benchmark`` - baseline + percent/100 x (benchmark - baseline), where the
  benchmark is a number, the national median (all jurisdictions of the level with a value
  in the baseline year) or the state median (as above).
* ``close_subgroup_gap`` - the tracked measure becomes the gap between two subgroups,
  |reference - group|; the target is (1 - percent/100) x the baseline gap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

Fmt = Callable[[float], str]
MIN_STATE_VALUES = 3
MIN_PEER_VALUES = 4


@dataclass(frozen=True)
class ComputedTarget:
    """A target value (None when it could not be computed) and how it was obtained."""

    value: float | None
    year: int
    rule: str
    explanation: str
    warning: str = ""  # e.g. the rule set a target worse than the baseline

    @property
    def text(self) -> str:
        """The explanation followed by any warning (what the page prints)."""
        return f"{self.explanation} {self.warning}".strip()


def _pct(percent: float) -> str:
    return f"{percent:g}%"


def absolute(value: float, year: int, fmt: Fmt, note: str = "") -> ComputedTarget:
    """``note`` says how the typed number was read, e.g. 'read from 0.6'."""
    read = f" ({note})" if note else ""
    return ComputedTarget(value, year, "value", f"Set in the plan: {fmt(value)}{read} by {year}.")


RULE_WORDS = {
    "value": "The target typed in the plan",
    "reach_state_median": "The state-median rule",
    "reach_peer_top_quartile": "The peer top-quartile rule",
    "close_gap_to_benchmark": "The close-the-gap rule",
    "close_subgroup_gap": "The subgroup-gap rule",
}


def worse_than_baseline(
    target: ComputedTarget,
    baseline_value: float,
    baseline_year: int,
    direction: int,
    fmt: Fmt,
) -> str:
    """A warning when a target lies on the wrong side of (or at) the baseline; '' otherwise.

    A state median below a place that is already ahead of its state would "reach" a worse
    value; the page must say so instead of printing the number as an aim.
    """
    if target.value is None or direction not in (1, -1):
        return ""
    ahead = direction * (target.value - baseline_value)
    if ahead > 0:
        return ""
    who = RULE_WORDS.get(target.rule, "The rule")
    typed = target.rule == "value"
    gives = (
        f"{who} ({fmt(target.value)}) is"
        if typed
        else f"{who} gives a target ({fmt(target.value)})"
    )
    instead = (
        "Type a target beyond the baseline."
        if typed
        else "Choose another rule or type a target beyond the baseline."
    )
    if ahead == 0:
        return (
            f"{gives} equal to the {baseline_year} baseline ({fmt(baseline_value)}): it asks "
            f"for no improvement. {instead}"
        )
    side = "below" if direction > 0 else "above"
    better = "higher" if direction > 0 else "lower"
    return (
        f"{gives} worse than the {baseline_year} baseline ({fmt(baseline_value)}; {side} "
        f"it, while {better} is better): the place is already past it. {instead}"
    )


def state_values(cross: pd.DataFrame, state: str) -> pd.Series:
    """Values of one state's jurisdictions from a cross-section frame."""
    return cross.loc[cross["state"] == state, "value"].astype(float)


def median_of(values: Sequence[float] | pd.Series) -> float:
    return float(np.median(np.asarray(values, dtype=float)))


def reach_state_median(
    cross: pd.DataFrame,
    state: str,
    where: str,
    data_year: int,
    target_year: int,
    fmt: Fmt,
) -> ComputedTarget:
    """``where`` names the group in words, e.g. 'Pennsylvania cities'."""
    values = state_values(cross, state)
    n = len(values)
    rule = "reach_state_median"
    if n < MIN_STATE_VALUES:
        return ComputedTarget(
            None,
            target_year,
            rule,
            (
                f"Cannot compute the state median: only {n} {where} have a value in {data_year} "
                f"(at least {MIN_STATE_VALUES} needed). Set an absolute target instead."
            ),
        )
    median = median_of(values)
    return ComputedTarget(
        median,
        target_year,
        rule,
        (
            f"Median of the {n} {where} with a value in {data_year} (this jurisdiction "
            f"included): {fmt(median)}. Target: reach it by {target_year}."
        ),
    )


def reach_peer_top_quartile(
    cross: pd.DataFrame,
    peers: Sequence[str],
    focal: str,
    direction: int,
    data_year: int,
    target_year: int,
    fmt: Fmt,
    names: dict[str, str] | None = None,
    peer_note: str = "",
) -> ComputedTarget:
    """Quartile boundary of the peers' values; ``direction`` +1 higher is better, -1 lower."""
    rule = "reach_peer_top_quartile"
    peer_ids = [p for p in dict.fromkeys(peers) if p != focal]
    have = cross[cross["geoid"].isin(peer_ids)]
    missing = [p for p in peer_ids if p not in set(have["geoid"])]
    n = len(have)
    if n < MIN_PEER_VALUES:
        return ComputedTarget(
            None,
            target_year,
            rule,
            (
                f"Cannot compute the peer top quartile: only {n} of {len(peer_ids)} peers have a "
                f"value in {data_year} (at least {MIN_PEER_VALUES} needed). Name more peers or "
                "set an absolute target."
            ),
        )
    q = 0.75 if direction > 0 else 0.25
    value = float(np.quantile(have["value"].to_numpy(dtype=float), q))
    side = "highest" if direction > 0 else "lowest"
    text = (
        f"Top quartile of {n} peers in {data_year}{peer_note}: the {int(q * 100)}th percentile "
        f"of their values (linear interpolation, as Excel's QUARTILE.INC) is {fmt(value)}, "
        f"the threshold of the {side} quarter. Target: reach it by {target_year}."
    )
    if missing:
        label = [names.get(p, p) if names else p for p in missing]
        text += f" Peers without a value in {data_year}: {', '.join(label)}."
    return ComputedTarget(value, target_year, rule, text)


def close_gap_to_benchmark(
    baseline: float,
    baseline_year: int,
    benchmark: float,
    benchmark_label: str,
    percent: float,
    target_year: int,
    fmt: Fmt,
    note: str = "",
) -> ComputedTarget:
    value = baseline + percent / 100 * (benchmark - baseline)
    read = f", {note}" if note else ""
    return ComputedTarget(
        value,
        target_year,
        "close_gap_to_benchmark",
        (
            f"Close {_pct(percent)} of the gap between the baseline ({fmt(baseline)} in "
            f"{baseline_year}) and {benchmark_label} ({fmt(benchmark)}{read}): {fmt(baseline)} + "
            f"{percent / 100:g} x ({fmt(benchmark)} - {fmt(baseline)}) = {fmt(value)} by "
            f"{target_year}."
        ),
    )


def close_subgroup_gap(
    group: str,
    group_value: float,
    reference: str,
    reference_value: float,
    data_year: int,
    percent: float,
    target_year: int,
    fmt: Fmt,
    fmt_gap: Fmt,
) -> ComputedTarget:
    gap = abs(reference_value - group_value)
    value = (1 - percent / 100) * gap
    return ComputedTarget(
        value,
        target_year,
        "close_subgroup_gap",
        (
            f"In {data_year} {reference} was at {fmt(reference_value)} and {group} at "
            f"{fmt(group_value)}: a gap of {fmt_gap(gap)}. Closing {_pct(percent)} of it leaves "
            f"(1 - {percent / 100:g}) x {fmt_gap(gap)} = {fmt_gap(value)} by {target_year}. "
            "Progress is measured on the gap."
        ),
    )


def unavailable(rule: str, year: int, reason: str) -> ComputedTarget:
    return ComputedTarget(None, year, rule, reason)
