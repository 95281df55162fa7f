"""In a notebook, the package's errors show as their message, not under a traceback.

An analyst who mistypes a jurisdiction in JupyterLab should read "No county named ...
Closest matches: ..." at the top of the cell's output, not as the last line under a
screen of frames. :func:`install` registers an IPython custom exception handler for
:class:`~mobility_nb.errors.MobilityNBError` (the root of every error the package raises
on purpose); it is called when :mod:`mobility_nb.steps` is imported inside IPython. The
error still goes out as an error (name and message kept), so papermill, the batch
engine and the failure reports see it as before. ``MOBILITY_NB_DEBUG=1`` (set by
``mobility-nb --debug`` for the kernels it starts) shows the full traceback instead.
Any other exception keeps IPython's normal traceback: it is a bug, and the frames help.
"""

from __future__ import annotations

import sys
from typing import Any

from mobility_nb.config import DEBUG_ENV, debug_enabled
from mobility_nb.errors import MobilityNBError

_RED, _BOLD, _DIM, _RESET = "\x1b[31m", "\x1b[1m", "\x1b[2m", "\x1b[0m"


def message_lines(exc: BaseException) -> list[str]:
    """What the cell shows: a heading naming the kind of error, then the message as is."""
    heading = f"{_RED}{_BOLD}{type(exc).__name__}{_RESET}"
    return [heading, str(exc), f"{_DIM}(Set {DEBUG_ENV}=1 for the full traceback.){_RESET}"]


def _show(
    shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None
) -> list[str]:
    """The handler IPython calls for our errors; it must display the error itself."""
    if debug_enabled():
        stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    else:
        stb = message_lines(value)
    shell._showtraceback(etype, value, stb)  # an error output: ename, evalue, these lines
    return stb


def install(shell: Any = None) -> bool:
    """Register the handler in the running IPython shell; False when there is none.

    Leaves a shell alone that already has custom exceptions of someone else's.
    """
    if shell is None:
        if "IPython" not in sys.modules:
            return False  # never import IPython just to find out
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    current = tuple(getattr(shell, "custom_exceptions", ()) or ())
    if current and current != (MobilityNBError,):
        return False
    shell.set_custom_exc((MobilityNBError,), _show)
    return True
