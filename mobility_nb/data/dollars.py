"""Constant dollars: every comparison of dollar values across years uses one year's dollars.

Urban's income percentiles are in dollars of each survey year (ACS dollar figures are in
dollars of the survey's last year), so a rise from 2014 to 2023 partly reflects
inflation. We convert with the CPI-U (BLS series CUUR0000SA0: all items, U.S. city average,
all urban consumers, not seasonally adjusted), annual averages, as shipped offline by the
``cpi`` package (its SQLite file of the BLS series; it downloads only when that file is
missing, which a normal install never is). The package warns when its data are more than
three months old; that matters only for converting to the current month, never for the
past annual averages used here, so the warning is silenced on import.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from functools import lru_cache

from mobility_nb.errors import DollarsError

SERIES_ID = "CUUR0000SA0"
INDEX_NAME = "CPI-U (all items, U.S. city average, BLS series CUUR0000SA0), annual average"


@lru_cache(maxsize=1)
def _cpi_module():
    log = logging.getLogger("cpi")
    level = log.level
    log.setLevel(logging.ERROR)  # it also logs the stale-data warning
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # StaleDataWarning: see the module docstring
            import cpi
    finally:
        log.setLevel(level)
    return cpi


@lru_cache(maxsize=64)
def cpi_u(year: int) -> float:
    """The CPI-U annual average for ``year`` (1982-84 = 100)."""
    module = _cpi_module()
    try:
        return float(module.get(int(year), series_id=SERIES_ID))
    except Exception as exc:  # the package raises its own lookup errors
        raise DollarsError(
            f"The installed CPI data (package cpi, latest year {module.LATEST_YEAR}) has no "
            f"annual average for {year}, so dollar values of {year} cannot be converted. "
            "Upgrade the cpi package (pip install -U cpi) to get newer BLS data."
        ) from exc


def factor(from_year: int, to_year: int) -> float:
    """Multiply dollars of ``from_year`` by this to express them in dollars of ``to_year``."""
    if int(from_year) == int(to_year):
        return 1.0
    return cpi_u(to_year) / cpi_u(from_year)


def in_dollars_of(values: Iterable[float], years: Iterable[int], to_year: int) -> list[float]:
    """Each value (dollars of its own year) in dollars of ``to_year``."""
    return [v * factor(y, to_year) for v, y in zip(values, years, strict=True)]


def describe(to_year: int) -> str:
    """What a page says about its conversion, naming the index and the base year."""
    return (
        f"Dollar values from earlier years are shown in {to_year} dollars, converted with the "
        f"{INDEX_NAME}."
    )
