"""Folder lookups of config.py that notebooks run by hand depend on."""

from __future__ import annotations

import pytest

from mobility_nb import config


def test_exports_of_a_notebook_run_by_hand(tmp_path, monkeypatch):
    monkeypatch.delenv("MOBILITY_NB_OUTPUTS", raising=False)
    project = tmp_path / "austin-workbook"  # as `mobility-nb init` makes it
    (project / "notebooks").mkdir(parents=True)
    (project / "outputs").mkdir()
    monkeypatch.chdir(project / "notebooks")  # where JupyterLab runs a notebook
    assert config.interactive_outputs_dir("step2") == project / "outputs" / "step2"
    monkeypatch.chdir(tmp_path)  # any other folder: its own outputs/
    assert config.interactive_outputs_dir("step8") == tmp_path / "outputs" / "step8"
    monkeypatch.setenv("MOBILITY_NB_OUTPUTS", str(tmp_path / "mine"))
    assert config.interactive_outputs_dir("step5") == tmp_path / "mine" / "step5"


def test_inside_the_checkout_exports_go_to_its_outputs(monkeypatch):
    root = config.checkout_root()
    if root is None:
        pytest.skip("the package is installed, not run from a checkout")
    monkeypatch.delenv("MOBILITY_NB_OUTPUTS", raising=False)
    monkeypatch.chdir(root / "notebooks")
    assert config.interactive_outputs_dir("step2") == root / "outputs" / "step2"


def test_debug_switch(monkeypatch):
    monkeypatch.setenv("MOBILITY_NB_DEBUG", "1")
    assert config.debug_enabled()
    monkeypatch.setenv("MOBILITY_NB_DEBUG", "0")
    assert not config.debug_enabled()


def test_only_config_reads_our_environment_variables():
    """Every MOBILITY_NB_* variable is read in config.py: elsewhere a string literal naming
    one may only appear in text for people (docstrings, messages), never in a lookup."""
    import ast
    from pathlib import PurePosixPath

    from support.source import package_modules

    stray = []
    for rel, _, tree in package_modules():
        if PurePosixPath(rel).name == "config.py":
            continue
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Call, ast.Subscript)):
                continue
            if isinstance(node, ast.Call):
                args = [*node.args, *(k.value for k in node.keywords)]
            else:
                args = [node.slice]
            for arg in args:
                if (
                    isinstance(arg, ast.Constant)
                    and isinstance(arg.value, str)
                    and arg.value.startswith("MOBILITY_NB_")
                ):
                    stray.append(f"{rel}:{node.lineno}: {arg.value}")
    assert stray == []
