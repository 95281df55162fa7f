"""The ``mobility-nb`` command line: one module per command."""

from mobility_nb.cli.app import main

__all__ = ["main"]
