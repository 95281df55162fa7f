"""``mobility-nb init DIR``: an analyst's own workbook folder, made from the installed package.

This is how a template is normally used: the notebooks, example parameters and plans, an
``outputs/`` folder and a short README are copied out of the package into a folder the
analyst owns (and may put under version control). Files already there are never
overwritten; without ``--force`` a folder that holds anything else is refused.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from mobility_nb import __version__
from mobility_nb.cli.app import COMMANDS
from mobility_nb.config import examples_dir
from mobility_nb.errors import ParamsError
from mobility_nb.steps import REGISTRY

README = """# {name}: a mobility-nb workbook

Made by `mobility-nb init` (mobility-nb {version}). Everything here is yours to edit.

- `notebooks/`: the three step notebooks. Open them in JupyterLab (`jupyter lab`), set the
  parameters cell and choose *Run All*; each writes its CSV and provenance to
  `outputs/<step>/`.
- `params/`: example parameters, measurement plans (`step8_*.yaml`) and local data files.
  Copy one and change it for your place.
- `outputs/`: pages built from the command line land here.

From this folder:

    mobility-nb run step2 --jurisdiction "Cook County, IL"
    mobility-nb run step8 --params params/step8_cook_county.yaml
    mobility-nb batch --state PA --level county --steps step2

The Urban Institute files are downloaded into your user cache on first use (or set
`MOBILITY_NB_DATA` to a folder that holds them). Step 5 reads American Community Survey data
from a local store: `mobility-nb census fetch --state PA` with `CENSUS_API_KEY` set in your
environment (never in a notebook), or `mobility-nb census import` for tables you already have.
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "init",
        help=COMMANDS["init"],
        description="Copy the step notebooks, the example parameters and plans, and an empty "
        "outputs/ folder from the installed package into DIR, with a short README. Files "
        "already in DIR are kept as they are.",
    )
    p.add_argument("folder", metavar="DIR", help="the folder to create (or fill)")
    p.add_argument(
        "--force",
        action="store_true",
        help="add the missing files to a folder that already holds other things",
    )
    p.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace) -> int:
    made = init_workbook(Path(args.folder), force=args.force)
    print(f"Workbook folder {args.folder}: {len(made)} file(s) written.")
    print(f"Next: cd {args.folder} && jupyter lab   (or: mobility-nb run step2 -j 17031)")
    return 0


def init_workbook(folder: Path, *, force: bool = False) -> list[Path]:
    """Create ``folder`` as a workbook; returns the files written (never overwrites one)."""
    if folder.exists() and not folder.is_dir():
        raise ParamsError(f"{folder} exists and is a file. Choose a folder name for init.")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise ParamsError(
            f"{folder} is not empty. Choose a new folder, or add --force to copy only the "
            "files it does not have yet (nothing there is overwritten)."
        )
    planned: dict[Path, Path | str] = {}
    for step in REGISTRY.values():
        planned[folder / "notebooks" / step.shipped_notebook.name] = step.shipped_notebook
    for source in sorted(examples_dir().rglob("*")):
        if source.is_file() and "__pycache__" not in source.parts:
            planned[folder / "params" / source.relative_to(examples_dir())] = source
    planned[folder / "outputs" / ".gitkeep"] = ""
    planned[folder / "README.md"] = README.format(name=folder.name, version=__version__)
    written = []
    for target, source in planned.items():
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            shutil.copyfile(source, target)
        else:
            target.write_text(source, encoding="utf-8")
        written.append(target)
    return written
