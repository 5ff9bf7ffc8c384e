"""IKU1: IKM per PermenPAN-RB 14/2017 — NRR, exact 1/9, half-up rounding before grading, min sample."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.scoring.ikm import ELEMENTS, compute_ikm, grade_mutu, min_sample
from workers.scoring.model import Survey
from workers.scoring.rounding import half_up
from workers.scoring.rules import DEFAULT_RULES, RuleSet

WORKED_EXAMPLE = [
    [4, 4, 3, 4, 3, 4, 4, 3, 3],
    [3, 3, 3, 4, 3, 3, 4, 3, 2],
    [3, 2, 2, 4, 3, 3, 3, 3, 2],
    [4, 3, 3, 4, 4, 4, 4, 3, 3],
]


def survey(sid: str, scores: list[int], kelurahan_id: int | None = None) -> Survey:
    return Survey(sid, kelurahan_id, date(2026, 3, 1), {f"u{i + 1}": s for i, s in enumerate(scores)})


def test_spec_example_gives_81_25_b() -> None:
    score = compute_ikm([survey(str(i), row) for i, row in enumerate(WORKED_EXAMPLE)], DEFAULT_RULES)
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


def uniform_surveys(respondents: int, element_totals: list[int]) -> list[Survey]:
    """``respondents`` full questionnaires whose per-element score totals are ``element_totals``."""
    rows: list[dict[str, int]] = [{} for _ in range(respondents)]
    for index, total in enumerate(element_totals):
        base, extra = divmod(total, respondents)
        for r, row in enumerate(rows):
            row[f"u{index + 1}"] = base + (1 if r < extra else 0)
    return [Survey(f"s{r}", None, date(2026, 3, 1), row) for r, row in enumerate(rows)]


@pytest.mark.parametrize(
    ("grand_total", "converted", "mutu"),
    [
        # 5000 respondents: IKM = grand_total / 1800 exactly; 158949/1800 = 88.305 → 88.31
        (158949, "88.31", "A"),
        (158948, "88.30", "B"),  # 88.30444…
        (137889, "76.61", "B"),  # 76.605
        (137888, "76.60", "C"),  # 76.60444…
        (116991, "65.00", "C"),  # 64.995
        (116990, "64.99", "D"),  # 64.99444…
    ],
)
def test_boundaries_reached_from_answers_round_before_grading(grand_total: int, converted: str, mutu: str) -> None:
    totals = [grand_total // 9] * 9
    totals[0] += grand_total - sum(totals)
    score = compute_ikm(uniform_surveys(5000, totals), DEFAULT_RULES)
    assert score.converted == Decimal(converted)
    assert score.mutu == mutu


def test_rounding_is_half_up_not_bankers() -> None:
    # 8 respondents, every element totals 25: NRR 3.125, IKM 78.125 → 78.13 (banker's: 78.12)
    score = compute_ikm(uniform_surveys(8, [25] * 9), DEFAULT_RULES)
    assert score.converted == Decimal("78.13")


def test_exact_ninth_not_0_111() -> None:
    # all 4s: exactly 100.00; the regulation's rounded weight 0.111 would give 99.90
    score = compute_ikm([survey("a", [4] * 9)], DEFAULT_RULES)
    assert score.converted == Decimal("100.00") and score.mutu == "A"
    assert compute_ikm([survey("a", [1] * 9)], DEFAULT_RULES).converted == Decimal("25.00")


def test_nrr_counts_only_respondents_who_answered_the_element() -> None:
    answered_all = Survey("a", None, date(2026, 1, 5), {f"u{i}": 4 for i in range(1, 10)})
    skipped_u9 = Survey("b", None, date(2026, 1, 5), {f"u{i}": 2 for i in range(1, 9)})
    score = compute_ikm([answered_all, skipped_u9], DEFAULT_RULES)
    assert score.nrr["u1"] == 3 and score.nrr["u9"] == 4  # u9: only respondent a
    assert score.raw == Fraction(8 * 3 + 4, 9)
    assert score.respondents == 2


def test_answers_are_read_by_element_not_position() -> None:
    in_order = Survey("a", None, date(2026, 1, 5), {"u1": 1, "u2": 2, "u3": 3, "u4": 4, "u5": 1, "u6": 2, "u7": 3, "u8": 4, "u9": 1})
    swapped = Survey("a", None, date(2026, 1, 5), dict(reversed(list(in_order.answers.items()))))
    upper = Survey("a", None, date(2026, 1, 5), {k.upper(): v for k, v in in_order.answers.items()})
    expected = compute_ikm([in_order], DEFAULT_RULES).nrr
    assert compute_ikm([swapped], DEFAULT_RULES).nrr == expected == compute_ikm([upper], DEFAULT_RULES).nrr
    assert expected["u8"] == 4 and expected["u9"] == 1


def test_invalid_answers_are_ignored_with_a_warning() -> None:
    bad = Survey("bad", None, date(2026, 1, 5), {"u1": 5, "u2": 0, "u3": True, "x": 4})
    good = survey("good", [3] * 9)
    score = compute_ikm([bad, good], DEFAULT_RULES)
    assert score.respondents == 1 and score.record_ids == ["good"]
    assert score.converted == Decimal("75.00")
    assert len(score.warnings) == 5  # four ignored answers + "no valid answer"


def test_element_answered_by_nobody_averages_the_answered_ones_with_warning() -> None:
    only_u1 = Survey("a", None, date(2026, 1, 5), {"u1": 4, "u2": 2})
    score = compute_ikm([only_u1], DEFAULT_RULES)
    assert score.raw == 3 and score.converted == Decimal("75.00")
    assert any("u3" in w for w in score.warnings)


def test_no_respondents_gives_no_value() -> None:
    score = compute_ikm([], DEFAULT_RULES)
    assert (score.converted, score.mutu, score.respondents, score.value) == (None, None, 0, None)


def test_custom_rule_set_bounds() -> None:
    strict = RuleSet(version=2, effective_from="2026", mutu_a=95.0, mutu_b=90.0, mutu_c=80.0)
    assert grade_mutu(Decimal("94.99"), strict) == "B"
    assert grade_mutu(Decimal("81.25"), strict) == "C"
    assert grade_mutu(Decimal("79.99"), strict) == "D"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(ELEMENTS), st.integers(min_value=1, max_value=4), min_size=1),
        min_size=1, max_size=30,
    ),
    st.randoms(use_true_random=False),
)
def test_ikm_invariant_under_order_and_storage(answer_rows: list[dict[str, int]], rng) -> None:
    surveys = [Survey(f"s{i}", None, date(2026, 1, 1), row) for i, row in enumerate(answer_rows)]
    base = compute_ikm(surveys, DEFAULT_RULES)
    shuffled_rows = []
    for s in surveys:
        items = list(s.answers.items())
        rng.shuffle(items)
        shuffled_rows.append(Survey(s.id, s.kelurahan_id, s.observed, dict(items)))
    rng.shuffle(shuffled_rows)
    again = compute_ikm(shuffled_rows, DEFAULT_RULES)
    assert (again.converted, again.mutu, again.nrr, again.respondents) == (base.converted, base.mutu, base.nrr, base.respondents)
    assert Decimal(25) <= base.converted <= Decimal(100)
    assert base.converted == half_up(base.raw * 25)
    # grade agrees with the rounded value, by exact comparison
    expected = "A" if base.converted >= Decimal("88.31") else "B" if base.converted >= Decimal("76.61") else "C" if base.converted >= Decimal("65.00") else "D"
    assert base.mutu == expected


@given(st.integers(min_value=2, max_value=10**7))
def test_min_sample_is_at_most_population_and_monotone(population: int) -> None:
    sample = min_sample(population)
    assert 1 <= sample <= population
    assert min_sample(population - 1) <= sample <= 385  # the curve saturates near 384
