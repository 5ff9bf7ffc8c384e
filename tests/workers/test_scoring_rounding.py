"""HALF-UP rounding on exact values: never binary-float, never banker's."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.scoring.rounding import half_up, half_up_float, percentage, to_fraction


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2.675, "2.68"),  # float 2.675 is 2.67499999…; round() gives 2.67
        (0.125, "0.13"),  # banker's rounding gives 0.12
        (Fraction(78125, 1000), "78.13"),
        (Fraction(1, 3), "0.33"),
        (Fraction(2, 3), "0.67"),
        (-0.125, "-0.13"),
        (5, "5.00"),
        (Decimal("88.305"), "88.31"),
        (Decimal("88.3049"), "88.30"),
    ],
)
def test_half_up(value, expected: str) -> None:
    assert half_up(value) == Decimal(expected)
    assert str(half_up(value)) == expected


def test_half_up_places() -> None:
    assert half_up(Fraction(13, 4), 4) == Decimal("3.2500")
    assert half_up(Fraction(5, 2), 0) == Decimal(3)
    assert half_up_float(None) is None
    assert half_up_float(Fraction(1, 8), 2) == 0.13


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(3, 7, 42.86), (1, 8, 12.5), (1, 3, 33.33), (2, 3, 66.67), (0, 5, 0.0), (5, 5, 100.0), (1, 0, None),
     (1, 800, 0.13)],
)
def test_percentage(numerator: int, denominator: int, expected: float | None) -> None:
    assert percentage(numerator, denominator) == expected


@given(st.decimals(min_value=-10**6, max_value=10**6, allow_nan=False, allow_infinity=False, places=6))
def test_half_up_matches_decimal_reference(value: Decimal) -> None:
    assert half_up(value) == value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@given(st.integers(min_value=0, max_value=10**5), st.integers(min_value=1, max_value=10**5))
def test_percentage_matches_exact_reference(numerator: int, denominator: int) -> None:
    exact = Decimal(numerator * 100) / Decimal(denominator)  # 28 significant digits: exact enough here
    reference = float((Fraction(numerator * 100, denominator) * 100 * 2 + 1) // 2 / 100)
    assert percentage(numerator, denominator) == reference
    assert abs(Decimal(str(percentage(numerator, denominator))) - exact) <= Decimal("0.005")


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_to_fraction_reads_float_as_its_decimal_repr(value: float) -> None:
    assert to_fraction(value) == Fraction(Decimal(repr(value)))
