"""``mobility-nb data status|update|diff``: follow Urban's releases of the Mobility Metrics."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mobility_nb.cli.app import COMMANDS
from mobility_nb.data import layout
from mobility_nb.data.release_diff import diff
from mobility_nb.data.releases import status, update


def register(subparsers: Any) -> None:
    """Add ``mobility-nb data`` (status, update, diff) to the ``mobility-nb`` command."""
    data = subparsers.add_parser(
        "data",
        help=COMMANDS["data"],
        description="Follow Urban's releases of the Mobility Metrics files.",
    )

    def _usage(_args: argparse.Namespace) -> int:
        data.print_help(sys.stderr)
        return 2

    data.set_defaults(func=_usage)
    actions = data.add_subparsers(dest="data_command", metavar="ACTION")

    st = actions.add_parser(
        "status",
        help="which release and files the data folder holds",
        description="List the Mobility Metrics files pages read: release each came from, "
        "size, sha256, years, and whether it is the pinned release's file.",
    )
    _data_dir_option(st, "folder to inspect (default: $MOBILITY_NB_DATA, then the cache)")
    st.add_argument("--json", action="store_true", help="print the result as JSON")
    st.set_defaults(func=_cmd_status)

    up = actions.add_parser(
        "update",
        help="download a release into the cache and make it current",
        description="Download every file of a release into its own cache folder, check "
        "each, and only then switch pages to it. An interrupted update leaves "
        "the previous release in use; run it again to resume.",
    )
    up.add_argument(
        "--release",
        metavar="TAG",
        help=f"release tag of UI-Research/mobility-from-poverty (default: the "
        f"pinned {layout.pinned_release()})",
    )
    up.add_argument(
        "--manifest",
        metavar="FILE",
        help="JSON list of the release's files (name, path, header, sha256, "
        "required); default: the pinned file list at TAG",
    )
    _data_dir_option(
        up,
        "cache folder to download into (default: $MOBILITY_NB_DATA when it "
        "is a mobility-nb cache, else the user cache)",
    )
    up.add_argument("--json", action="store_true", help="print the result as JSON")
    up.set_defaults(func=_cmd_update)

    df = actions.add_parser(
        "diff",
        help="what changed between two releases",
        description="Compare two releases (tags in the cache, or folders): metrics added, "
        "renamed and dropped; years added and removed; revised values per "
        "metric, and for one place with --jurisdiction.",
    )
    df.add_argument("old", metavar="OLD", help="older release: a tag in the cache or a folder")
    df.add_argument("new", metavar="NEW", help="newer release: a tag in the cache or a folder")
    df.add_argument(
        "-j",
        "--jurisdiction",
        metavar="X",
        help="also list this place's changed values (FIPS, GEOID or name)",
    )
    df.add_argument(
        "--level",
        choices=["county", "place"],
        help="look for the jurisdiction among counties or cities only",
    )
    df.add_argument(
        "--limit",
        type=int,
        default=60,
        metavar="N",
        help="rows of the place's changes to print (0: all; default 60)",
    )
    _data_dir_option(
        df,
        "cache holding the tags (default: $MOBILITY_NB_DATA when it is a "
        "mobility-nb cache, else the user cache)",
    )
    df.add_argument("--json", action="store_true", help="print the result as JSON")
    df.set_defaults(func=_cmd_diff)


def _data_dir_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument(
        "--data-dir", dest="data_dir", metavar="DIR", default=argparse.SUPPRESS, help=help_text
    )


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _cmd_status(args: argparse.Namespace) -> int:
    result = status(getattr(args, "data_dir", None))
    _print_json(result.to_dict()) if args.json else print(result.text())
    return 0


def _cmd_update(args: argparse.Namespace) -> int:
    def echo(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        result = update(
            args.release,
            getattr(args, "data_dir", None),
            manifest=args.manifest,
            echo=None if args.json else echo,
        )
    except KeyboardInterrupt:
        echo(
            "mobility-nb: update interrupted. The release pages read has not changed; the "
            "files that arrived are kept, so the same command resumes where it stopped."
        )
        return 130
    _print_json(result.to_dict()) if args.json else print(result.text())
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    result = diff(
        args.old,
        args.new,
        args.jurisdiction,
        level=args.level,
        data_dir=getattr(args, "data_dir", None),
    )
    _print_json(result.to_dict()) if args.json else print(result.text(limit=args.limit))
    return 0
