"""The Step 5.2 inventory merges what was loaded with what the analyst declared."""

from __future__ import annotations

import pytest

from mobility_nb.errors import ParamsError
from mobility_nb.steps.step5 import inventory


def test_loaded_first_then_declared_and_duplicates_merged():
    loaded = [
        {
            "Source": "American Community Survey 5-year",
            "Owner": "US Census Bureau",
            "Status": "loaded from the local ACS store",
        }
    ]
    declared = [
        {"source": "311 service requests", "owner": "City", "geography": "address"},
        {
            "source": "American Community Survey 5-year",
            "quality_notes": "tract MOEs are large",
            "status": "ignored for loaded rows",
        },
    ]
    table = inventory.build_inventory(declared, loaded)
    assert list(table.columns) == inventory.COLUMNS
    assert list(table["Source"]) == ["American Community Survey 5-year", "311 service requests"]
    acs = table.iloc[0]
    assert acs["Quality notes"] == "tract MOEs are large"
    assert acs["Status"] == "loaded from the local ACS store"
    assert table.iloc[1]["Status"].startswith("planned")


def test_aliases_and_unknown_keys():
    rows = inventory.declared_rows([{"name": "Survey", "agency": "County", "notes": "n=400"}])
    assert rows[0]["Source"] == "Survey" and rows[0]["Owner"] == "County"
    assert rows[0]["Quality notes"] == "n=400"
    with pytest.raises(ParamsError, match="Did you mean 'geography'"):
        inventory.declared_rows([{"source": "x", "geograpy": "tract"}])
    with pytest.raises(ParamsError, match="needs a 'source'"):
        inventory.declared_rows([{"owner": "x"}])
    with pytest.raises(ParamsError, match="must be a mapping"):
        inventory.declared_rows(["just text"])
