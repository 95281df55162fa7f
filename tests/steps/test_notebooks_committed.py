"""The step notebooks as committed: thin, clean, and sharing one parameter contract."""

from __future__ import annotations

import ast

import nbformat
import pytest
from support.paths import REPO

from mobility_nb.params import notebook_parameters
from mobility_nb.steps import STEPS, locate_notebook

NOTEBOOKS = REPO / "notebooks"
SHARED_PARAMS = {"jurisdiction", "data_dir", "artifacts_dir"}


@pytest.mark.parametrize("step", sorted(STEPS))
def test_notebook_is_clean_thin_and_parameterised(step):
    path = locate_notebook(step)
    assert path.parent.parent.name == "steps"  # shipped inside its step package
    assert (NOTEBOOKS / path.name).resolve() == path.resolve()  # notebooks/ links to it
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip outputs"
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and code[0] is tagged[0]
    assert set(notebook_parameters(path)) >= SHARED_PARAMS
    # Thin: analysis lives in mobility_nb; a cell is a few calls, not a program (no loops,
    # functions or classes defined in the notebook).
    for cell in code[1:]:
        body = ast.parse(cell.source).body
        assert len(body) <= 8, f"{path.name}: a code cell of {len(body)} statements"
        assert not any(
            isinstance(n, (ast.For, ast.While, ast.FunctionDef, ast.ClassDef))
            for n in ast.walk(ast.Module(body=body, type_ignores=[]))
        )
    assert sum(c.cell_type == "markdown" for c in nb.cells) >= 3  # narrative, not just code
