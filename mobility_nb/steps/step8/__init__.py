"""Step 8 of the guide: the measurement plan with baselines, targets and progress."""

from mobility_nb.steps.step8.page import Step8Page

__all__ = ["Step8Page"]
