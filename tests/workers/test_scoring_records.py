"""The per-data record index: period cut-outs by bisection and a bounded, identity-keyed cache."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from workers.scoring.model import Complaint, KecamatanData, Period
from workers.scoring.records import _CACHE_SIZE, ALL, DatedRecords, index_of

PERIODS = [Period(y, q) for y in (2025, 2026, 2027) for q in (None, 1, 2, 3, 4)]


@given(st.lists(st.dates(min_value=date(2024, 12, 1), max_value=date(2028, 1, 31))), st.sampled_from(PERIODS))
def test_within_equals_a_plain_filter(days: list[date], period: Period) -> None:
    records = DatedRecords(days, lambda d: d)
    assert records.within(period) == sorted(d for d in days if period.contains(d))


def data_with(*complaints: Complaint) -> KecamatanData:
    return KecamatanData(1, "X", None, (), complaints=complaints)


def test_index_groups_by_unit_and_all() -> None:
    data = data_with(Complaint("a", 1, date(2026, 1, 1), None), Complaint("b", None, date(2026, 5, 1), None),
                     Complaint("c", 1, date(2026, 3, 31), None))
    index = index_of(data)
    assert [c.id for c in index.complaints_in(ALL, Period(2026, 1))] == ["a", "c"]
    assert [c.id for c in index.complaints_in(None, Period(2026))] == ["b"]
    assert index.complaints_in(7, Period(2026)) == []


def test_cache_is_per_object_and_bounded() -> None:
    data = data_with(Complaint("a", 1, date(2026, 1, 1), None))
    first = index_of(data)
    assert index_of(data) is first
    copy = replace(data, complaints=(Complaint("b", 1, date(2026, 1, 1), None),))
    assert index_of(copy) is not first
    assert [c.id for c in index_of(copy).complaints_in(ALL, Period(2026))] == ["b"]
    others = [data_with() for _ in range(_CACHE_SIZE)]
    for other in others:
        index_of(other)
    assert index_of(data) is not first  # evicted, rebuilt


complaint_lists = st.lists(st.builds(Complaint, st.uuids().map(str), st.sampled_from([None, 1, 2]),
                                     st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)), st.none()),
                           max_size=30, unique_by=lambda c: c.id)


@given(complaint_lists, complaint_lists, st.data())
def test_an_index_derived_from_a_change_is_the_index_built_anew(first, more, data) -> None:
    """``updated_index``: the earlier index with the records gone cut out and the new ones inserted
    answers every unit and period as an index built from the later collection (sorted by date, then id)."""
    from workers.scoring.records import Changes, updated_index

    removed = data.draw(st.lists(st.sampled_from(first), unique_by=lambda c: c.id) if first else st.just([]))
    added = [c for c in more if c.id not in {f.id for f in first}]
    later = tuple(c for c in first if c not in removed) + tuple(added)
    derived = updated_index("complaints", index_of(data_with(*first)).complaints,
                            Changes(tuple(first), tuple(removed), tuple(added)))
    fresh = index_of(data_with(*later)).complaints
    for unit in (ALL, None, 1, 2):
        for period in PERIODS:
            assert (derived[unit].within(period) if unit in derived else []) == (
                fresh[unit].within(period) if unit in fresh else [])
