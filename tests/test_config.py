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
