"""The package's own modules, for tests that hold a rule over every one of them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import mobility_nb

PACKAGE = Path(mobility_nb.__file__).resolve().parent


def package_modules() -> Iterator[tuple[str, str, ast.Module]]:
    """Each module's path within the package (POSIX), its text and its parsed tree, sorted."""
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        yield path.relative_to(PACKAGE).as_posix(), text, ast.parse(text)
