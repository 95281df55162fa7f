"""Step 5 of the guide: an initial understanding of local conditions (ACS + local data)."""

from mobility_nb.steps.step5.page import Step5Page

__all__ = ["Step5Page"]
