"""Options several commands share."""

from __future__ import annotations

import argparse


def add_data_dir_option(parser: argparse.ArgumentParser) -> None:
    """Accept ``--data-dir`` after a subcommand too, without hiding the global value."""
    parser.add_argument(
        "--data-dir",
        dest="data_dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="folder holding the Mobility Metrics files (default: $MOBILITY_NB_DATA, then "
        "the download cache)",
    )
