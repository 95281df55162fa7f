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


def add_allow_empty_option(parser: argparse.ArgumentParser) -> None:
    """``--allow-empty``: a page without its step's own data (Step 5 without ACS) is fine."""
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        help="exit 0 even when a Step 5 page has no ACS data in the local store (the "
        "warning naming the command that fills it is still printed)",
    )


def empty_page_warnings(jobs: list, *, limit: int = 5) -> list[str]:
    """Warnings of the step registry's data checks for planned jobs, printed to stderr."""
    import sys

    from mobility_nb.steps import get_step

    found = [(job, get_step(job.step).missing_data(job)) for job in jobs]
    found = [(job, text) for job, text in found if text]
    for job, text in found[:limit]:
        print(f"Warning: {job.label}: {text}", file=sys.stderr, flush=True)
    if len(found) > limit:
        print(
            f"Warning: {len(found) - limit} more page(s) have no data of their own kind "
            "(see above for how to fill the store).",
            file=sys.stderr,
            flush=True,
        )
    return [text for _, text in found]
