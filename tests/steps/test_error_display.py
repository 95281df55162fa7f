"""In notebooks, the package's errors show as their message; MOBILITY_NB_DEBUG shows all."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mobility_nb.errors import MobilityNBError, PlanError
from mobility_nb.steps import error_display


@pytest.fixture
def shell(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.delenv("MOBILITY_NB_DEBUG", raising=False)
    sh = InteractiveShell.instance()
    sh.set_custom_exc((), None)
    shown: list[tuple[str, str, list[str]]] = []
    monkeypatch.setattr(
        sh,
        "_showtraceback",
        lambda etype, value, stb: shown.append((etype.__name__, str(value), stb)),
    )
    yield sh, shown
    sh.set_custom_exc((), None)


def test_our_error_shows_its_message_only(shell):
    sh, shown = shell
    assert error_display.install(sh)
    sh.run_cell("from mobility_nb.errors import PlanError\nraise PlanError('p.xlsx', ['a', 'b'])")
    ((ename, evalue, lines),) = shown
    assert ename == "PlanError" and evalue.startswith("The measurement plan p.xlsx has 2")
    assert lines[1] == evalue  # the whole message, every problem on its line
    assert not any("Traceback" in line or "File " in line for line in lines)
    assert "MOBILITY_NB_DEBUG=1" in lines[-1]


def test_debug_switch_shows_the_traceback(shell, monkeypatch):
    sh, shown = shell
    error_display.install(sh)
    monkeypatch.setenv("MOBILITY_NB_DEBUG", "1")
    sh.run_cell("from mobility_nb.errors import ParamsError\nraise ParamsError('bad')")
    ((_, _, lines),) = shown
    assert any("Traceback" in line or "raise ParamsError" in line for line in lines)


def test_other_errors_keep_their_traceback_and_others_handlers_are_kept(shell):
    sh, _ = shell
    error_display.install(sh)
    assert sh.custom_exceptions == (MobilityNBError,)
    sh.set_custom_exc((KeyError,), None)
    assert not error_display.install(sh)  # someone else's handler stays
    assert error_display.install(None) in (True, False)  # outside IPython: no-op


@pytest.mark.notebook
def test_in_a_kernel_the_error_output_keeps_its_name(monkeypatch):
    monkeypatch.delenv("MOBILITY_NB_DEBUG", raising=False)  # the kernel inherits the env
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = new_notebook(
        cells=[
            new_code_cell("import mobility_nb.steps"),
            new_code_cell(
                "from mobility_nb.errors import PlanError\n"
                "raise PlanError('plan.xlsx', ['Plan!N4 (Target value): x', 'Plan!P4: y'])"
            ),
        ]
    )
    with pytest.raises(CellExecutionError):
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    (output,) = nb.cells[1].outputs
    assert output.output_type == "error" and output.ename == "PlanError"
    assert output.evalue == str(PlanError("plan.xlsx", ["Plan!N4 (Target value): x", "Plan!P4: y"]))
    text = "\n".join(output.traceback)
    assert "Plan!P4: y" in text and "Traceback" not in text and "<module>" not in text
    nbformat.validate(nb)
