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


def test_of_one_days_inspections_the_one_observed_last_counts() -> None:
    """SPEC §2's "latest inspection": observed last (then received last), whatever the ids; the id
    decides only between inspections observed and received at the same instant (or without instants)."""
    from datetime import datetime, timedelta, timezone

    morning = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)  # 09:00 in Jakarta
    rows = [
        inspection("z", 1, date(2026, 3, 1), observed_at=morning, received_at=morning),
        inspection("a", 1, date(2026, 3, 1), observed_at=morning + timedelta(hours=6), received_at=morning,
                   kebun_toga=False),
        inspection("c", 2, date(2026, 3, 1), observed_at=morning, received_at=morning + timedelta(minutes=1)),
        inspection("d", 2, date(2026, 3, 1), observed_at=morning, received_at=morning),
    ]
    for ordering in (rows, list(reversed(rows))):
        index = InspectionIndex(ordering)
        assert index.latest(1, date(2026, 3, 1)).id == "a"  # observed last, though its id is smaller
        assert index.latest(2, date(2026, 3, 1)).id == "c"  # the same instant: received last


def test_an_index_updated_answers_as_one_built_from_the_later_inspections() -> None:
    """``InspectionIndex.updated``: cut out and insert by bisection, the same answers as a fresh build."""
    import random

    r = random.Random(5)
    days = [date(2025, 12, 1) + (date(2026, 1, 1) - date(2025, 12, 1)) * k // 40 for k in range(120)]
    pool = [inspection(f"{n:03d}", r.randint(1, 4), r.choice(days), kebun_toga=r.random() < 0.5) for n in range(300)]
    before = pool[:150]
    index = InspectionIndex(before)
    for _round in range(5):
        removed = r.sample(before, 20)
        added = r.sample([i for i in pool if i not in before], 30)
        after = [i for i in before if i not in removed] + added
        index, fresh = index.updated(removed, added), InspectionIndex(after)
        for rw_id in range(1, 6):
            for day in days[::7]:
                assert index.latest(rw_id, day) == fresh.latest(rw_id, day)
                assert index.any_within([rw_id], day, day) == fresh.any_within([rw_id], day, day)
        before = after
    with pytest.raises(ValueError):
        index.updated([inspection("nope", 1, days[0])], [])
