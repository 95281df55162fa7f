"""Step 8 measurement plans: read a plan, fill it with data, judge progress, export it.

Modules, in the order the data flow through them: :mod:`.workbook` (the Excel template and
its reader) and :mod:`.schema` (the YAML file, and the one validator for both),
:mod:`.references` (metric and place names), :mod:`.units` (typed values <-> stored
values), :mod:`.sources` (where numbers come from), :mod:`.baselines`, :mod:`.targets`,
:mod:`.progress`, :mod:`.assess` (ties them together) and :mod:`.export`.
"""

from __future__ import annotations

from mobility_nb.plan.assess import IndicatorResult, PlanResult, assess_plan, status_counts
from mobility_nb.plan.export import export_plan, plan_frame
from mobility_nb.plan.progress import STATUSES
from mobility_nb.plan.schema import Plan, PlanError, load_plan
from mobility_nb.plan.sources import IndicatorSource, LocalSource, MetricsSource, Sources
from mobility_nb.plan.workbook import read_workbook, write_template

__all__ = [
    "IndicatorResult",
    "IndicatorSource",
    "LocalSource",
    "MetricsSource",
    "Plan",
    "PlanError",
    "PlanResult",
    "STATUSES",
    "Sources",
    "assess_plan",
    "export_plan",
    "load_plan",
    "plan_frame",
    "read_workbook",
    "status_counts",
    "write_template",
]
