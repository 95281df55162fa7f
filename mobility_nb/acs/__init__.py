"""American Community Survey data for Step 5: fetched once, stored locally, read with MOEs.

* :mod:`.moe` - the Census Bureau's formulas for derived margins of error, CV tiers.
* :mod:`.sentinels` - special values (-666666666 ...) to NaN/0 plus a readable flag.
* :mod:`.client` - the ``census`` package on a cached, retried session; key from the
  environment only, never in a message.
* :mod:`.store` / :mod:`.fetch` - whole-state prefetch into a local parquet store.
* :mod:`.indicators` - the declarative indicator registry and codebook.
* :mod:`.tracts` / :mod:`.maps` - tract spread, concentration, choropleths.
* :mod:`.replay` - an offline Census API built from the shared ACS extracts (demo, tests).
* :mod:`.cli` - ``mobility-nb census fetch|status``.
"""

from __future__ import annotations

from mobility_nb.acs.client import CensusClient, CensusKeyError, CensusQueryError
from mobility_nb.acs.store import ACSStoreMissingError

__all__ = ["ACSStoreMissingError", "CensusClient", "CensusKeyError", "CensusQueryError"]
