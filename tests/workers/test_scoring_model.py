"""Period arithmetic: labels, bounds, previous period of equal length, quarters, containment."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.scoring.model import Period


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
    ],
)
def test_parse_label_bounds(label: str, start: date, end: date) -> None:
    period = Period.parse(label)
    assert period.label == label == str(period)
    assert (period.start, period.end) == (start, end)


def test_parse_accepts_lowercase_q_and_whitespace() -> None:
    assert Period.parse(" 2026-q3 ") == Period(2026, 3)


@pytest.mark.parametrize("bad", ["", "26", "2026-Q5", "2026-Q0", "2026Q1", "2026-H1", "Q1-2026", "0000"])
def test_parse_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        Period.parse(bad)


def test_constructor_rejects_bad_quarter() -> None:
    with pytest.raises(ValueError):
        Period(2026, 5)


@pytest.mark.parametrize(
    ("label", "previous"),
    [("2026", "2025"), ("2026-Q1", "2025-Q4"), ("2026-Q2", "2026-Q1"), ("2026-Q4", "2026-Q3")],
)
def test_previous_has_equal_length(label: str, previous: str) -> None:
    assert Period.parse(label).previous() == Period.parse(previous)


def test_quarters() -> None:
    assert [q.label for q in Period(2026).quarters()] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert Period(2026, 2).quarters() == (Period(2026, 2),)
    assert Period(2026).is_year and not Period(2026, 2).is_year


def test_contains_is_inclusive_at_both_ends() -> None:
    q1 = Period(2026, 1)
    assert q1.contains(date(2026, 1, 1)) and q1.contains(date(2026, 3, 31))
    assert not q1.contains(date(2025, 12, 31)) and not q1.contains(date(2026, 4, 1))
    assert q1.contains(datetime(2026, 3, 31, 23, 59))


def test_period_is_hashable_value() -> None:
    assert {Period(2026, 1), Period.parse("2026-Q1")} == {Period(2026, 1)}


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_quarters_partition_the_year(day: date) -> None:
    year = Period(day.year)
    assert year.contains(day)
    assert sum(q.contains(day) for q in year.quarters()) == 1
    assert not year.previous().contains(day)
    quarter = next(q for q in year.quarters() if q.contains(day))
    assert quarter.previous().end + timedelta(days=1) == quarter.start
    assert Period.parse(quarter.label) == quarter
