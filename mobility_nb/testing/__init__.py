"""Fakes for tests and the offline demo (never used by a real run)."""
