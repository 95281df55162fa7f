"""Text that matplotlib draws exactly as typed.

matplotlib reads text between two ``$`` signs as a TeX formula ("mathtext"), so an
indicator named "Spend $ on #1 priority $" fails to draw (or draws as a formula). Escaping
every ``$`` as ``\\$`` makes matplotlib print a plain dollar sign and leaves every other
character alone (backslashes outside formulas are already literal).
"""

from __future__ import annotations


def literal(text: str) -> str:
    """``text`` escaped for any matplotlib title, label, legend entry or annotation."""
    return str(text).replace("$", r"\$")
