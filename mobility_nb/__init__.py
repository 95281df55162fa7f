"""mobility-nb: parameterised notebooks for Steps 2, 5 and 8 of Urban's upward-mobility guide."""

from __future__ import annotations

from mobility_nb.errors import MobilityNBError

__version__ = "0.1.0"
__all__ = ["MobilityNBError", "__version__"]
