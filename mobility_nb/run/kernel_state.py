"""Kernel-side half of warm-kernel reuse: remember a clean state, put it back after a page.

This module is imported *inside* the Jupyter kernel. :func:`snapshot` runs once, right
after the kernel has started and imported the heavy modules; :func:`restore` runs after
every page so the next page sees what a freshly started kernel would show it: an empty
user namespace, no open figures, the same rcParams, warning filters, pandas options,
working directory, ``sys.path``, environment and IPython event hooks. Imported modules
and package-level caches (parsed data files) are deliberately kept: that is the speed-up.

State lives in this module, not in the user namespace, so ``%reset -f`` cannot erase it.
"""

from __future__ import annotations

import gc
import os
import sys
import warnings
from typing import Any

_saved: dict[str, Any] = {}

# Imported before the snapshot so their import-time side effects (backend choice, inline
# figure hooks) are part of the clean state instead of differing between first and later pages.
WARM_IMPORTS = ("pandas", "matplotlib", "matplotlib.pyplot", "mobility_nb.render.figures")


def _shell():
    from IPython import get_ipython

    return get_ipython()


def _pandas_options() -> dict[str, Any] | None:
    pd = sys.modules.get("pandas")
    if pd is None:
        return None
    try:
        from pandas._config.config import _registered_options
    except ImportError:  # pragma: no cover - private API moved; fall back to reset_option
        return {}
    values = {}
    for key in _registered_options:
        try:
            values[key] = pd.get_option(key)
        except Exception:  # noqa: BLE001 - deprecated/removed keys raise; they are not state
            continue
    return values


def _restore_pandas(saved: dict[str, Any] | None) -> None:
    pd = sys.modules.get("pandas")
    if pd is None or saved is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not saved:
            pd.reset_option("all")
            return
        for key, value in saved.items():
            try:
                if pd.get_option(key) != value:
                    pd.set_option(key, value)
            except Exception:  # noqa: BLE001 - an option that cannot be set is not our state
                continue


def snapshot(preload: tuple[str, ...] = WARM_IMPORTS) -> None:
    """Import ``preload`` and record the clean state every page should start from."""
    import importlib

    for name in preload:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    shell = _shell()
    mpl = sys.modules.get("matplotlib")
    _saved.clear()
    _saved.update(
        cwd=os.getcwd(),
        sys_path=list(sys.path),
        environ=dict(os.environ),
        warning_filters=list(warnings.filters),
        rc=dict(mpl.rcParams) if mpl is not None else None,
        pandas=_pandas_options(),
        events={name: list(cbs) for name, cbs in shell.events.callbacks.items()},
    )
    _freeze_heap()


def _freeze_heap() -> None:
    """Collect garbage, then exempt every surviving object from future collections.

    Survivors are modules and package caches that live as long as the kernel. Without
    this, each collection (IPython's reset runs one) walks the whole pandas/matplotlib
    heap: ~60 ms per page instead of ~2 ms.
    """
    gc.collect()
    gc.freeze()


def _restore_rc(saved: dict[str, Any] | None) -> None:
    mpl = sys.modules.get("matplotlib")
    if mpl is None:
        return
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
    if saved is None:
        # matplotlib was first imported by a page; a fresh kernel would have the defaults.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mpl.rcdefaults()
        return
    rc = mpl.rcParams
    changed = {k: v for k, v in saved.items() if rc.get(k) != v}
    if changed:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # dict.update bypasses validation (values came from a valid RcParams) and the
            # backend-switch side effects of assigning "backend".
            dict.update(rc, changed)


def _restore_environ(saved: dict[str, str]) -> None:
    for key in set(os.environ) - set(saved):
        del os.environ[key]
    for key, value in saved.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


def release_memory() -> None:
    """Hand freed memory back to the OS: pyarrow's pool and glibc keep it otherwise.

    Parsing the county file through pyarrow leaves ~100 MB in its allocator pool after
    the tables are built; per kernel, across a batch's lifetime, that is pure waste.
    """
    import contextlib

    pa = sys.modules.get("pyarrow")
    if pa is not None:
        with contextlib.suppress(Exception):  # an allocator without the call: nothing to free
            pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL("libc.so.6").malloc_trim(0)


def restore() -> None:
    """Put the kernel back into the state recorded by :func:`snapshot`."""
    if not _saved:
        raise RuntimeError("kernel_state.restore() called before snapshot()")
    shell = _shell()
    shell.run_line_magic("reset", "-f")
    shell.execution_count = 1
    for name, callbacks in _saved["events"].items():
        shell.events.callbacks[name][:] = callbacks
    os.chdir(_saved["cwd"])
    sys.path[:] = _saved["sys_path"]
    _restore_environ(_saved["environ"])
    warnings.filters[:] = _saved["warning_filters"]
    warnings.onceregistry.clear()
    # Invalidates every module's __warningregistry__, so a warning already shown on an
    # earlier page is shown again, as it would be in a fresh kernel.
    warnings._filters_mutated()  # type: ignore[attr-defined]
    _restore_rc(_saved["rc"])
    _restore_pandas(_saved["pandas"])
    _freeze_heap()
    release_memory()
