"""Step 2 of the guide: use the Mobility Metrics to surface preliminary insights."""

from .page import Step2Page, headline

__all__ = ["Step2Page", "headline"]
