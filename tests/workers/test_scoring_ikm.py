"""IKU1: IKM per PermenPAN-RB 14/2017 — NRR, exact 1/9, half-up rounding before grading, min sample."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from workers.scoring.ikm import compute_ikm, grade_mutu, min_sample
from workers.scoring.model import Survey
from workers.scoring.rules import DEFAULT_RULES

SPEC_EXAMPLE = [
    [4, 4, 3, 4, 3, 4, 4, 3, 3],
    [3, 3, 3, 4, 3, 3, 4, 3, 2],
    [3, 2, 2, 4, 3, 3, 3, 3, 2],
    [4, 3, 3, 4, 4, 4, 4, 3, 3],
]


def survey(sid: str, scores: list[int], kelurahan_id: int | None = None) -> Survey:
    return Survey(sid, kelurahan_id, date(2026, 3, 1), {f"u{i + 1}": s for i, s in enumerate(scores)})


def test_spec_example_gives_81_25_b() -> None:
    score = compute_ikm([survey(str(i), row) for i, row in enumerate(SPEC_EXAMPLE)], DEFAULT_RULES)
    assert score.converted == Decimal("81.25")
    assert score.mutu == "B"
    assert score.respondents == 4


@pytest.mark.parametrize(
    ("value", "mutu"),
    [("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"), ("65.00", "C"), ("64.99", "D"),
     ("100.00", "A"), ("25.00", "D")],
)
def test_mutu_boundaries(value: str, mutu: str) -> None:
    assert grade_mutu(Decimal(value), DEFAULT_RULES) == mutu
    assert grade_mutu(float(value), DEFAULT_RULES) == mutu


@pytest.mark.parametrize(("population", "sample"), [(100, 80), (1000, 278), (1, 1), (None, None), (0, None)])
def test_krejcie_morgan(population: int | None, sample: int | None) -> None:
    assert min_sample(population) == sample
