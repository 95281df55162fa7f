"""``mobility-nb init``: an analyst's workbook folder from the installed package."""

from __future__ import annotations

import nbformat
import pytest

from mobility_nb.cli import app
from mobility_nb.config import examples_dir


def test_init_writes_notebooks_params_outputs_and_readme(tmp_path, capsys):
    folder = tmp_path / "austin-workbook"
    assert app.main(["init", str(folder)]) == 0
    notebooks = sorted(p.name for p in (folder / "notebooks").iterdir())
    assert notebooks == [
        "step2_mobility_metrics.ipynb",
        "step5_local_conditions.ipynb",
        "step8_measurement_plan.ipynb",
    ]
    for path in (folder / "notebooks").iterdir():  # real notebooks, not links
        assert not path.is_symlink()
        nbformat.validate(nbformat.read(path, as_version=4))
    assert (folder / "params" / "step8_cook_county.yaml").is_file()
    assert (folder / "params" / "local").is_dir()
    shipped = {p.relative_to(examples_dir()) for p in examples_dir().rglob("*") if p.is_file()}
    copied = {p.relative_to(folder / "params") for p in (folder / "params").rglob("*")}
    assert shipped <= copied
    assert (folder / "outputs").is_dir()
    assert "mobility-nb run step2" in (folder / "README.md").read_text()
    assert "file(s) written" in capsys.readouterr().out


def test_init_never_overwrites_and_refuses_a_full_folder_without_force(tmp_path, capsys):
    folder = tmp_path / "wb"
    folder.mkdir()
    (folder / "README.md").write_text("my own notes\n")
    assert app.main(["init", str(folder)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert app.main(["init", str(folder), "--force"]) == 0
    assert (folder / "README.md").read_text() == "my own notes\n"  # kept
    assert (folder / "notebooks" / "step2_mobility_metrics.ipynb").is_file()


def test_init_on_a_file_is_a_clean_error(tmp_path):
    target = tmp_path / "x"
    target.write_text("")
    from mobility_nb.cli.init import init_workbook
    from mobility_nb.errors import ParamsError

    with pytest.raises(ParamsError, match="is a file"):
        init_workbook(target)
