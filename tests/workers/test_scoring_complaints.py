"""IKU2: complaints received in the period, followed up by the period's end."""
from __future__ import annotations

from datetime import date

from workers.scoring.complaints import count_follow_ups
from workers.scoring.model import Complaint, Period


def complaint(cid: str, received: date, followed_up: date | None, kelurahan_id: int | None = 1) -> Complaint:
    return Complaint(cid, kelurahan_id, received, followed_up, (f"tl-{cid}",) if followed_up else ())


COMPLAINTS = [
    complaint("a", date(2026, 1, 10), date(2026, 1, 12)),
    complaint("b", date(2026, 3, 31), date(2026, 3, 31)),  # followed up on the last day: counts
    complaint("c", date(2026, 3, 20), date(2026, 4, 1)),  # followed up after Q1's end
    complaint("d", date(2026, 2, 1), None),
    complaint("e", date(2025, 12, 31), date(2026, 1, 2)),  # received in 2025: not in 2026
    complaint("f", date(2026, 4, 1), date(2026, 4, 1)),
]


def test_quarter_counts_received_in_period_and_followed_up_by_its_end() -> None:
    q1 = count_follow_ups(COMPLAINTS, Period(2026, 1))
    assert q1.record_ids == ["a", "b", "c", "d"]
    assert q1.followed_up_ids == ["a", "b"]
    assert (q1.numerator, q1.denominator) == (2, 4)


def test_year_lets_a_later_follow_up_count() -> None:
    year = count_follow_ups(COMPLAINTS, Period(2026))
    assert year.record_ids == ["a", "b", "c", "d", "f"]
    assert year.followed_up_ids == ["a", "b", "c", "f"]


def test_previous_year_complaint_belongs_to_its_own_period() -> None:
    q4 = count_follow_ups(COMPLAINTS, Period(2025, 4))
    assert q4.record_ids == ["e"] and q4.followed_up_ids == []  # followed up only in 2026


def test_no_complaints() -> None:
    empty = count_follow_ups([], Period(2026))
    assert (empty.numerator, empty.denominator) == (0, 0)
