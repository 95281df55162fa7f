"""Mobility Metrics data: files, download, catalog, tidy tables, jurisdictions."""
