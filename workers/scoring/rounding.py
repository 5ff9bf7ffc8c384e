"""Exact arithmetic and HALF-UP rounding (never float, never banker's rounding).

Python's ``round(2.675, 2)`` gives 2.67 (binary float) and ``round(0.125, 2)`` gives 0.12 (banker's);
a government report writes 2.68 and 0.13. Every published number goes through ``half_up``.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

Number = int | float | Fraction | Decimal


def to_fraction(value: Number) -> Fraction:
    """Convert exactly; a float is read through its shortest decimal repr (``88.31`` → 8831/100)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def half_up(value: Number, places: int = 2) -> Decimal:
    """Round ``value`` HALF-UP (away from zero on a tie) to ``places`` decimals, exactly."""
    exact = to_fraction(value)
    scaled = abs(exact) * (10**places)
    rounded = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)  # floor(x + 1/2)
    result = Decimal(rounded).scaleb(-places).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return -result if exact < 0 else result


def half_up_float(value: Number | None, places: int = 2) -> float | None:
    """``half_up`` as a float for JSON (the float prints as the rounded decimal); None stays None."""
    return None if value is None else float(half_up(value, places))


def percentage(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator × 100`` rounded half-up to 2 decimals; None when denominator is 0."""
    if denominator == 0:
        return None
    return half_up_float(Fraction(numerator * 100, denominator))
