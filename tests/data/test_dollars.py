"""Constant dollars with the CPI-U annual averages shipped by the ``cpi`` package (offline).

BLS CPI-U (CUUR0000SA0) annual averages: 2014 236.736, 2021 270.970, 2022 292.655,
2023 304.702 (1982-84 = 100).
"""

from __future__ import annotations

import socket

import pytest

from mobility_nb.data import dollars
from mobility_nb.errors import DollarsError, MobilityNBError


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the CPI lookup tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_annual_averages_are_the_bls_values(no_network):
    assert dollars.cpi_u(2014) == pytest.approx(236.736)
    assert dollars.cpi_u(2021) == pytest.approx(270.970)
    assert dollars.cpi_u(2023) == pytest.approx(304.702)


def test_factor_and_conversion_by_hand(no_network):
    # $50,000 of 2014 in 2023 dollars: 50,000 x 304.702 / 236.736 = 64,354.81
    assert dollars.factor(2014, 2023) == pytest.approx(304.702 / 236.736)
    assert dollars.factor(2023, 2023) == 1.0
    assert dollars.in_dollars_of([50000, 60000], [2014, 2023], 2023) == pytest.approx(
        [64354.81, 60000], abs=0.01
    )


def test_describe_names_the_index_and_base_year():
    text = dollars.describe(2023)
    assert "2023 dollars" in text and "CPI-U" in text and "CUUR0000SA0" in text


def test_a_year_without_data_is_an_error_that_says_what_to_do():
    with pytest.raises(DollarsError) as info:
        dollars.cpi_u(2199)
    assert isinstance(info.value, MobilityNBError)
    assert "2199" in str(info.value) and "pip install -U cpi" in str(info.value)
