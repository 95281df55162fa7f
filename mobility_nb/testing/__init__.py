"""Helpers used by the tests, the benchmarks and the demo only (never by a published page)."""
