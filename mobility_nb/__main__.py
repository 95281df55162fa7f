"""``python -m mobility_nb`` is the ``mobility-nb`` command."""

import sys

from mobility_nb.cli import main

sys.exit(main())
