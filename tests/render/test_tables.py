"""Page blocks of mobility_nb.render.tables that are not tables."""

from __future__ import annotations

import pandas as pd

from mobility_nb.render import formats
from mobility_nb.render.tables import definitions


def test_definitions_name_each_row_and_leave_missing_cells_out():
    df = pd.DataFrame(
        {
            "Source": ["ACS <5-year>", "Local file"],
            "Owner": ["US Census Bureau", formats.MISSING],
            "Years": ["2018\u20132022", "-"],
        }
    )
    html = definitions(df, caption="Data inventory")
    assert html.startswith("<p><strong>Data inventory</strong></p><dl class='mnb-defs'>")
    assert "<dt>ACS &lt;5-year&gt;</dt>" in html
    assert "Owner:</span> US Census Bureau" in html
    assert html.count("Owner:") == 1 and html.count("Years:") == 1
