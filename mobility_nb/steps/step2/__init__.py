"""Step 2 of the guide: use the Mobility Metrics to surface preliminary insights."""

from mobility_nb.steps.step2.page import Step2Page, headline

__all__ = ["Step2Page", "headline"]
