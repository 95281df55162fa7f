"""The ``mobility-nb`` command line: one module per command, assembled in :mod:`.app`."""

import sys


def main(argv=None) -> int:  # noqa: ANN001 - the console-script entry point
    """Entry point of the ``mobility-nb`` console script (see :func:`.app.main`)."""
    try:
        from mobility_nb.cli.app import main as app_main

        return app_main(argv)
    except KeyboardInterrupt:  # Ctrl-C while the command is still starting up
        print("mobility-nb: interrupted; nothing was written.", file=sys.stderr)
        return 130
