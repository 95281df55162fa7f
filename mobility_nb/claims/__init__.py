"""The statistical rules behind every judgement a page makes (strength, concern, change, gap).

Pure functions, each owning one rule, so a page's wording can only say what a test here
supports: :mod:`.uncertainty` (standard errors and z-tests from published bounds),
:mod:`.ranking` (percentiles with ties and their comparison sets, small numbers),
:mod:`.artifacts` (shared survey estimates, breaks in series, documented upstream quirks).
"""
