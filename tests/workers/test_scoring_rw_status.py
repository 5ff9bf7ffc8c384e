"""RW status at a date (latest inspection on or before it) and the IKU6 change against the baseline."""
from __future__ import annotations

from datetime import date

import pytest

from workers.scoring.model import Inspection, Period
from workers.scoring.rules import DEFAULT_RULES, RuleSet, RwBaikRule
from workers.scoring.rw_status import InspectionIndex, baseline_date, is_baik, rw_change


def inspection(iid: str, rw_id: int, observed: date, **overrides) -> Inspection:
    values = dict(kebun_toga=True, pengelolaan_sampah="baik", status_kumuh="tidak_kumuh", lembaga_aktif=True,
                  kejadian_kriminal=0, konflik_sosial=0)
    values.update(overrides)
    return Inspection(iid, rw_id, observed, **values)


def test_is_baik_needs_all_four_conditions() -> None:
    good = inspection("a", 1, date(2026, 1, 1))
    assert is_baik(good, DEFAULT_RULES)
    assert not is_baik(None, DEFAULT_RULES)
    for change in [{"kebun_toga": False}, {"pengelolaan_sampah": "cukup"}, {"pengelolaan_sampah": "buruk"},
                   {"status_kumuh": "kumuh"}, {"lembaga_aktif": False}]:
        assert not is_baik(inspection("b", 1, date(2026, 1, 1), **change), DEFAULT_RULES), change


def test_rule_set_can_relax_rw_conditions() -> None:
    lenient = RuleSet(version=2, effective_from="2026",
                      rw_baik=RwBaikRule(kebun_toga=False, pengelolaan_sampah=frozenset({"baik", "cukup"})))
    assert is_baik(inspection("b", 1, date(2026, 1, 1), kebun_toga=False, pengelolaan_sampah="cukup"), lenient)
    assert not is_baik(inspection("b", 1, date(2026, 1, 1), pengelolaan_sampah="buruk"), lenient)


def test_latest_on_or_before_with_ties_broken_by_id() -> None:
    rows = [
        inspection("m", 1, date(2026, 2, 1)),
        inspection("z", 1, date(2026, 3, 1)),
        inspection("b", 1, date(2026, 3, 1)),
        inspection("x", 2, date(2026, 1, 1)),
    ]
    for ordering in (rows, list(reversed(rows))):
        index = InspectionIndex(ordering)
        assert index.latest(1, date(2026, 1, 31)) is None
        assert index.latest(1, date(2026, 2, 1)).id == "m"  # on the date itself counts
        assert index.latest(1, date(2026, 3, 1)).id == "z"  # same day: larger id
        assert index.latest(1, date(2027, 1, 1)).id == "z"
        assert index.latest(3, date(2027, 1, 1)) is None


def test_baseline_is_end_of_previous_year() -> None:
    assert baseline_date(Period(2026)) == date(2025, 12, 31)
    assert baseline_date(Period(2026, 3)) == date(2025, 12, 31)
    assert baseline_date(Period(2026, 1)) == date(2025, 12, 31)


@pytest.mark.parametrize(
    ("rows", "now", "baseline", "changed"),
    [
        ([inspection("a", 1, date(2025, 6, 1), kebun_toga=False), inspection("b", 1, date(2026, 5, 1))], True, False, True),
        ([inspection("a", 1, date(2025, 6, 1)), inspection("b", 1, date(2026, 5, 1))], True, True, False),
        ([inspection("b", 1, date(2026, 5, 1))], True, False, True),  # no baseline inspection: not Baik then
        ([inspection("a", 1, date(2025, 12, 31), status_kumuh="kumuh"), inspection("b", 1, date(2026, 1, 1))], True, False, True),
        ([inspection("a", 1, date(2025, 6, 1), kebun_toga=False)], False, False, False),  # no news
        ([inspection("a", 1, date(2025, 6, 1), kebun_toga=False), inspection("b", 1, date(2026, 10, 1))], False, False, False),  # after Q2
        ([inspection("a", 1, date(2025, 6, 1)), inspection("b", 1, date(2026, 5, 1), lembaga_aktif=False)], False, True, False),
    ],
)
def test_rw_change_for_2026_q2(rows: list[Inspection], now: bool, baseline: bool, changed: bool) -> None:
    change = rw_change(InspectionIndex(rows), 1, 7, Period(2026, 2), DEFAULT_RULES)
    assert (change.now, change.baseline, change.changed) == (now, baseline, changed)
    as_dict = change.to_dict()
    assert set(as_dict) == {"id", "kelurahan_id", "now", "baseline", "changed", "inspection_now", "inspection_baseline"}
    assert as_dict["kelurahan_id"] == 7


def test_rw_change_names_the_inspections() -> None:
    rows = [inspection("a", 1, date(2025, 6, 1), kebun_toga=False), inspection("b", 1, date(2026, 5, 1))]
    change = rw_change(InspectionIndex(rows), 1, 7, Period(2026), DEFAULT_RULES)
    assert (change.inspection_now, change.inspection_baseline) == ("b", "a")
